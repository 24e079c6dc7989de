import type Router from '@koa/router';
import type { Config } from '../../config/schema.ts';
import type { RequestState } from '../http/request-context.ts';
import type { Logger } from '../logger.ts';
import { ensureDemoBuilt } from './build-demo.ts';
import { demoRoutes } from './demo-routes.ts';

/**
 * The demo's routes for this configuration. Each page load checks the bundle
 * against its sources and rebuilds it when they changed (one build at a time),
 * so `npm start` works on a fresh clone and picks up edits on reload.
 */
export function createDemo(config: Config, log: Logger): Router<RequestState> {
  let pending: Promise<string> | undefined;
  const ensureBuilt = () =>
    (pending ??= ensureDemoBuilt()
      .then((b) => {
        if (b.built) log.info({ dir: b.dir, ms: Math.round(b.ms) }, 'client demo built');
        return b.dir;
      })
      .catch((err: unknown) => {
        log.error({ err }, 'client demo build failed');
        throw err;
      })
      .finally(() => (pending = undefined)));

  // Browsers reach S3 where presigned URLs point.
  const s3Endpoint = config.s3?.publicEndpoint;
  const s3Origin = config.storage.kind === 's3' ? (s3Endpoint ? new URL(s3Endpoint).origin : 'https://*.amazonaws.com') : undefined;
  const cdnOrigin = config.delivery.cdnBaseUrl ? new URL(config.delivery.cdnBaseUrl).origin : undefined;
  return demoRoutes({
    jwtSecret: config.auth.jwtSecret,
    imageOrigins: [cdnOrigin, s3Origin].filter((o): o is string => o !== undefined),
    connectOrigins: s3Origin ? [s3Origin] : [],
    ensureBuilt,
  });
}
