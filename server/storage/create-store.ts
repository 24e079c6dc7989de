import path from 'node:path';
import type { MetadataValue } from '@tus/s3-store';
import { type DataStore, type KvStore, MemoryKvStore } from '@tus/utils';
import type { StorageLocation } from '../../config/events.ts';
import type { Config, S3Config } from '../../config/schema.ts';
import { NamespacedFileStore } from './file-store.ts';
import { s3ClientConfig } from './s3-client-config.ts';

export type Storage = {
  store: DataStore;
  /** Where originals live, for logs. */
  location: string;
  /** Where the original with this key is, as events and the processor name it. */
  locate: (key: string) => StorageLocation;
};

/** No creation-defer-length: limits are enforced on the length declared at creation. */
const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'];

/** The originals store selected by `STORAGE`. */
export async function createStorage(config: Config, cache?: KvStore<MetadataValue>): Promise<Storage> {
  const storage = config.storage.kind === 's3' && config.s3 ? await s3Storage(config.s3, config.uploads.expirationMs, cache) : fileStorage(config);
  storage.store.extensions = TUS_EXTENSIONS;
  return storage;
}

function fileStorage(config: Config): Storage {
  const dir = path.resolve(config.storage.dataDir, 'uploads');
  return { store: new NamespacedFileStore(dir, config.uploads.expirationMs), location: dir, locate: (key) => ({ kind: 'file', path: path.join(dir, key) }) };
}

async function s3Storage(s3: S3Config, expirationMs: number, cache: KvStore<MetadataValue> | undefined): Promise<Storage> {
  // Loaded only when used: the AWS SDK would otherwise double the heap (and GC work) of a file-store server.
  const { ResilientS3Store } = await import('./resilient-s3-store.ts');
  const store = new ResilientS3Store({
    s3ClientConfig: { ...s3ClientConfig(s3), bucket: s3.bucket },
    partSize: s3.partSize,
    // Stores that need equal parts (R2, some MinIO setups): a shorter tail is held back
    // as an incomplete part until the next PATCH fills it, instead of becoming a short part.
    ...(s3.uniformParts ? { minPartSize: s3.partSize } : {}),
    maxMultipartParts: s3.maxParts,
    maxConcurrentPartUploads: s3.maxConcurrentPartUploads,
    expirationPeriodInMilliseconds: expirationMs,
    cache: cache ?? new MemoryKvStore<MetadataValue>(),
  });
  return { store, location: `s3://${s3.bucket}`, locate: (key) => ({ kind: 's3', bucket: s3.bucket, key }) };
}
