import type { Middleware } from 'koa';
import { AppError, errorBody } from '../../config/errors.ts';
import { isTransientStorageError } from '../storage/storage-errors.ts';
import type { RequestState } from './request-context.ts';

/** The one place Koa routes turn errors into JSON responses. */
export function errorHandler(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) throw new AppError('NOT_FOUND');
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.status >= 500) ctx.state.log.error({ err: appErr.cause ?? appErr }, 'request failed');
      const { status, body } = errorBody(appErr, ctx.state.requestId);
      ctx.status = status;
      ctx.body = body;
    }
  };
}

/** Koa and its body parsers throw http-errors (with `status` and `expose`); keep their 4xx meaning. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : status === 413 ? 'UPLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
    return new AppError(code, undefined, { cause: err });
  }
  // S3 failing or unreachable: the client can retry, as on the tus routes.
  if (isTransientStorageError(err)) return new AppError('STORAGE_UNAVAILABLE', undefined, { cause: err, expose: true });
  return new AppError('INTERNAL', undefined, { cause: err });
}
