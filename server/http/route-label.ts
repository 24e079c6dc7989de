import type { Middleware } from 'koa';
import type { RequestState } from './request-context.ts';

/** Names the route for logs and metrics (a low-cardinality label, not the URL). */
export const labelRoute =
  (route: string): Middleware<RequestState> =>
  (ctx, next) => {
    ctx.state.route = route;
    return next();
  };
