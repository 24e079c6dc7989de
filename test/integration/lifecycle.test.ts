import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { startServer, tokenFor, tusHeaders, TEST_SECRET } from '../helpers/server.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

const MB = 1024 * 1024;
const idOf = (url: string) => new URL(url, 'http://x').pathname.split('/').pop()!;

test('the periodic job removes expired unfinished uploads, keeps finished ones, and logs the count', async (t) => {
  const server = await startServer({ UPLOAD_EXPIRATION_SECONDS: '3', EXPIRY_SWEEP_INTERVAL_SECONDS: '1' });
  t.teardown(() => server.stop());
  const token = await tokenFor('erin');
  const finished = await tusUpload(randomFile(1000), { endpoint: server.url, token });
  const unfinished = await tusUpload(randomFile(2 * MB), { endpoint: server.url, token, chunkSize: MB, abortWhen: (s) => s >= MB });
  const dir = path.join(server.dataDir, 'uploads', 'erin');

  const line = await server.waitForLog((l) => l.msg === 'expired uploads swept' && l.expired === 1, 20_000);
  t.is(line.expired, 1);
  await t.throwsAsync(stat(path.join(dir, idOf(unfinished.url))), { code: 'ENOENT' });
  t.truthy(await stat(path.join(dir, idOf(finished.url))));
  t.deepEqual((await readdir(dir)).sort(), [idOf(finished.url), `${idOf(finished.url)}.json`].sort());
  const head = await fetch(unfinished.url, { method: 'HEAD', headers: tusHeaders(token) });
  t.true([404, 410].includes(head.status));
});

test('npm run cleanup removes expired uploads once and prints the count', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ums-cleanup-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startServer({ UPLOAD_EXPIRATION_SECONDS: '3', EXPIRY_SWEEP_INTERVAL_SECONDS: '0' }, { dataDir });
  const token = await tokenFor('frank');
  await tusUpload(randomFile(2 * MB), { endpoint: server.url, token, chunkSize: MB, abortWhen: (s) => s >= MB });
  await tusUpload(randomFile(2 * MB), { endpoint: server.url, token, chunkSize: MB, abortWhen: (s) => s >= MB });
  await server.stop();
  await new Promise((r) => setTimeout(r, 3100));

  const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', 'server/cli/cleanup-expired.ts'], {
    env: { PATH: process.env.PATH, AUTH_JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir, UPLOAD_EXPIRATION_SECONDS: '3', LOG_LEVEL: 'silent' },
  });
  t.is(stdout.trim(), '2 expired upload(s) removed');
  t.deepEqual(await readdir(path.join(dataDir, 'uploads', 'frank')), []);
});

test('SIGTERM cuts an in-flight PATCH cleanly; the upload resumes on the next server', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ums-shutdown-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startServer({ SHUTDOWN_TIMEOUT_MS: '500' }, { dataDir });
  const token = await tokenFor('gina');
  const data = randomFile(8 * MB);
  const create = await fetch(`${first.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': String(data.length), 'Upload-Metadata': `filetype ${Buffer.from('application/octet-stream').toString('base64')}` }),
  });
  const uploadPath = new URL(create.headers.get('location')!).pathname;

  // A client that sends 1 MB, then stalls: the PATCH is in flight when SIGTERM arrives.
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data.subarray(0, MB));
    },
  });
  const patch = fetch(`${first.url}${uploadPath}`, {
    method: 'PATCH',
    headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body,
    duplex: 'half',
  } as RequestInit).catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  const code = await first.stop('SIGTERM');
  t.is(code, 0);
  t.true(Date.now() - started < 5000, 'shutdown waited at most about the grace period');
  t.truthy(first.logs.find((l) => l.msg === 'shutdown complete'));
  await patch;

  const second = await startServer({}, { dataDir });
  t.teardown(() => second.stop());
  const resumed = await tusUpload(data, { endpoint: second.url, token, uploadUrl: `${second.url}${uploadPath}` });
  t.is(idOf(resumed.url), idOf(uploadPath));
  t.is(sha256(await readFile(path.join(dataDir, 'uploads', 'gina', idOf(uploadPath)))), sha256(data));
});
