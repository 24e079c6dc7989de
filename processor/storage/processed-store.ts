import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeFileDurably } from '../../server/lib/durable-write.ts';

/**
 * Where processed files go (the public side, served through the CDN). Keys
 * come from config/keys.ts. `put` is atomic: readers see the whole object or none.
 */
export interface ProcessedStore {
  put(key: string, body: Buffer, meta: { contentType: string; cacheControl: string }): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'public, max-age=0, must-revalidate';

export class S3ProcessedStore implements ProcessedStore {
  constructor(private readonly s3: S3Client, private readonly bucket: string) {}

  async put(key: string, body: Buffer, meta: { contentType: string; cacheControl: string }): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: meta.contentType, CacheControl: meta.cacheControl }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }
}

/** Local directory; content type and cache policy are derived again when the server serves it. */
export class FileProcessedStore implements ProcessedStore {
  constructor(private readonly root: string) {}

  async put(key: string, body: Buffer): Promise<void> {
    await writeFileDurably(this.resolve(key), body);
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.resolve(key)).then(
      () => true,
      () => false,
    );
  }

  private resolve(key: string): string {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(`${path.resolve(this.root)}${path.sep}`)) throw new Error(`key escapes the processed store: ${key}`);
    return file;
  }
}
