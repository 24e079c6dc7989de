import { AppError, type ErrorCode } from '../../config/errors.ts';
import { isOutOfSpace, isTransientStorageError } from '../storage/storage-errors.ts';

type TusLibError = { status_code: number; body: string };

const isTusLibError = (err: unknown): err is TusLibError =>
  typeof err === 'object' && err !== null && typeof (err as TusLibError).status_code === 'number' && typeof (err as TusLibError).body === 'string';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  403: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  409: 'UPLOAD_OFFSET_MISMATCH',
  410: 'UPLOAD_GONE',
  412: 'TUS_VERSION_UNSUPPORTED',
  413: 'UPLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  460: 'CLIENT_CLOSED_REQUEST',
  501: 'NOT_IMPLEMENTED',
};

/**
 * Maps what @tus/server throws or writes to our catalogue. Its 4xx texts are
 * protocol explanations and safe to show; its 5xx texts may embed internal
 * messages, so those become the catalogue's generic text. A full disk (507)
 * and an unreachable or failing S3 (503) get codes of their own.
 */
export function toTusError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // Storage faults the client can act on: wait and resume (the bytes stored so far are kept).
  if (isOutOfSpace(err)) return new AppError('INSUFFICIENT_STORAGE', undefined, { cause: err, expose: true });
  if (isTransientStorageError(err)) return new AppError('STORAGE_UNAVAILABLE', undefined, { cause: err, expose: true });
  if (!isTusLibError(err)) return new AppError('INTERNAL', undefined, { cause: err });
  const message = err.body.trim();
  if (/lock/i.test(message) && err.status_code === 500) return new AppError('LOCK_TIMEOUT', undefined, { cause: err });
  if (/metadata/i.test(message)) return new AppError('INVALID_METADATA', message);
  // The library answers 403 for a missing Upload-Offset or Content-Type: those are malformed requests.
  const code = BY_STATUS[err.status_code] ?? (err.status_code >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
  return new AppError(code, err.status_code < 500 ? message : undefined, { cause: err });
}
