import path from 'node:path';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { AppError } from '../../config/errors.ts';
import { isUserId } from '../../config/keys.ts';
import { signToken } from '../auth/tokens.ts';
import { parseInput } from '../http/json-body.ts';
import { sendFile } from '../delivery/send-file.ts';
import type { RequestState } from '../http/request-context.ts';

export type DemoDeps = {
  jwtSecret: string;
  /** Origins the page may load images from besides itself (CDN_BASE_URL; the S3 endpoint for signed variant links). */
  imageOrigins: readonly string[];
  /** Origins the page may send requests to besides itself (the S3 endpoint, for presigned uploads). */
  connectOrigins: readonly string[];
  /** Resolves to the directory of a current build (built or rebuilt when needed). */
  ensureBuilt: () => Promise<string>;
};

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json',
  'app.css.map': 'application/json',
  'app.js.LEGAL.txt': 'text/plain; charset=utf-8',
};

const tokenQuery = z.object({
  user: z.string().refine(isUserId, 'must be 1-128 characters of A-Z a-z 0-9 . _ @ -').default('demo'),
  ttl: z.coerce.number().int().min(1).max(24 * 3600).default(300),
});

/**
 * The client demo, mounted in development only (main.ts): the page and its
 * bundle under `/demo`, and `POST /demo/token`, which hands a short-lived token
 * to anyone who asks, standing in for a login. Both are as unsafe as the public
 * development secret, so production never mounts them (they answer 404).
 */
export function demoRoutes(deps: DemoDeps): Router<RequestState> {
  const router = new Router<RequestState>({ prefix: '/demo' });
  const csp = contentSecurityPolicy(deps);

  router.post('/token', async (ctx) => {
    ctx.state.route = '/demo/token';
    const { user, ttl } = parseInput(tokenQuery, ctx.query);
    const token = await signToken(deps.jwtSecret, { userId: user, ttlSeconds: ttl });
    ctx.set('Cache-Control', 'no-store');
    // The token's own `exp` (whole seconds), so the page never believes it lives longer than it does.
    const expiresAt = new Date(decodeJwt(token).exp! * 1000).toISOString();
    ctx.body = { token, userId: user, expiresAt };
  });

  router.get('/', async (ctx) => {
    ctx.state.route = '/demo';
    await serve(ctx, 'index.html', 'text/html; charset=utf-8', csp);
  });
  router.get('/:asset', async (ctx) => {
    ctx.state.route = '/demo/:asset';
    const asset = ctx.params.asset ?? '';
    const type = ASSETS[asset];
    if (!type) throw new AppError('NOT_FOUND');
    await serve(ctx, asset, type, csp);
  });

  async function serve(ctx: Parameters<Middleware>[0], file: string, contentType: string, policy: string) {
    const dir = await deps.ensureBuilt().catch((err: unknown) => {
      throw new AppError('SERVICE_UNAVAILABLE', 'The demo could not be built; see the server log.', { cause: err, expose: true });
    });
    ctx.set('Content-Security-Policy', policy);
    const sent = await sendFile(ctx, path.join(dir, file), {
      etag: (size, mtimeMs) => `W/"${size.toString(16)}-${Math.round(mtimeMs).toString(16)}"`,
      cacheControl: 'no-cache',
      contentType,
    });
    if (!sent) throw new AppError('NOT_FOUND');
  }

  return router;
}

/** No inline script or style, nothing from elsewhere but the images and uploads the configuration points at. */
export function contentSecurityPolicy(deps: Pick<DemoDeps, 'imageOrigins' | 'connectOrigins'>): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ['img-src', "'self'", ...deps.imageOrigins, 'blob:', 'data:'].join(' '),
    ['connect-src', "'self'", ...deps.connectOrigins].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
