import type { Middleware } from 'koa';
import { AppError } from '../../config/errors.ts';
import type { Principal, TokenVerifier } from './tokens.ts';

export type AuthState = { principal: Principal };

/**
 * Requires `Authorization: Bearer <JWT>` and puts the principal on `ctx.state`.
 * CORS preflights carry no credentials by design, so OPTIONS passes through.
 */
export function requireBearer(verify: TokenVerifier): Middleware<AuthState> {
  return async (ctx, next) => {
    if (ctx.method === 'OPTIONS') return next();
    const header = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=+/-]*)$/i.exec(header);
    if (!match?.[1]) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new AppError('UNAUTHENTICATED', header ? 'The Authorization header must be "Bearer <token>".' : undefined);
    }
    try {
      ctx.state.principal = await verify(match[1]);
    } catch (err) {
      ctx.set('WWW-Authenticate', `Bearer error="invalid_token"`);
      throw err;
    }
    return next();
  };
}
