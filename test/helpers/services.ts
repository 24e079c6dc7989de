import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';

/**
 * The real services the test command starts (test/services/up.sh) and passes
 * through the environment. A test that needs one fails loudly without it:
 * `npm test` always provides them.
 */
export function serviceEnv(name: 'REDIS_URL' | 'AMQP_URL' | 'S3_ENDPOINT' | 'CLAMD_PORT'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with "npm test", which starts the services (test/services/up.sh)`);
  return value;
}

/** Everything a server process needs to use the test S3 server. */
export function s3Env(bucket: string, processedBucket = `${bucket}-out`): Record<string, string> {
  return {
    S3_PROCESSED_BUCKET: processedBucket,
    STORAGE: 's3',
    S3_ENDPOINT: serviceEnv('S3_ENDPOINT'),
    S3_REGION: process.env.S3_REGION ?? 'us-east-1',
    S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID ?? '',
    S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY ?? '',
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET: bucket,
  };
}

export const uniqueBucket = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Stops or starts one of the test services (fault tests: "Redis restarted mid-upload"). */
export async function serviceCtl(action: 'up' | 'down', service: 'redis' | 'rabbitmq' | 'clamd'): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const path = await import('node:path');
  const script = path.resolve(import.meta.dirname, `../services/${action}.sh`);
  await promisify(execFile)('bash', [script, service], { env: process.env, timeout: 120_000 });
}

/** A loopback port free right now, for a process that must know its port before it starts. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A Redis server of the test's own (the binary up.sh installed), for fault tests
 * that stop and restart it without disturbing other tests sharing the suite's Redis.
 */
export async function privateRedis(): Promise<{ url: string; stop: () => Promise<void>; start: () => Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const { Redis } = await import('ioredis');
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    probe.on('error', () => {}); // refused until the server is up
    await probe.ping();
    probe.disconnect();
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

/** A RabbitMQ virtual host of the test file's own: its queues, its processor, no one else's jobs. */
export async function amqpVhost(name: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const path = await import('node:path');
  const vhost = `${name}-${Date.now().toString(36)}`;
  await promisify(execFile)('bash', [path.resolve(import.meta.dirname, '../services/vhost.sh'), vhost], { env: process.env, timeout: 60_000 });
  return `${serviceEnv('AMQP_URL')}/${vhost}`;
}

/** clamd of the test services, as the processor's environment. */
export const clamdEnv = (): Record<string, string> => ({ CLAMD_HOST: '127.0.0.1', CLAMD_PORT: serviceEnv('CLAMD_PORT') });

/** Removes every key under a test's own prefix of the shared Redis, then disconnects. */
export async function dropRedisPrefix(redis: Redis | undefined, prefix: string): Promise<void> {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
