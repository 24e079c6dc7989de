import type { Redis } from 'ioredis';
import { type MediaEvent, parseMediaEvent } from '../../config/events.ts';
import type { Outbox } from './outbox.ts';

/** Atomic: the body, and its place in the index by a counter (timestamps tie within a millisecond). */
const ADD = `
redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[1], redis.call('incr', KEYS[3]), ARGV[1])`;

/**
 * The outbox in Redis, shared by all server instances: a sorted set orders
 * event ids by time, a hash holds the events. Durability is Redis's own: run it
 * with AOF (`appendonly yes`, `appendfsync everysec` or `always`).
 */
export class RedisOutbox implements Outbox {
  private readonly index: string;
  private readonly bodies: string;
  private readonly sequence: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.index = `${prefix}outbox:index`;
    this.bodies = `${prefix}outbox:events`;
    this.sequence = `${prefix}outbox:seq`;
  }

  async add(event: MediaEvent): Promise<void> {
    parseMediaEvent(event);
    await this.redis.eval(ADD, 3, this.index, this.bodies, this.sequence, event.id, JSON.stringify(event));
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
