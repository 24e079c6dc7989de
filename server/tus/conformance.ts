import type { Middleware } from 'koa';
import { TUS_RESUMABLE, TUS_VERSION } from '@tus/utils';
import { AppError } from '../../config/errors.ts';

const OVERRIDABLE = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']);
const CHUNK_TYPE = 'application/offset+octet-stream';

/**
 * tus 1.0.0 `X-HTTP-Method-Override`: clients behind proxies that only pass GET
 * and POST send the real method in this header. Runs before auth, so an
 * overridden OPTIONS is treated as a preflight everywhere.
 */
export const methodOverride: Middleware = async (ctx, next) => {
  const override = ctx.get('x-http-method-override').toUpperCase();
  if (override) {
    if (!OVERRIDABLE.has(override)) throw new AppError('BAD_REQUEST', 'X-HTTP-Method-Override names an unsupported method.');
    ctx.req.method = override;
  }
  return next();
};

/**
 * Protocol rules @tus/server leaves loose: it answers 400 to a wrong
 * Tus-Resumable (the spec says 412 with Tus-Version), ignores the
 * Content-Type of a creation-with-upload body, and silently ignores
 * `Upload-Checksum`: it has no checksum extension, so a client asking for a
 * verified chunk is refused (400, as the extension answers an unsupported
 * algorithm) rather than led to believe its bytes were checked.
 */
export const tusConformance: Middleware = async (ctx, next) => {
  if (ctx.method === 'OPTIONS') return next();
  if (ctx.get('tus-resumable') !== TUS_RESUMABLE) {
    ctx.set('Tus-Version', TUS_VERSION.join(','));
    ctx.set('Tus-Resumable', TUS_RESUMABLE);
    throw new AppError('TUS_VERSION_UNSUPPORTED', undefined, { details: { supported: TUS_VERSION } });
  }
  if (ctx.get('upload-checksum')) {
    ctx.set('Tus-Resumable', TUS_RESUMABLE);
    throw new AppError('CHECKSUM_UNSUPPORTED');
  }
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  const mustBeChunk = ctx.method === 'PATCH' || (ctx.method === 'POST' && hasBody);
  if (mustBeChunk && ctx.get('content-type').split(';')[0]?.trim().toLowerCase() !== CHUNK_TYPE) {
    ctx.set('Tus-Resumable', TUS_RESUMABLE);
    throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  }
  return next();
};
