import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Context } from 'koa';

export type SendOptions = {
  /** Strong (content hash) or weak validator; computed from the file's stat when it is a function. */
  etag: string | ((size: number, mtimeMs: number) => string);
  cacheControl: string;
  contentType: string;
};

/**
 * Answers GET/HEAD with a file from disk: ETag/If-None-Match, a single byte
 * range, streamed. Returns false when there is no such file (the caller 404s).
 */
export async function sendFile(ctx: Context, file: string, opts: SendOptions): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  const etag = typeof opts.etag === 'string' ? opts.etag : opts.etag(info.size, info.mtimeMs);
  ctx.set('ETag', etag);
  ctx.set('Cache-Control', opts.cacheControl);
  ctx.set('Accept-Ranges', 'bytes');
  ctx.type = opts.contentType;
  if (ctx.get('if-none-match').split(',').some((t) => t.trim() === etag)) {
    ctx.status = 304;
    return true;
  }
  const range = parseRange(ctx.get('range'), info.size);
  if (range === 'unsatisfiable') {
    ctx.set('Content-Range', `bytes */${info.size}`);
    ctx.status = 416;
    return true;
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 };
  ctx.status = range ? 206 : 200;
  if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${info.size}`);
  ctx.length = info.size === 0 ? 0 : end - start + 1;
  if (ctx.method !== 'HEAD' && info.size > 0) ctx.body = createReadStream(file, { start, end });
  return true;
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
