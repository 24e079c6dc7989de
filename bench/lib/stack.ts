import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { signToken } from '../../server/auth/tokens.ts';
import { freshBuckets, s3Client, s3Settings, type S3Settings } from './s3.ts';
import { need, privateVhost, services } from './services.ts';
import type { BenchContext } from './types.ts';

/**
 * Our server (and processor) wired to the real services, as in production:
 * STORAGE=s3 on the test RGW with fresh buckets, Redis locks/outbox under a
 * key prefix of its own, RabbitMQ on a private vhost. AMQP_URL being set is
 * also what keeps the processor out of the server process (server/main.ts).
 */

export type Stack = Readonly<{
  s3: S3Client;
  s3Settings: S3Settings;
  originals: string;
  processed: string;
  amqpUrl: string;
  /** Environment for server/main.ts and processor/main.ts. */
  env: Record<string, string>;
  token: string;
  userId: string;
  close: () => Promise<void>;
}>;

const USER_ID = 'bench-user';

export async function openStack(ctx: BenchContext, name: string): Promise<Stack> {
  const svc = await services(ctx);
  const settings = s3Settings(svc);
  const s3 = s3Client(settings);
  const buckets = await freshBuckets(ctx, s3, `bench-${name}`);
  const vhost = await privateVhost(ctx, svc, `bench-${name}`);
  const redisPrefix = `bench-${name}-${randomBytes(4).toString('hex')}:`;
  const secret = `bench-secret-${randomBytes(24).toString('hex')}`;
  const token = await signToken(secret, { userId: USER_ID, ttlSeconds: 24 * 3600 });
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    // 'info' is the production default, and the readiness lines are logged at info.
    LOG_LEVEL: 'info',
    AUTH_JWT_SECRET: secret,
    DATA_DIR: path.join(ctx.tmpRoot, `${name}-data`),
    STORAGE: 's3',
    S3_ENDPOINT: settings.endpoint,
    S3_REGION: settings.region,
    S3_ACCESS_KEY_ID: settings.accessKeyId,
    S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET: buckets.originals,
    S3_PROCESSED_BUCKET: buckets.processed,
    ...passThrough('S3_PART_SIZE', 'S3_MAX_CONCURRENT_PART_UPLOADS'),
    REDIS_URL: need(svc, 'REDIS_URL'),
    // Tests share this Redis: a prefix of our own keeps their outbox relays off our events.
    REDIS_KEY_PREFIX: redisPrefix,
    AMQP_URL: vhost.url,
    // The processor scans with it; production config wants a scanner named in both processes.
    CLAMD_HOST: need(svc, 'CLAMD_HOST'),
    CLAMD_PORT: need(svc, 'CLAMD_PORT'),
  };
  const close = async () => {
    await vhost.remove();
    await buckets.remove();
    await deleteKeys(need(svc, 'REDIS_URL'), redisPrefix);
  };
  return {
    s3,
    s3Settings: settings,
    originals: buckets.originals,
    processed: buckets.processed,
    amqpUrl: vhost.url,
    env,
    token,
    userId: USER_ID,
    close,
  };
}

/** Removes what the servers of a stack left in the shared Redis (outbox, locks, status, records). */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Server settings the bench caller set, so the direct baseline can use the same values. */
function passThrough(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (process.env[n] ? [[n, process.env[n]]] : [])));
}
