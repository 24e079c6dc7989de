import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StorageLocation } from '../../config/events.ts';

/** Opens an original for reading, as a stream: originals are never loaded whole, nor written. */
export type OpenOriginal = (location: StorageLocation, range?: { start: number; end: number }) => Promise<Readable>;

export function originalReader(s3: S3Client | undefined): OpenOriginal {
  return async (location, range) => {
    if (location.kind === 'file') return createReadStream(location.path, range ?? {});
    if (!s3) throw new Error('an S3 original, but no S3 client is configured');
    const res = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
    );
    return res.Body as Readable;
  };
}
