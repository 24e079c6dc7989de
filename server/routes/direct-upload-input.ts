import type { Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../config/errors.ts';
import type { AuthState } from '../auth/middleware.ts';
import type { RequestState } from '../http/request-context.ts';
import type { DirectUploads } from '../presign/direct-uploads.ts';

export type DirectUploadState = RequestState & AuthState & { uploads: DirectUploads };

/** The file a client announces before sending it straight to S3 (query string, JSON or form body). */
export const declaredFileSchema = z.object({
  filename: z.string().min(1).max(1024).optional(),
  type: z.string().min(1).max(255),
  size: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const uploadIdParam = z.string().regex(/^[0-9a-f]{32}$/, 'not an upload id');

/**
 * Direct uploads write to the originals bucket, so they exist only with
 * STORAGE=s3. Otherwise every such route answers 501 DIRECT_UPLOADS_UNAVAILABLE
 * (the server can take uploads, just not this way: tus at /files/ works).
 */
export function requireDirectUploads(uploads: DirectUploads | undefined): Middleware<DirectUploadState> {
  return (ctx, next) => {
    if (!uploads) throw new AppError('DIRECT_UPLOADS_UNAVAILABLE');
    ctx.state.uploads = uploads;
    return next();
  };
}
