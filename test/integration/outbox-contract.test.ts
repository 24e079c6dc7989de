import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import { uploadCompleted } from '../../config/events.ts';
import { FileOutbox } from '../../server/events/file-outbox.ts';
import type { Outbox } from '../../server/events/outbox.ts';
import { RedisOutbox } from '../../server/events/redis-outbox.ts';
import { serviceEnv } from '../helpers/services.ts';

const event = (n: number) =>
  uploadCompleted({ source: 'tus', uploadId: n.toString(16).padStart(32, '0'), userId: 'u', location: { kind: 'file', path: `/x/${n}` }, size: n, declaredType: 'image/png' });

let redis: Redis | undefined;
test.after.always(() => redis?.disconnect());

const implementations: [string, () => Promise<Outbox>][] = [
  ['file', async () => new FileOutbox(await mkdtemp(path.join(tmpdir(), 'ums-outbox-')))],
  ['redis', async () => new RedisOutbox((redis ??= new Redis(serviceEnv('REDIS_URL'))), `t:${Math.random().toString(36).slice(2)}:`)],
];

for (const [name, make] of implementations) {
  test(`${name}: events come back oldest first until removed`, async (t) => {
    const outbox = await make();
    const events = Array.from({ length: 25 }, (_, i) => event(i + 1));
    for (const e of events) await outbox.add(e);
    t.is(await outbox.depth(), 25);
    const first = await outbox.peek(10);
    t.deepEqual(first.map((e) => e.id), events.slice(0, 10).map((e) => e.id));
    t.deepEqual(await outbox.peek(10), first, 'peek does not consume');
    await outbox.remove(first.map((e) => e.id));
    await outbox.remove(first.map((e) => e.id)); // idempotent
    t.is(await outbox.depth(), 15);
    t.deepEqual((await outbox.peek(100)).map((e) => e.id), events.slice(10).map((e) => e.id));
    t.deepEqual((await outbox.peek(1))[0], events[10], 'events come back whole');
  });

  test(`${name}: an invalid event is refused at add`, async (t) => {
    const outbox = await make();
    await t.throwsAsync(outbox.add({ ...event(1), userId: '../x' }));
    t.is(await outbox.depth(), 0);
  });
}

test('file: a damaged entry is set aside and does not block the others', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ums-outbox-'));
  const outbox = new FileOutbox(dir);
  await outbox.add(event(1));
  await writeFile(path.join(dir, `000000000000000-000000-${event(2).id}.json`), '{"truncated');
  const peeked = await outbox.peek(10);
  t.deepEqual(peeked.map((e) => e.uploadId), [event(1).uploadId]);
  t.is((await readdir(path.join(dir, 'damaged'))).length, 1);
});
