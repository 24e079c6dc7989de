import path from 'node:path';
import type { Middleware } from 'koa';
import { AppError } from '../../config/errors.ts';
import { parseOriginalKey } from '../../config/keys.ts';
import type { StatusStore } from '../../processor/status/status-store.ts';
import { ORIGINALS_PATH } from './file-links.ts';
import { attachment } from './links.ts';
import { sendFile } from './send-file.ts';
import type { PathSigner } from './signed-path.ts';

/**
 * File-store mode: `GET /originals/<user>/<upload id>?expires=&sig=`, the
 * signed links `/api/files/:id` hands out for private originals. Only files the
 * processor found clean (`ready`) are served, always as a download that cannot
 * render in the browser; a file rejected after the link was made is refused too.
 */
export function serveOriginal(opts: { uploadsDir: string; signer: PathSigner; status: StatusStore }): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(`${ORIGINALS_PATH}/`) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const key = ctx.path.slice(ORIGINALS_PATH.length + 1);
    const owner = parseOriginalKey(key);
    const { expires, sig } = ctx.query;
    if (!owner || !opts.signer.verify(ctx.path, typeof expires === 'string' ? expires : undefined, typeof sig === 'string' ? sig : undefined)) {
      throw new AppError('LINK_INVALID');
    }
    const status = await opts.status.get(owner.uploadId);
    if (status?.status !== 'ready' || status.userId !== owner.userId) throw new AppError('NOT_FOUND');
    ctx.set('Content-Disposition', attachment(status.filename));
    ctx.set('Content-Security-Policy', "sandbox; default-src 'none'");
    const served = await sendFile(ctx, path.join(opts.uploadsDir, key), {
      etag: (size, mtimeMs) => `W/"${size.toString(16)}-${mtimeMs.toString(16)}"`,
      cacheControl: 'private, no-store',
      contentType: 'application/octet-stream',
    });
    if (!served) throw new AppError('NOT_FOUND');
  };
}
