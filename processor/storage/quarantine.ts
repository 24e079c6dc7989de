import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { CopyObjectCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StorageLocation } from '../../config/events.ts';
import { quarantineKey } from '../../config/keys.ts';

/**
 * Moves a rejected original out of the originals namespace into quarantine,
 * which nothing serves. Copy first, then delete: a crash in between leaves a
 * copy in both places and the retried job finishes the move.
 */
export type Quarantine = (location: StorageLocation, originalKey: string) => Promise<StorageLocation>;

export function quarantineMover(opts: { s3: S3Client | undefined; fileRoot: string }): Quarantine {
  return async (location, originalKey) => {
    if (location.kind === 'file') {
      const target = path.join(opts.fileRoot, quarantineKey(originalKey));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(location.path, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // already moved by an earlier attempt
      });
      return { kind: 'file', path: target };
    }
    if (!opts.s3) throw new Error('an S3 original, but no S3 client is configured');
    const key = quarantineKey(location.key);
    await opts.s3.send(new CopyObjectCommand({ Bucket: location.bucket, Key: key, CopySource: `${location.bucket}/${encodeURIComponent(location.key).replace(/%2F/g, '/')}` })).catch((err: { name?: string }) => {
      if (err.name !== 'NoSuchKey') throw err; // moved by an earlier attempt, or never written (zero bytes)
    });
    await opts.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return { kind: 's3', bucket: location.bucket, key };
  };
}
