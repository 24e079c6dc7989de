import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * A Redis connection that fails fast while Redis is unreachable instead of
 * queueing commands: callers turn the error into a clear 503, and the
 * connection keeps retrying in the background.
 */
export async function connectRedis(url: string, name: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: `ums-${name}`,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in one event-loop turn (many requests at once) go out in one write.
    enableAutoPipelining: true,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ redis: name, err: err.message }, 'redis connection lost; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: name }, 'redis connection restored');
    down = false;
  });
  await redis.connect();
  return redis;
}
