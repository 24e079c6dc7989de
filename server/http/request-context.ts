import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export type RequestState = { requestId: string; log: Logger; route: string; tusStatus?: number };

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
/** Query parameters that carry credentials: never written to the logs, even when the request is refused. */
const SECRET_PARAMS = /^(token|access_token|id_token|jwt|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

/**
 * Outermost middleware: request id (an incoming `X-Request-Id` is kept when sane,
 * so ids follow a request through a proxy), a child logger, one access log line
 * and the request metric. Routes set `ctx.state.route` to a low-cardinality name.
 */
export function requestContext(logger: Logger, metrics: Metrics): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.state.route = 'unmatched';
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const status = ctx.state.tusStatus ?? ctx.status;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.observe({ method: ctx.method, route: ctx.state.route, status: String(status) }, seconds);
      ctx.state.log[status >= 500 ? 'error' : 'info'](
        { method: ctx.method, url: loggableUrl(ctx.url), route: ctx.state.route, status, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  };
}

/** The request URL with the values of credential-like query parameters replaced. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const secret = [...new Set(params.keys())].filter((key) => SECRET_PARAMS.test(key));
  if (secret.length === 0) return url;
  for (const key of secret) params.set(key, 'REDACTED');
  return `${url.slice(0, q)}?${params.toString()}`;
}
