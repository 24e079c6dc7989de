/**
 * What storage failures mean for the client, whichever store raised them (the
 * tus error mapping and the S3 part retries use these). Errors may arrive
 * wrapped: the `cause` chain is searched too.
 */

/** The disk (or the user's quota) is full: ENOSPC / EDQUOT from the file store. */
export const isOutOfSpace = (err: unknown): boolean => chain(err).some((e) => e.code === 'ENOSPC' || e.code === 'EDQUOT');

const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN']);

/** A 5xx from S3, or the connection to it failing: worth another attempt. Its 4xx answers are final. */
export function isTransientStorageError(err: unknown): boolean {
  return chain(err).some((e) => {
    const status = e.$metadata?.httpStatusCode;
    if (status !== undefined) return status >= 500;
    return NETWORK_CODES.has(e.code ?? '') || e.name === 'TimeoutError';
  });
}

type ErrorLike = { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = err; typeof e === 'object' && e !== null && out.length < 5; e = (e as ErrorLike).cause) out.push(e as ErrorLike);
  return out;
}
