import { MemoryLocker } from '@tus/server';
import { ERRORS, type Locker } from '@tus/utils';
import test from 'ava';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisLocker } from '../../server/locks/redis-locker.ts';
import { serviceEnv } from '../helpers/services.ts';

/** One suite, every Locker implementation (as tus runs one store suite against every store). */
type Lockers = { a: Locker; b: Locker; close: () => Promise<void> };
const log = pino({ level: 'silent' });
const ACQUIRE_TIMEOUT = 1500;

async function redisLockers(opts: { leaseMs?: number; renewEveryMs?: number } = {}): Promise<Lockers & { redis: Redis; prefix: string }> {
  const url = serviceEnv('REDIS_URL');
  const clients = [0, 1, 2, 3, 4].map(() => new Redis(url, { maxRetriesPerRequest: 1 }));
  const prefix = `test:${Math.random().toString(36).slice(2)}:`;
  const make = (redis: Redis, subscriber: Redis) =>
    new RedisLocker({ redis, subscriber, leaseMs: opts.leaseMs ?? 5000, renewEveryMs: opts.renewEveryMs ?? 1000, acquireTimeoutMs: ACQUIRE_TIMEOUT, log, prefix });
  // Two lockers on separate connections: two server instances.
  return {
    a: make(clients[0]!, clients[1]!),
    b: make(clients[2]!, clients[3]!),
    redis: clients[4]!,
    prefix,
    close: async () => void (await Promise.all(clients.map((c) => c.quit()))),
  };
}

const implementations: [string, () => Promise<Lockers>][] = [
  ['memory', async () => {
    const shared = new MemoryLocker({ acquireLockTimeout: ACQUIRE_TIMEOUT });
    return { a: shared, b: shared, close: async () => {} };
  }],
  ['redis', () => redisLockers()],
];

const never = () => new AbortController().signal;

for (const [name, make] of implementations) {
  test(`${name}: lock, unlock, lock again`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const first = a.newLock('u1');
    await first.lock(never(), () => {});
    await first.unlock();
    const second = b.newLock('u1');
    await second.lock(never(), () => {});
    await second.unlock();
    t.pass();
  });

  test(`${name}: a waiter asks the holder to release and gets the lock when it does`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const holder = a.newLock('u2');
    let releaseRequests = 0;
    await holder.lock(never(), async () => {
      releaseRequests += 1;
      if (releaseRequests === 1) setTimeout(() => void holder.unlock(), 100);
    });
    const started = Date.now();
    const waiter = b.newLock('u2');
    await waiter.lock(never(), () => {});
    t.true(releaseRequests >= 1);
    t.true(Date.now() - started < ACQUIRE_TIMEOUT);
    await waiter.unlock();
  });

  test(`${name}: a holder that never lets go makes the waiter time out`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const holder = a.newLock('u3');
    await holder.lock(never(), () => {});
    const started = Date.now();
    await t.throwsAsync(b.newLock('u3').lock(never(), () => {}), { any: true, is: ERRORS.ERR_LOCK_TIMEOUT });
    t.true(Date.now() - started >= ACQUIRE_TIMEOUT - 300);
    await holder.unlock();
  });

  test(`${name}: different uploads do not block each other`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const l1 = a.newLock('x1');
    const l2 = b.newLock('x2');
    await l1.lock(never(), () => {});
    await l2.lock(never(), () => {});
    await Promise.all([l1.unlock(), l2.unlock()]);
    t.pass();
  });
}

test('redis: a crashed holder (no renewals) frees the lock when its lease runs out', async (t) => {
  const { a, b, close } = await redisLockers({ leaseMs: 600, renewEveryMs: 60_000 });
  t.teardown(close);
  await a.newLock('crash').lock(never(), () => {}); // never unlocked, never renewed: a dead process
  const started = Date.now();
  const waiter = b.newLock('crash');
  await waiter.lock(never(), () => {});
  t.true(Date.now() - started < 1400, `took ${Date.now() - started} ms`);
  await waiter.unlock();
});

test('redis: a live holder renews its lease beyond the TTL', async (t) => {
  const { a, b, close } = await redisLockers({ leaseMs: 400, renewEveryMs: 100 });
  t.teardown(close);
  const holder = a.newLock('renew');
  await holder.lock(never(), () => {});
  await new Promise((r) => setTimeout(r, 900));
  await t.throwsAsync(b.newLock('renew').lock(AbortSignal.timeout(300), () => {}), { any: true, is: ERRORS.ERR_LOCK_TIMEOUT });
  await holder.unlock();
});

test('redis: a holder whose key vanished (Redis restarted) is told to stop', async (t) => {
  const { a, redis, prefix, close } = await redisLockers({ leaseMs: 1000, renewEveryMs: 100 });
  t.teardown(close);
  let told = false;
  const holder = a.newLock('gone');
  await holder.lock(never(), () => {
    told = true;
  });
  await redis.del(`${prefix}gone`);
  await new Promise((r) => setTimeout(r, 400));
  t.true(told);
  await holder.unlock();
});

test('redis: unlock only deletes its own key', async (t) => {
  const { a, b, redis, prefix, close } = await redisLockers({ leaseMs: 300, renewEveryMs: 60_000 });
  t.teardown(close);
  const stale = a.newLock('own');
  await stale.lock(never(), () => {});
  await new Promise((r) => setTimeout(r, 400)); // lease lapses without renewal
  const fresh = b.newLock('own');
  await fresh.lock(never(), () => {});
  await stale.unlock(); // must not free the new holder's lock
  t.truthy(await redis.get(`${prefix}own`));
  await fresh.unlock();
  t.is(await redis.get(`${prefix}own`), null);
});
