import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import { FileStatusStore, type FileStatus, RedisStatusStore, type StatusStore } from '../../processor/status/status-store.ts';
import { serviceEnv } from '../helpers/services.ts';

let redis: Redis | undefined;
test.after.always(() => redis?.disconnect());

const implementations: [string, () => Promise<StatusStore>][] = [
  ['file', async () => new FileStatusStore(await mkdtemp(path.join(tmpdir(), 'ums-status-')))],
  ['redis', async () => new RedisStatusStore((redis ??= new Redis(serviceEnv('REDIS_URL'))), `st${Math.random().toString(36).slice(2)}:`)],
];

const status = (n: number, userId = 'u', over: Partial<FileStatus> = {}): FileStatus => ({
  uploadId: n.toString(16).padStart(32, '0'),
  userId,
  uploadedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  size: n,
  declaredType: 'image/png',
  status: 'processing',
  updatedAt: new Date().toISOString(),
  ...over,
});

for (const [name, make] of implementations) {
  test(`${name}: latest status wins; a user's files come newest first, page by page, no one else's`, async (t) => {
    const store = await make();
    for (let n = 1; n <= 7; n++) await store.put(status(n));
    await store.put(status(100, 'someone-else'));
    await store.put(status(3, 'u', { status: 'ready' }));
    t.is((await store.get(status(3).uploadId))?.status, 'ready');
    t.is(await store.get('f'.repeat(32)), undefined);

    const first = await store.listByUser('u', { limit: 3 });
    t.deepEqual(first.items.map((s) => s.size), [7, 6, 5]);
    const second = await store.listByUser('u', { cursor: first.next, limit: 3 });
    t.deepEqual(second.items.map((s) => s.size), [4, 3, 2]);
    t.is(second.items[1]?.status, 'ready', 'updating a status does not duplicate it in the list');
    const last = await store.listByUser('u', { cursor: second.next, limit: 3 });
    t.deepEqual(last.items.map((s) => s.size), [1]);
    t.is(last.next, undefined);
    t.deepEqual((await store.listByUser('nobody', { limit: 3 })).items, []);
  });
}
