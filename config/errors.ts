/**
 * The error catalogue: every failure a client can see has a SCREAMING_SNAKE code,
 * an HTTP status and a safe message here. Transports (the Koa error middleware,
 * the tus `onResponseError` hook) render `AppError`s; anything else is a 500
 * whose message is logged, never sent.
 */
export const ERROR_CATALOGUE = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VALIDATION_FAILED: { status: 400, message: 'The request has invalid parameters.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  TOKEN_EXPIRED: { status: 401, message: 'The bearer token has expired.' },
  LINK_INVALID: { status: 403, message: 'This download link is invalid or has expired; ask for a new one.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  UPLOAD_OFFSET_MISMATCH: { status: 409, message: 'Upload-Offset does not match the current offset of the upload.' },
  UPLOAD_GONE: { status: 410, message: 'The upload has expired or was removed.' },
  TUS_VERSION_UNSUPPORTED: { status: 412, message: 'Tus-Resumable is missing or names an unsupported protocol version.' },
  UPLOAD_TOO_LARGE: { status: 413, message: 'The upload exceeds the maximum allowed size.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/offset+octet-stream.' },
  TYPE_NOT_ALLOWED: { status: 415, message: 'This file type is not allowed.' },
  FILETYPE_REQUIRED: { status: 400, message: 'Upload-Metadata must declare the file type (filetype).' },
  INVALID_METADATA: { status: 400, message: 'Upload-Metadata is malformed.' },
  CHECKSUM_UNSUPPORTED: { status: 400, message: 'Upload-Checksum cannot be verified: this server does not support the tus checksum extension. Send the request without it.' },
  UPLOAD_NOT_RECEIVED: { status: 409, message: 'The file has not reached storage yet; upload it, then confirm again.' },
  UPLOAD_MISMATCH: { status: 422, message: 'The stored file does not match what was declared; it was deleted.' },
  MULTIPART_INVALID: { status: 400, message: 'The multipart upload cannot be completed with these parts.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  LOCK_TIMEOUT: { status: 423, message: 'The upload is in use by another request; retry shortly.' },
  CLIENT_CLOSED_REQUEST: { status: 460, message: 'The client closed the request.' },
  INTERNAL: { status: 500, message: 'Internal server error.' },
  NOT_IMPLEMENTED: { status: 501, message: 'Not implemented.' },
  DIRECT_UPLOADS_UNAVAILABLE: { status: 501, message: 'Direct-to-storage uploads need STORAGE=s3; upload with tus at /files/ instead.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable.' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'The storage service is temporarily unavailable; resume the upload shortly.' },
  INSUFFICIENT_STORAGE: { status: 507, message: 'The server has no storage space left; resume the upload later.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly status: number;
  /** Whether `message` may be shown to the client (catalogue messages and our own details are). */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    options: { cause?: unknown; details?: Record<string, unknown>; expose?: boolean } = {},
  ) {
    super(message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
    this.expose = options.expose ?? this.status < 500;
    this.details = options.details;
  }

  readonly details: Record<string, unknown> | undefined;
}

export type ErrorBody = {
  error: { code: string; message: string; requestId?: string; details?: Record<string, unknown> };
};

/** The JSON body every transport sends for an error. Unknown errors become INTERNAL with no detail. */
export function errorBody(err: unknown, requestId?: string): { status: number; body: ErrorBody } {
  const e = err instanceof AppError ? err : new AppError('INTERNAL', undefined, { cause: err });
  return {
    status: e.status,
    body: {
      error: {
        code: e.code,
        message: e.expose ? e.message : ERROR_CATALOGUE[e.code].message,
        ...(requestId ? { requestId } : {}),
        ...(e.expose && e.details ? { details: e.details } : {}),
      },
    },
  };
}
