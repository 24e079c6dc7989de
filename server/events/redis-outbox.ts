import type { Redis } from 'ioredis';
import { type MediaEvent, parseMediaEvent } from '../../config/events.ts';
import type { Outbox } from './outbox.ts';

/**
 * The outbox in Redis, shared by all server instances: a sorted set orders
 * event ids by time, a hash holds the events. Durability is Redis's own: run it
 * with AOF (`appendonly yes`, `appendfsync everysec` or `always`).
 */
export class RedisOutbox implements Outbox {
  private readonly index: string;
  private readonly bodies: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.index = `${prefix}outbox:index`;
    this.bodies = `${prefix}outbox:events`;
  }

  async add(event: MediaEvent): Promise<void> {
    const res = await this.redis.multi().hset(this.bodies, event.id, JSON.stringify(event)).zadd(this.index, Date.now(), event.id).exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('outbox transaction aborted');
  }

  async peek(limit: number): Promise<MediaEvent[]> {
    const ids = await this.redis.zrange(this.index, '0', String(limit - 1));
    if (ids.length === 0) return [];
    const bodies = await this.redis.hmget(this.bodies, ...ids);
    return bodies.flatMap((b) => (b ? [parseMediaEvent(b)] : []));
  }

  async remove(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.redis.multi().zrem(this.index, ...eventIds).hdel(this.bodies, ...eventIds).exec();
  }

  async depth(): Promise<number> {
    return this.redis.zcard(this.index);
  }
}
