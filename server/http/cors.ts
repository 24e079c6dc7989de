import type { Middleware } from 'koa';
import { HEADERS } from '@tus/utils';

const EXPOSED = [...HEADERS, 'X-Request-Id', 'WWW-Authenticate'].join(', ');
const ALLOWED_HEADERS = [...HEADERS, 'X-Request-Id'].join(', ');
const METHODS = 'GET, HEAD, POST, PATCH, PUT, DELETE, OPTIONS';

/**
 * CORS for configured origins only. It runs outside the error handler so error
 * responses (401, 412, 413…) carry the headers too: otherwise a browser reports a
 * network failure instead of the real status.
 */
export function cors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    if (!origin || !allowed.has(origin)) return next();
    ctx.set('Access-Control-Allow-Origin', origin);
    ctx.set('Access-Control-Expose-Headers', EXPOSED);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('Access-Control-Allow-Methods', METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '86400');
      // tus preflights go on to @tus/server, which adds the tus headers; others end here.
      if (!ctx.path.startsWith('/files')) {
        ctx.status = 204;
        return;
      }
    }
    return next();
  };
}
