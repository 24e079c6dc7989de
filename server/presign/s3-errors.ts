/** The S3 error code of an SDK error (`NoSuchKey`, `NoSuchUpload`, …), or undefined for other failures. */
export function s3ErrorCode(err: unknown): string | undefined {
  const e = err as { name?: unknown; Code?: unknown; $metadata?: unknown };
  if (!e || typeof e !== 'object' || !e.$metadata) return undefined;
  return typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
}

export function s3Status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
