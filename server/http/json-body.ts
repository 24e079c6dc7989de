import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { type z } from 'zod';
import { AppError } from '../../config/errors.ts';

const LIMIT_BYTES = 64 * 1024;

/**
 * JSON request bodies for the /api routes only (tus streams its own bodies),
 * bounded at 64 KB: the largest legitimate body, a 10,000-part completion list,
 * fits several times over. A body of another type is left unparsed (and then
 * fails validation), so form or text bodies are never buffered.
 */
export function jsonBody(): Middleware {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: LIMIT_BYTES, jsonStrict: true });
  return async (ctx, next) => {
    let parsed = false;
    try {
      await parse(ctx, async () => {
        parsed = true;
      });
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (status === 413) throw new AppError('BODY_TOO_LARGE', `The request body exceeds ${LIMIT_BYTES} bytes.`, { cause: err });
      throw new AppError('BAD_REQUEST', 'The request body is not valid JSON.', { cause: err });
    }
    if (parsed) return next();
  };
}

/** Validates HTTP input at the edge; the message names every field that is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AppError('VALIDATION_FAILED', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return result.data;
}
