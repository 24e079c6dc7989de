import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { AppError } from '../../config/errors.ts';

/**
 * Request bodies of the /api routes (tus streams its own): JSON, or an HTML
 * form's urlencoded fields, up to `limit` (413 BODY_TOO_LARGE beyond). Other
 * types stay unread and then fail validation, so nothing else is buffered.
 */
export function requestBody(limit = '16kb'): Middleware {
  const parse = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: limit, formLimit: limit, jsonStrict: true });
  return async (ctx, next) => {
    try {
      // Parsed here with a no-op `next`, so errors from later middleware are not mistaken for body errors.
      await parse(ctx, async () => {});
    } catch (err) {
      if ((err as { status?: unknown }).status === 413) throw new AppError('BODY_TOO_LARGE', `The request body exceeds ${limit}.`, { cause: err });
      throw new AppError('BAD_REQUEST', 'The request body is not valid JSON or form data.', { cause: err });
    }
    if (ctx.request.body === undefined) return; // the client went away before its body arrived
    return next();
  };
}

/** Validates HTTP input at the edge; the message names every field that is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AppError('VALIDATION_FAILED', result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return result.data;
}
