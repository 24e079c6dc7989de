import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import type { Redis } from 'ioredis';
import { AppError } from '../../config/errors.ts';
import type { Logger } from '../logger.ts';

/**
 * A `@tus/utils` Locker shared by every server instance through Redis.
 *
 * Contract (see `Lock` in @tus/utils): `lock(signal, requestRelease)` resolves
 * once this request holds the upload exclusively. While another request holds
 * it, the waiter publishes a release request on the upload's channel; the
 * holder's `requestRelease` callback then makes @tus/server end its PATCH (after
 * the lock drain timeout) and unlock. A waiter gives up with ERR_LOCK_TIMEOUT
 * after `acquireTimeoutMs`.
 *
 * Safety: the lock is a key with a lease (`SET NX PX`), renewed while held, so
 * a crashed holder frees it when the lease runs out. A holder that can no longer
 * prove ownership (key gone after a Redis restart, or renewals failing past the
 * lease) asks its own request to stop, so two writers never overlap for long.
 */
export type RedisLockerOptions = {
  redis: Redis;
  /** A dedicated connection: a subscribed ioredis client cannot run other commands. */
  subscriber: Redis;
  leaseMs: number;
  renewEveryMs: number;
  acquireTimeoutMs: number;
  log: Logger;
  prefix?: string;
};

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RETRY_MIN_MS = 20;
const RETRY_MAX_MS = 250;

export class RedisLocker implements Locker {
  readonly prefix: string;
  private readonly onRelease = new Map<string, () => void>();

  constructor(readonly options: RedisLockerOptions) {
    this.prefix = options.prefix ?? 'ums:lock:';
    options.subscriber.on('message', (channel: string) => this.onRelease.get(channel)?.());
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  keyOf = (id: string) => `${this.prefix}${id}`;
  channelOf = (id: string) => `${this.prefix}release:${id}`;

  async listen(channel: string, handler: () => void): Promise<void> {
    this.onRelease.set(channel, handler);
    await this.options.subscriber.subscribe(channel);
  }

  async unlisten(channel: string): Promise<void> {
    this.onRelease.delete(channel);
    await this.options.subscriber.unsubscribe(channel);
  }
}

class RedisLock implements Lock {
  private readonly token = randomUUID();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly locker: RedisLocker, private readonly id: string) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis, leaseMs, acquireTimeoutMs } = this.locker.options;
    const key = this.locker.keyOf(this.id);
    const deadline = Date.now() + acquireTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const acquired = await unavailableOnError(redis.set(key, this.token, 'PX', leaseMs, 'NX'));
      if (acquired === 'OK') return this.hold(requestRelease);
      // Ask the holder (on whichever instance) to finish up; repeated each try in case it missed one.
      await unavailableOnError(redis.publish(this.locker.channelOf(this.id), this.token));
      const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt) * (0.5 + Math.random() / 2);
      if (signal.aborted || Date.now() + delay > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(delay, undefined, { signal }).catch(() => {
        throw ERRORS.ERR_LOCK_TIMEOUT;
      });
    }
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewTimer);
    const { redis, log } = this.locker.options;
    try {
      await this.locker.unlisten(this.locker.channelOf(this.id));
      await redis.eval(RELEASE, 1, this.locker.keyOf(this.id), this.token);
    } catch (err) {
      // The lease frees the lock soon anyway; failing the request would not help the client.
      log.warn({ uploadId: this.id, err: (err as Error).message }, 'could not release upload lock; it expires with its lease');
    }
  }

  private async hold(requestRelease: RequestRelease): Promise<void> {
    const { redis, leaseMs, renewEveryMs, log } = this.locker.options;
    const key = this.locker.keyOf(this.id);
    let provenUntil = Date.now() + leaseMs;
    const lost = (reason: string) => {
      clearInterval(this.renewTimer);
      log.warn({ uploadId: this.id, reason }, 'upload lock lost; stopping the request that held it');
      void requestRelease();
    };
    this.renewTimer = setInterval(() => {
      redis.eval(RENEW, 1, key, this.token, leaseMs).then(
        (renewed) => (renewed === 1 ? (provenUntil = Date.now() + leaseMs) : lost('lease taken or expired')),
        () => {
          if (Date.now() > provenUntil) lost('lease could not be renewed');
        },
      );
    }, renewEveryMs);
    this.renewTimer.unref();
    await this.locker.listen(this.locker.channelOf(this.id), () => void requestRelease()).catch((err: unknown) => {
      // Without the channel, waiters still get in once this request ends or the lease lapses.
      log.warn({ uploadId: this.id, err: (err as Error).message }, 'cannot listen for lock release requests');
    });
  }
}

async function unavailableOnError<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The lock service (Redis) is unavailable; retry shortly.', { cause: err, expose: true });
  }
}
