import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Config } from '../config/schema.ts';
import { requireBearer } from './auth/middleware.ts';
import type { TokenVerifier } from './auth/tokens.ts';
import { cors } from './http/cors.ts';
import { errorHandler } from './http/errors.ts';
import type { Metrics } from './http/metrics.ts';
import { requestContext, type RequestState } from './http/request-context.ts';
import { labelRoute } from './http/route-label.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { Logger } from './logger.ts';
import { type FileRouteDeps, fileRoutes } from './routes/files.ts';
import type { DirectUploads } from './presign/direct-uploads.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { multipartRoutes } from './routes/multipart.ts';
import { uploadUrlRoutes } from './routes/upload-url.ts';
import { methodOverride, tusConformance } from './tus/conformance.ts';
import { TUS_PATH } from './tus/tus-handler.ts';

export type AppDeps = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  verifyToken: TokenVerifier;
  tus: Middleware;
  readiness: readonly ReadinessCheck[];
  /** Files this server delivers itself (file-store mode), and what the files API needs. */
  delivery: { middleware: readonly Middleware[]; files: Omit<FileRouteDeps, 'auth'> };
  /** The client demo and its token endpoint: development only, absent in production. */
  demo?: Router<RequestState> | undefined;
  /** Direct-to-S3 uploads (STORAGE=s3); without them their routes answer 501. */
  directUploads: DirectUploads | undefined;
};

/** Builds the Koa app from its dependencies; never reads the environment, never listens. */
export function buildApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>({ proxy: true });
  // Errors are rendered by errorHandler; Koa's own handler would log them a second time.
  app.silent = true;

  app.use(requestContext(deps.logger, deps.metrics));
  app.use(securityHeaders());
  app.use(cors(deps.config.http.corsOrigins));
  app.use(errorHandler());
  app.use(methodOverride);

  for (const serve of deps.delivery.middleware) app.use(serve);

  const health = healthRoutes(deps.readiness, deps.metrics.registry);
  app.use(health.routes());
  app.use(health.allowedMethods());

  if (deps.demo) {
    app.use(deps.demo.routes());
    app.use(deps.demo.allowedMethods());
  }

  const auth = requireBearer(deps.verifyToken);
  const tus = new Router<RequestState>();
  tus.all([TUS_PATH, `${TUS_PATH}/{*rest}`], labelRoute('tus'), auth, tusConformance, deps.tus);
  app.use(tus.routes());

  const files = fileRoutes({ ...deps.delivery.files, auth });
  app.use(files.routes());
  app.use(files.allowedMethods());

  for (const router of [uploadUrlRoutes(auth, deps.directUploads), multipartRoutes(auth, deps.directUploads)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }

  return app;
}
