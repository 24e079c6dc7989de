import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const TAKE_OR_RENEW = `
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export type LeaderLease = { isLeader: () => Promise<boolean>; release: () => Promise<void> };

/**
 * A lease in Redis that one instance at a time holds; calling the returned
 * function takes or renews it. If the holder dies, another instance takes over
 * once `ttlMs` has passed; one that stops releases it at once. Used so one
 * relay drains the shared outbox.
 */
export function redisLeaderLease(redis: Redis, key: string, ttlMs: number): LeaderLease {
  const token = randomUUID();
  return {
    isLeader: async () => (await redis.eval(TAKE_OR_RENEW, 1, key, token, ttlMs)) === 1,
    release: async () => void (await redis.eval(RELEASE, 1, key, token)),
  };
}
