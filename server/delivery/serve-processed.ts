import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Middleware } from 'koa';

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
    const file = path.join(base, key);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return next();

    const etag = variant ? `"${variant[1]}"` : `W/"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`;
    ctx.set('ETag', etag);
    ctx.set('Cache-Control', variant ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate');
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.type = TYPES[(variant?.[2] ?? 'json').toLowerCase()] ?? 'application/octet-stream';
    if (ctx.get('if-none-match').split(',').some((t) => t.trim() === etag)) {
      ctx.status = 304;
      return;
    }
    const range = parseRange(ctx.get('range'), info.size);
    if (range === 'unsatisfiable') {
      ctx.set('Content-Range', `bytes */${info.size}`);
      ctx.status = 416;
      return;
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    ctx.status = range ? 206 : 200;
    if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${info.size}`);
    ctx.length = info.size === 0 ? 0 : end - start + 1;
    if (ctx.method === 'HEAD' || info.size === 0) return;
    ctx.body = createReadStream(file, { start, end });
  };
}

/** One `bytes=a-b`, `a-` or `-n` range; anything else (several ranges, garbage) is served whole. */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}
