import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { dropRedisPrefix, serviceEnv } from '../helpers/services.ts';

// Slow clients against a file-store server with Redis locks (the shared Redis, under a key prefix of its own).
const IDLE_MS = 1500;
const DRAIN_MS = 1000;
const LENGTH = 100;
const USER = 'sloth';
const prefix = `slow${Date.now().toString(36)}:`;
let server: TestServer;
let redis: Redis;
let token: string;

test.before(async () => {
  server = await startServer({
    REDIS_URL: serviceEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: prefix,
    HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
    TUS_LOCK_DRAIN_TIMEOUT_MS: String(DRAIN_MS),
    // A long lease: a lock that disappears quickly was released, not expired.
    LOCK_LEASE_MS: '30000',
  });
  redis = new Redis(serviceEnv('REDIS_URL'));
  token = await tokenFor(USER);
});
test.after.always(async () => {
  await server?.stop();
  await dropRedisPrefix(redis, prefix);
});

/** The upload's lock key, or every lock key of this server. */
const lockKeys = (id = '*') => redis.keys(`${prefix}lock:${id === '*' ? '*' : `${USER}/${id}`}`);
const since = (t0: number) => Date.now() - t0;

async function create(): Promise<{ url: URL; id: string }> {
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': String(LENGTH), 'Upload-Metadata': `filetype ${b64('application/octet-stream')}` }),
  });
  if (res.status !== 201) throw new Error(`create: ${res.status}`);
  const url = new URL(res.headers.get('location')!);
  return { url, id: url.pathname.split('/').pop()! };
}

/** A PATCH announcing the whole rest of the file, then sending one byte every `everyMs` (`bytes` of them, or until ended). */
function dribble(url: URL, opts: { everyMs: number; bytes: number }) {
  const sent: number[] = [];
  let lastByteAt = 0;
  const req = http.request(url, {
    method: 'PATCH',
    headers: { ...tusHeaders(token), 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(LENGTH) },
  });
  const outcome = new Promise<{ kind: 'response'; status: number; offset: number } | { kind: 'closed'; code: string }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ kind: 'response', status: res.statusCode ?? 0, offset: Number(res.headers['upload-offset']) });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'closed', code: err.code ?? err.message }));
  });
  const timer = setInterval(() => {
    if (sent.length >= opts.bytes || req.destroyed) return clearInterval(timer);
    const byte = 65 + sent.length;
    req.write(Buffer.from([byte]));
    sent.push(byte);
    lastByteAt = Date.now();
  }, opts.everyMs);
  void outcome.then(() => clearInterval(timer));
  return { sent, outcome, lastByteAt: () => lastByteAt };
}

async function headOffset(url: URL): Promise<{ status: number; offset: number; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
  return { status: res.status, offset: Number(res.headers.get('upload-offset')), ms: since(t0) };
}

async function finish(url: URL, from: number, rest: Buffer) {
  return fetch(url, { method: 'PATCH', headers: tusHeaders(token, { 'Upload-Offset': String(from), 'Content-Type': 'application/offset+octet-stream' }), body: rest });
}

test.serial('a client dribbling 1 byte every 500 ms, then silent: cut HTTP_IDLE_TIMEOUT_MS after its last byte, bytes kept, lock released at once', async (t) => {
  const { url, id } = await create();
  const t0 = Date.now();
  const slow = dribble(url, { everyMs: 500, bytes: 6 });
  const outcome = await slow.outcome;
  const closedAt = Date.now();
  t.deepEqual(outcome, { kind: 'closed', code: 'ECONNRESET' }, 'the server closed the connection');
  t.true(since(t0) >= 3000, `kept open while bytes arrived (${since(t0)} ms)`);
  const silentFor = closedAt - slow.lastByteAt();
  t.true(silentFor >= IDLE_MS - 100 && silentFor < IDLE_MS + 1500, `closed ${silentFor} ms after the last byte`);

  // Released by the request ending, long before the 30 s lease would have run out.
  while ((await lockKeys(id)).length > 0 && since(closedAt) < 2000) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(await lockKeys(id), []);
  const head = await headOffset(url);
  t.like(head, { status: 200, offset: 6 });
  t.true(head.ms < 500, `another client got in at once (${head.ms} ms)`);
  const rest = Buffer.alloc(LENGTH - 6, 0x7a);
  const done = await finish(url, 6, rest);
  t.is(done.status, 204);
  t.is(done.headers.get('upload-offset'), String(LENGTH));
  const stored = await readFile(path.join(server.dataDir, 'uploads', USER, id));
  t.true(stored.equals(Buffer.concat([Buffer.from(slow.sent), rest])), 'the dribbled bytes, then the rest');
  t.deepEqual(await lockKeys(), [], 'no lock left');
});

test.serial('a client dribbling faster than the idle timeout does not hold the upload: a resuming client gets in within the drain time', async (t) => {
  const { url, id } = await create();
  const slow = dribble(url, { everyMs: 300, bytes: LENGTH - 1 });
  await new Promise((r) => setTimeout(r, 1500));
  t.is((await lockKeys(id)).length, 1, 'the dribbler holds the lock');
  const head = await headOffset(url);
  t.is(head.status, 200);
  t.true(head.ms < DRAIN_MS + 1500, `resumer waited ${head.ms} ms`);
  const outcome = await slow.outcome;
  // The holder's request was ended with what it had sent; the bytes it sends later are not taken.
  t.like(outcome, { kind: 'response', status: 204, offset: head.offset });
  t.true(head.offset >= 4 && head.offset < 20, `offset ${head.offset}`);
  const rest = Buffer.alloc(LENGTH - head.offset, 0x7a);
  t.is((await finish(url, head.offset, rest)).status, 204);
  const stored = await readFile(path.join(server.dataDir, 'uploads', USER, id));
  t.true(stored.equals(Buffer.concat([Buffer.from(slow.sent.slice(0, head.offset)), rest])));
  t.deepEqual(await lockKeys(), []);
});
