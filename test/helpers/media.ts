import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Test media, generated at run time (nothing hostile is committed). See each
 * function for what it exercises.
 */

/** The 68-byte EICAR antivirus test file, assembled so no source file contains it whole. */
export function eicar(): Buffer {
  return Buffer.from(`X5O!P%@AP[4\\PZX54(P^)7CC)7}$` + `EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`);
}

/** A photo-like JPEG carrying GPS coordinates, a marker string in EXIF and orientation 6 (rotate 90°). */
export async function jpegWithGps(width = 800, height = 600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .composite([{ input: Buffer.from(noiseSvg(width, height)), blend: 'over' }])
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { ImageDescription: 'EXIF-PRIVATE-MARKER', Make: 'TestCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 300/100' },
    })
    .toBuffer();
}

export const png = (width = 640, height = 480) =>
  sharp({ create: { width, height, channels: 4, background: { r: 10, g: 120, b: 220, alpha: 1 } } }).png().toBuffer();

export async function truncatedJpeg(): Promise<Buffer> {
  const full = await sharp({ create: { width: 1024, height: 768, channels: 3, background: 'white' } })
    .composite([{ input: Buffer.from(noiseSvg(1024, 768)) }])
    .jpeg()
    .toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

/**
 * A decompression bomb: a 1-bit 20000x20000 PNG (400 megapixels) that is only
 * tens of kilobytes compressed.
 */
export function pngBomb(side = 20000): Buffer {
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed pixels
  const raw = Buffer.alloc(rowBytes * side); // all zero: black
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.writeUInt8(1, 8); // bit depth 1
  ihdr.writeUInt8(0, 9); // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The start of a Windows executable (MZ header, PE signature), to be named .jpg. */
export function fakeExe(): Buffer {
  const buf = Buffer.alloc(1024);
  buf.write('MZ', 0);
  buf.writeUInt32LE(0x80, 0x3c);
  buf.write('PE\0\0', 0x80, 'binary');
  return buf;
}

export const svg = (inner = '<circle cx="50" cy="50" r="40" fill="teal"/>') =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">${inner}</svg>\n`);

/** A minimal one-page PDF. */
export const pdf = () =>
  Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

function noiseSvg(width: number, height: number): string {
  const shapes = Array.from({ length: 60 }, (_, i) => `<circle cx="${(i * 97) % width}" cy="${(i * 53) % height}" r="${10 + (i % 30)}" fill="hsl(${i * 23},70%,50%)"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
