import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export type RequestState = { requestId: string; log: Logger; route: string; tusStatus?: number };

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

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
        { method: ctx.method, url: ctx.url, route: ctx.state.route, status, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  };
}
