import { deflateRawSync, deflateSync } from 'node:zlib';
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

/** A ZIP archive (deflated entries), e.g. to hide EICAR from anything that does not unpack it. */
export function zip(entries: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const packed = deflateRawSync(data);
    const fields = (sig: number, extra: number) => {
      const h = Buffer.alloc(extra);
      h.writeUInt32LE(sig, 0);
      return h;
    };
    const local = fields(0x04034b50, 30);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = fields(0x02014b50, 46);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(name), packed);
    centrals.push(central, Buffer.from(name));
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** A well-formed one-page PDF with text, a content stream and a correct cross-reference table. */
export function realPdf(text = 'Quarterly report'): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** An animated GIF of `frames` frames of `side`×`side` pixels (a bar growing frame by frame). */
export async function animatedGif(frames: number, side = 64): Promise<Buffer> {
  const raw = Buffer.alloc(side * side * frames * 3);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < side * side; i++) {
      const p = (f * side * side + i) * 3;
      raw[p] = (f * 7) & 255;
      raw[p + 1] = i % side < f % side ? 255 : 0;
      raw[p + 2] = 40;
    }
  }
  return sharp(raw, { raw: { width: side, height: side * frames, channels: 3, pageHeight: side } }).gif({ delay: 10, effort: 1, colours: 4, dither: 0 }).toBuffer();
}

/**
 * A GIF that is also JavaScript: its logical screen width is the bytes `/*`, so
 * `GIF89a/*…*\/=alert(…)` parses as an assignment; the script follows the trailer.
 */
export async function gifJsPolyglot(script: string): Promise<Buffer> {
  const gif = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 0, b: 0 } } }).gif().toBuffer();
  const patched = Buffer.from(gif);
  patched.write('/*', 6, 'latin1'); // logical screen width (little endian): 0x2a2f = 10799
  if (patched.subarray(8).includes('*/')) throw new Error('the GIF body closes the comment early');
  return Buffer.concat([patched, Buffer.from(`*/=${script};`)]);
}
