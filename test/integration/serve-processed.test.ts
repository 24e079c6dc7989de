import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import Koa from 'koa';
import { serveProcessed } from '../../server/delivery/serve-processed.ts';

const ID = 'a'.repeat(32);
const KEY = `media/${ID}/0123456789abcdef0123-w320.webp`;
const body = randomBytes(10_000);
let base: string;
let close: () => void = () => {};
test.after.always(() => close());

test.before(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'ums-serve-'));
  await mkdir(path.join(root, 'media', ID), { recursive: true });
  await writeFile(path.join(root, KEY), body);
  await writeFile(path.join(root, 'media', ID, 'manifest.json'), '{"variants":[]}');
  await mkdir(path.join(root, 'uploads', 'alice'), { recursive: true });
  await writeFile(path.join(root, 'uploads', 'alice', ID), 'private original');
  const app = new Koa();
  app.use(serveProcessed(root));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

test('a variant is served with its content hash as ETag, immutable caching and its type', async (t) => {
  const res = await fetch(`${base}/${KEY}`);
  t.is(res.status, 200);
  t.is(res.headers.get('etag'), '"0123456789abcdef0123"');
  t.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  t.is(res.headers.get('content-type'), 'image/webp');
  t.deepEqual(Buffer.from(await res.arrayBuffer()), body);
  const again = await fetch(`${base}/${KEY}`, { headers: { 'If-None-Match': '"0123456789abcdef0123"' } });
  t.is(again.status, 304);
});

test('byte ranges', async (t) => {
  const part = await fetch(`${base}/${KEY}`, { headers: { Range: 'bytes=100-199' } });
  t.is(part.status, 206);
  t.is(part.headers.get('content-range'), `bytes 100-199/${body.length}`);
  t.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(100, 200));
  const tail = await fetch(`${base}/${KEY}`, { headers: { Range: 'bytes=-10' } });
  t.deepEqual(Buffer.from(await tail.arrayBuffer()), body.subarray(-10));
  const beyond = await fetch(`${base}/${KEY}`, { headers: { Range: `bytes=${body.length}-` } });
  t.is(beyond.status, 416);
  t.is(beyond.headers.get('content-range'), `bytes */${body.length}`);
});

test('the manifest is revalidated, not cached forever', async (t) => {
  const res = await fetch(`${base}/media/${ID}/manifest.json`);
  t.is(res.status, 200);
  t.is(res.headers.get('cache-control'), 'public, max-age=0, must-revalidate');
});

test('nothing but processed files is reachable', async (t) => {
  for (const p of [`/uploads/alice/${ID}`, `/media/../uploads/alice/${ID}`, `/media/%2e%2e/uploads/alice/${ID}`, `/media/${ID}/nope-w1.webp`, `/media/${ID}/0123456789abcdef0123-w320.webp/..`]) {
    t.is((await fetch(`${base}${p}`)).status, 404, p);
  }
});
