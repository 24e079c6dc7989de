import type { KvStore } from '@tus/utils';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * Upload metadata cache for the S3 store, shared by all instances, so a HEAD
 * or PATCH does not fetch the `.info` object from S3 every time. Entries expire
 * (the store never deletes finished uploads' entries). A cache is never a
 * reason to fail: while Redis is down, reads miss and the store asks S3.
 */
export class RedisMetadataCache<T> implements KvStore<T> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {}

  async get(key: string): Promise<T | undefined> {
    try {
      const raw = await this.redis.get(this.prefix + key);
      return raw ? (JSON.parse(raw) as T) : undefined;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'metadata cache read failed; reading from storage');
      return undefined;
    }
  }

  async set(key: string, value: T): Promise<void> {
    await this.redis.set(this.prefix + key, JSON.stringify(value), 'EX', this.ttlSeconds).catch((err: Error) => {
      this.log.debug({ err: err.message }, 'metadata cache write failed');
    });
  }

  /** A failed delete could leave a stale entry pointing at a removed upload: that one must surface. */
  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
