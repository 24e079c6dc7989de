import sharp from 'sharp';

/**
 * A photo-like test JPEG: smooth shapes and gradients (pure noise would make
 * AVIF unrealistically slow), made at run time so no fixture is committed.
 */
export async function photoLike(width: number, height: number): Promise<Buffer> {
  const shapes = Array.from({ length: 200 }, (_, i) => `<circle cx="${(i * 197) % width}" cy="${(i * 131) % height}" r="${Math.round((40 + (i % 90)) * (width / 4000))}" fill="hsl(${(i * 37) % 360},60%,${30 + (i % 40)}%)" fill-opacity="0.7"/>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#234"/><stop offset="1" stop-color="#c96"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}
