import test from 'ava';
import { Redis } from 'ioredis';
import { newUploadId } from '../../config/keys.ts';
import { RedisUploadRecords } from '../../server/presign/redis-upload-records.ts';
import { MemoryUploadRecords, type UploadOutcome, type UploadRecord, type UploadRecords } from '../../server/presign/upload-records.ts';
import { serviceEnv } from '../helpers/services.ts';

/** One suite, every UploadRecords implementation; for Redis, two clients stand for two server instances. */
type Instances = { a: UploadRecords; b: UploadRecords; close: () => Promise<void> };

const implementations: [string, () => Promise<Instances>][] = [
  ['memory', async () => {
    const shared = new MemoryUploadRecords();
    return { a: shared, b: shared, close: async () => {} };
  }],
  ['redis', async () => {
    const clients = [new Redis(serviceEnv('REDIS_URL')), new Redis(serviceEnv('REDIS_URL'))];
    const prefix = `test:${Math.random().toString(36).slice(2)}:`;
    return {
      a: new RedisUploadRecords(clients[0]!, prefix),
      b: new RedisUploadRecords(clients[1]!, prefix),
      close: async () => void (await Promise.all(clients.map((c) => c.quit()))),
    };
  }],
];

const record = (over: Partial<UploadRecord> = {}): UploadRecord => {
  const id = newUploadId();
  return {
    id,
    userId: 'alice',
    key: `alice/${id}`,
    kind: 'multipart',
    s3UploadId: 'abc.123',
    size: 100,
    type: 'image/png',
    filename: 'a.png',
    createdAt: new Date().toISOString(),
    policy: { maxSize: 1000, typeRules: [['image/*'], ['image/png']] },
    ...over,
  };
};
const completed: UploadOutcome = { status: 'completed', size: 100, type: 'image/png', completedAt: new Date().toISOString() };

for (const [name, make] of implementations) {
  test(`${name}: a record reads back as written, on any instance, until it expires`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const r = record();
    await a.put(r, 60);
    t.deepEqual(await b.get(r.id), r);
    t.is(await b.get(newUploadId()), undefined);
    const { s3UploadId: _, filename: __, ...short } = record({ kind: 'put' }); // optional fields absent
    await a.put(short, 1);
    t.deepEqual(await b.get(short.id), short);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    t.is(await b.get(short.id), undefined);
  });

  test(`${name}: exactly one of many concurrent settlers wins; the outcome is what the winner set`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const id = newUploadId();
    const outcomes = Array.from({ length: 10 }, (_, i) => ({ ...completed, size: i }));
    const wins = await Promise.all(outcomes.map((o, i) => (i % 2 ? a : b).settle(id, o, 60)));
    t.is(wins.filter(Boolean).length, 1);
    t.deepEqual(await a.outcome(id), outcomes[wins.indexOf(true)]);
  });

  test(`${name}: unsettle lets the next settler win; a rejection reads back with its code`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const id = newUploadId();
    t.true(await a.settle(id, completed, 60));
    await b.unsettle(id);
    t.is(await a.outcome(id), undefined);
    const rejected: UploadOutcome = { status: 'rejected', code: 'UPLOAD_MISMATCH', message: 'no', details: { storedSize: 3 } };
    t.true(await b.settle(id, rejected, 60));
    t.false(await a.settle(id, completed, 60));
    t.deepEqual(await a.outcome(id), rejected);
  });

  test(`${name}: parts add up to at most the maximum, a part signed again counts at its largest size, parallel parts cannot overshoot`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const id = newUploadId();
    t.is(await a.addPart(id, 1, 40, 100, 60), 40);
    t.is(await b.addPart(id, 2, 40, 100, 60), 80);
    t.is(await a.addPart(id, 3, 30, 100, 60), undefined, '110 > 100: refused');
    t.is(await a.addPart(id, 2, 40, 100, 60), 80, 'part 2 signed again, same size: a retry');
    // Its 40-byte URL stays valid: signing it smaller must not free room for more parts.
    t.is(await a.addPart(id, 2, 10, 100, 60), 80, 'part 2 signed again, smaller: still counted at 40');
    t.is(await a.addPart(id, 3, 30, 100, 60), undefined, 'still 110 > 100: refused');
    t.is(await b.addPart(id, 3, 20, 100, 60), 100);

    const other = newUploadId();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).addPart(other, i + 1, 10, 100, 60)));
    t.is(results.filter((r) => r !== undefined).length, 10, 'ten parts of 10 fit in 100, no more');
  });

  test(`${name}: delete forgets the record and its parts, not its outcome`, async (t) => {
    const { a, b, close } = await make();
    t.teardown(close);
    const r = record();
    await a.put(r, 60);
    await a.addPart(r.id, 1, 100, 100, 60);
    await a.settle(r.id, completed, 60);
    await b.delete(r.id);
    t.is(await a.get(r.id), undefined);
    t.is(await a.addPart(r.id, 2, 100, 100, 60), 100, 'part 1 is forgotten');
    t.deepEqual(await a.outcome(r.id), completed);
  });
}
