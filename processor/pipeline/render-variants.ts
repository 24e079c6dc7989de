import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { ProcessorConfig } from '../../config/schema.ts';

export type RenderedVariant = {
  label: string;
  width: number;
  height: number;
  format: string;
  contentType: string;
  sha256: string;
  data: Buffer;
};

export type Rendered = { width: number; height: number; variants: RenderedVariant[] };

/** The image could not be used: corrupt, truncated or over the pixel budget (a bomb). */
export class ImageRejectedError extends Error {
  constructor(
    readonly reason: 'corrupt' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejectedError';
  }
}

const CONTENT_TYPES = { webp: 'image/webp', avif: 'image/avif', jpeg: 'image/jpeg', png: 'image/png' } as const;

// One libvips operation cache would only hold onto memory between unrelated jobs.
sharp.cache(false);

/**
 * The configured variants of one image file: auto-oriented, converted to sRGB,
 * every metadata block dropped (sharp keeps none unless asked: EXIF, GPS, XMP,
 * IPTC and ICC all go), never upscaled, each under a time budget. The input is
 * read from a file path so nothing is held in memory but the decoded pixels
 * libvips streams through; `limitInputPixels` refuses bombs before decoding.
 */
export async function renderVariants(file: string, cfg: ProcessorConfig['images']): Promise<Rendered> {
  const input = () => sharp(file, { limitInputPixels: cfg.maxPixels, failOn: 'error', sequentialRead: true }).rotate();
  let width: number;
  let height: number;
  try {
    const meta = await sharp(file, { limitInputPixels: cfg.maxPixels, failOn: 'error' }).metadata();
    if (!meta.width || !meta.height) throw new ImageRejectedError('corrupt', 'image has no dimensions');
    if (meta.width * meta.height > cfg.maxPixels) throw new ImageRejectedError('too-large', `${meta.width}x${meta.height} exceeds the pixel limit`);
    // EXIF orientations 5-8 rotate by 90°: the output is transposed.
    const swap = (meta.orientation ?? 1) >= 5;
    width = swap ? meta.height : meta.width;
    height = swap ? meta.width : meta.height;
  } catch (err) {
    throw asRejection(err);
  }

  const specs = variantSpecs(width, cfg);
  const variants: RenderedVariant[] = [];
  for (const spec of specs) {
    for (const format of cfg.formats) {
      try {
        let pipeline = input().toColourspace('srgb');
        pipeline = spec.square
          ? pipeline.resize(spec.width, spec.width, { fit: 'cover', position: 'attention', withoutEnlargement: true })
          : pipeline.resize({ width: spec.width, withoutEnlargement: true });
        pipeline = encode(pipeline, format, cfg).timeout({ seconds: cfg.timeoutSeconds });
        const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
        variants.push({
          label: spec.label,
          width: info.width,
          height: info.height,
          format,
          contentType: CONTENT_TYPES[format],
          sha256: createHash('sha256').update(data).digest('hex'),
          data,
        });
      } catch (err) {
        throw asRejection(err);
      }
    }
  }
  return { width, height, variants };
}

/** Widths below the original's, plus the original width itself when a configured width reaches it. */
function variantSpecs(originalWidth: number, cfg: ProcessorConfig['images']): { label: string; width: number; square: boolean }[] {
  const widths = cfg.widths.filter((w) => w < originalWidth);
  if (cfg.widths.some((w) => w >= originalWidth)) widths.push(originalWidth);
  const specs = widths.map((w) => ({ label: `w${w}`, width: w, square: false }));
  if (cfg.thumbnailSize > 0) specs.push({ label: 'thumb', width: cfg.thumbnailSize, square: true });
  return specs;
}

function encode(pipeline: sharp.Sharp, format: ProcessorConfig['images']['formats'][number], cfg: ProcessorConfig['images']): sharp.Sharp {
  switch (format) {
    case 'webp':
      return pipeline.webp({ quality: cfg.webpQuality });
    case 'avif':
      return pipeline.avif({ quality: cfg.avifQuality, effort: cfg.avifEffort });
    case 'jpeg':
      return pipeline.jpeg({ quality: cfg.webpQuality, mozjpeg: true });
    case 'png':
      return pipeline.png({ compressionLevel: 9 });
  }
}

function asRejection(err: unknown): Error {
  if (err instanceof ImageRejectedError) return err;
  const message = (err as Error).message ?? String(err);
  if (/pixel limit/i.test(message)) return new ImageRejectedError('too-large', message);
  if (/timeout/i.test(message)) return new ImageRejectedError('too-large', `processing took longer than the time budget: ${message}`);
  // libvips decode failures: truncated, corrupt or unsupported data.
  if (/Input|VipsJpeg|premature|corrupt|unsupported|bad|invalid|read error|pngload|jpegload|webpload|heifload|gifload|tiffload/i.test(message)) {
    return new ImageRejectedError('corrupt', message);
  }
  return err as Error;
}
