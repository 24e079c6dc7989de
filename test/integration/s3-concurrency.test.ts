import test from 'ava';
import { createBucket, objectDigest, testS3Client } from '../helpers/s3.ts';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { privateRedis, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

const MB = 1024 * 1024;
const DRAIN_MS = 1000;
const s3 = testS3Client();
const bucket = uniqueBucket('ums-conc');
const env = () => ({ ...s3Env(bucket), TUS_LOCK_DRAIN_TIMEOUT_MS: String(DRAIN_MS), LOCK_ACQUIRE_TIMEOUT_MS: '8000' });
let a: TestServer;
let b: TestServer;

test.before(async () => {
  await createBucket(s3, bucket);
  [a, b] = await Promise.all([startServer({ ...env(), REDIS_URL: serviceEnv('REDIS_URL') }), startServer({ ...env(), REDIS_URL: serviceEnv('REDIS_URL') })]);
});
test.after.always(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const idOf = (url: string) => new URL(url, 'http://x').pathname.split('/').pop()!;

async function create(server: TestServer, token: string, length: number): Promise<string> {
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': String(length), 'Upload-Metadata': `filetype ${b64('application/octet-stream')}` }),
  });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
  return new URL(res.headers.get('location')!).pathname;
}

/** A PATCH whose body arrives 1 MB every 150 ms; with `stallAfter`, it hangs after that many bytes without ending. */
function slowPatch(url: string, token: string, data: Buffer, opts: { stallAfter?: number; offset?: number } = {}) {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (opts.stallAfter !== undefined && sent >= opts.stallAfter) return new Promise<void>(() => {});
      if (sent >= data.length) return controller.close();
      await new Promise((r) => setTimeout(r, 150));
      controller.enqueue(data.subarray(sent, sent + MB));
      sent += MB;
    },
  });
  return fetch(url, {
    method: 'PATCH',
    headers: tusHeaders(token, { 'Upload-Offset': String(opts.offset ?? 0), 'Content-Type': 'application/offset+octet-stream' }),
    body,
    duplex: 'half',
  } as RequestInit).then(
    (res) => ({ status: res.status, offset: Number(res.headers.get('upload-offset')) }),
    () => ({ status: 'connection closed' as const, offset: Number.NaN }),
  );
}

async function offsetOf(server: TestServer, path: string, token: string): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method: 'HEAD', headers: tusHeaders(token) });
  if (res.status !== 200) throw new Error(`HEAD ${res.status}`);
  return Number(res.headers.get('upload-offset'));
}

test('two concurrent PATCHes on one upload: exactly one writes, nothing is mixed', async (t) => {
  const token = await tokenFor('dora');
  const size = 20 * MB; // 3 s to send: far longer than the drain time
  const dataA = randomFile(size);
  const dataB = randomFile(size);
  const path = await create(a, token, size);
  const first = slowPatch(`${a.url}${path}`, token, dataA);
  await new Promise((r) => setTimeout(r, 300));
  const second = slowPatch(`${b.url}${path}`, token, dataB);
  const [resA, resB] = await Promise.all([first, second]);
  t.is(resB.status, 409, 'the second PATCH found the offset moved by the first');
  // The first was asked to release: it stopped early and reported what it stored.
  t.is(resA.status, 204);
  const offset = await offsetOf(b, path, token);
  t.is(resA.offset, offset);
  t.true(offset > 0 && offset < size, `offset ${offset}`);
  // Finishing with A's bytes must give exactly A's file: B wrote nothing.
  await tusUpload(dataA, { endpoint: b.url, token, uploadUrl: `${b.url}${path}` });
  t.is((await objectDigest(s3, bucket, `dora/${idOf(path)}`)).sha256, sha256(dataA));
});

test('a client stalled mid-PATCH does not hold the lock: a resuming client gets in within the drain time', async (t) => {
  const token = await tokenFor('emil');
  const data = randomFile(8 * MB);
  const path = await create(a, token, data.length);
  const stalled = slowPatch(`${a.url}${path}`, token, data, { stallAfter: 2 * MB });
  await new Promise((r) => setTimeout(r, 600));
  const started = Date.now();
  const offset = await offsetOf(b, path, token);
  const waited = Date.now() - started;
  t.true(waited < DRAIN_MS + 3000, `resumer waited ${waited} ms`);
  t.is(offset, 2 * MB);
  t.deepEqual(await stalled, { status: 204, offset: 2 * MB }, 'the stalled PATCH was ended with what it had sent');
  await tusUpload(data, { endpoint: b.url, token, uploadUrl: `${b.url}${path}` });
  t.is((await objectDigest(s3, bucket, `emil/${idOf(path)}`)).sha256, sha256(data));
});

test('Redis restarted mid-upload: clear 503s while it is down, then the upload resumes intact', async (t) => {
  const redis = await privateRedis();
  const server = await startServer({ ...env(), REDIS_URL: redis.url });
  t.teardown(async () => {
    await server.stop();
    await redis.stop();
  });
  const token = await tokenFor('fred');
  const data = randomFile(20 * MB);
  const first = await tusUpload(data, { endpoint: server.url, token, chunkSize: 5 * MB, abortWhen: (s) => s >= 5 * MB });
  const path = new URL(first.url).pathname;

  await redis.stop();
  const down = await fetch(`${server.url}${path}`, { method: 'HEAD', headers: tusHeaders(token) });
  t.is(down.status, 503);
  const ready = await fetch(`${server.url}/readyz`);
  t.is(ready.status, 503);
  const patch = await fetch(`${server.url}${path}`, {
    method: 'PATCH',
    headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body: data.subarray(0, MB),
  });
  t.is(patch.status, 503);
  t.is(((await patch.json()) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');

  await redis.start();
  const deadline = Date.now() + 10_000;
  while ((await fetch(`${server.url}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await tusUpload(data, { endpoint: server.url, token, chunkSize: 5 * MB, uploadUrl: first.url });
  t.is((await objectDigest(s3, bucket, `fred/${idOf(path)}`)).sha256, sha256(data));
});
