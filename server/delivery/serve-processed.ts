import path from 'node:path';
import type { Middleware } from 'koa';
import { sendFile } from './send-file.ts';

const TYPES: Record<string, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** Variant keys: `media/<upload id>/<content hash>-<label>.<ext>`; the manifest is the one mutable file. */
const VARIANT = /^media\/[0-9a-f]{32}\/([0-9a-f]{20})-[a-z0-9]+\.([a-z0-9]+)$/;
const MANIFEST = /^media\/[0-9a-f]{32}\/manifest\.json$/;

/**
 * Embedded mode's stand-in for the CDN: serves the processed store under
 * `/media/…` with what a CDN edge needs. Variant keys carry their content hash,
 * so it is their strong ETag and they are cacheable forever; the manifest is
 * revalidated. Single byte ranges are honoured (video scrubbing, resumed
 * downloads). Only processed files are reachable: nothing else of the data
 * directory (originals, quarantine) is under this root.
 */
export function serveProcessed(root: string): Middleware {
  const base = path.resolve(root);
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/media/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const key = ctx.path.slice(1);
    const variant = VARIANT.exec(key);
    if (!variant && !MANIFEST.test(key)) return next();
    const served = await sendFile(ctx, path.join(base, key), {
      etag: variant ? `"${variant[1]}"` : (size, mtimeMs) => `W/"${size.toString(16)}-${mtimeMs.toString(16)}"`,
      cacheControl: variant ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate',
      contentType: TYPES[(variant?.[2] ?? 'json').toLowerCase()] ?? 'application/octet-stream',
    });
    if (!served) return next();
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
  };
}
