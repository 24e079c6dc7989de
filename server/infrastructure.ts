import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MetadataValue } from '@tus/s3-store';
import { MemoryLocker } from '@tus/server';
import type { DataStore, Locker } from '@tus/utils';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { RedisLocker } from './locks/redis-locker.ts';
import type { Logger } from './logger.ts';
import type { ReadinessCheck } from './routes/health.ts';
import { openEvents, type Events } from './events/open-events.ts';
import type { Metrics } from './http/metrics.ts';
import { createStorage, type Storage } from './storage/create-store.ts';
import { RedisMetadataCache } from './storage/redis-metadata-cache.ts';

export type Infrastructure = {
  store: DataStore;
  storageLocation: string;
  locate: Storage['locate'];
  /** The originals bucket's client, with STORAGE=s3. */
  s3: S3Client | undefined;
  /** Signs URLs for clients: for S3_PUBLIC_ENDPOINT when set (SigV4 covers the host), without SDK checksums. */
  s3Signer: S3Client | undefined;
  locker: Locker;
  events: Events;
  redis: Redis | undefined;
  readiness: ReadinessCheck[];
  close: () => Promise<void>;
};

/**
 * Opens the clients the server depends on, as configured: Redis (locks and
 * metadata cache) or in-memory locks; S3 or the local file store.
 */
export async function openInfrastructure(config: Config, log: Logger, metrics: Metrics): Promise<Infrastructure> {
  const readiness: ReadinessCheck[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  let redis: Redis | undefined;
  let locker: Locker = new MemoryLocker({ acquireLockTimeout: config.locks.acquireTimeoutMs });
  if (config.redis) {
    // Loaded only when used, like the S3 SDK: a server without Redis never loads ioredis.
    const { connectRedis } = await import('./redis/client.ts');
    redis = await connectRedis(config.redis.url, 'commands', log);
    const subscriber = await connectRedis(config.redis.url, 'subscriber', log);
    closers.push(() => redis!.quit(), () => subscriber.quit());
    locker = new RedisLocker({ redis, subscriber, ...config.locks, prefix: `${config.redis.keyPrefix}lock:`, log });
    readiness.push({ name: 'redis', check: async () => void (await redis!.ping()) });
  }

  const cache = redis && config.redis ? new RedisMetadataCache<MetadataValue>(redis, `${config.redis.keyPrefix}upload-meta:`, config.redis.metadataCacheTtlSeconds, log) : undefined;
  const { store, location, locate } = await createStorage(config, cache);
  let s3: S3Client | undefined;
  let s3Signer: S3Client | undefined;
  if (config.storage.kind === 's3' && config.s3) {
    const { createS3Client, ensureBucket } = await import('./storage/s3-client.ts');
    const client = createS3Client(config.s3);
    s3 = client;
    // Presigned URLs never carry SDK checksums: with WHEN_SUPPORTED the SDK signs the CRC32 of an
    // empty body into every URL, and the store refuses the real one (aws/aws-sdk-js-v3#6994).
    const signerConfig = { ...config.s3, endpoint: config.s3.publicEndpoint, checksumMode: 'WHEN_REQUIRED' as const };
    s3Signer = createS3Client(signerConfig);
    const bucket = config.s3.bucket;
    const state = await ensureBucket(client, bucket, config.s3.createBuckets);
    if (state === 'created') log.warn({ bucket }, 'created the originals bucket (S3_CREATE_BUCKETS)');
    readiness.push({ name: 'storage', check: async () => void (await ensureBucket(client, bucket, false)) });
    closers.push(async () => client.destroy());
    closers.push(async () => s3Signer?.destroy());
  } else {
    await mkdir(location, { recursive: true });
    readiness.push({ name: 'storage', check: () => access(location, constants.W_OK) });
  }

  const events = openEvents(config, log, metrics, redis);
  readiness.push(events.readiness);

  return {
    store,
    storageLocation: location,
    locate,
    s3,
    s3Signer,
    locker,
    events,
    redis,
    readiness,
    close: async () => {
      await events.close();
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}
