import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { jpegWithGps } from '../helpers/media.ts';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

// A real full disk: a 4 MiB tmpfs as the file store's DATA_DIR (needs root, as the test machines run).
const run = promisify(execFile);
const MB = 1024 * 1024;
const dir = await mkdtemp(path.join(tmpdir(), 'hostile-enospc-'));
const mountError = await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir]).then(
  () => undefined,
  (err: Error) => err.message,
);
// Skipped, saying why, where a tmpfs cannot be mounted (not root).
const maybe = mountError ? test.skip : test;
const why = mountError ? ` [skipped: cannot mount a tmpfs: ${mountError.trim().split('\n').pop()}]` : '';

let server: TestServer;
test.before(async () => {
  if (mountError) return;
  server = await startServer({}, { dataDir: dir });
});
test.after.always(async () => {
  await server?.stop();
  if (!mountError) await run('umount', [dir]);
  await rmdir(dir).catch(() => rm(dir, { recursive: true, force: true }));
});

const USER = 'dora';
const uploadsOf = async () => (await readdir(path.join(dir, 'uploads', USER)).catch(() => [] as string[])).sort();

async function assertInsufficientStorage(t: ExecutionContext, res: Response) {
  t.is(res.status, 507);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
  const text = await res.text();
  t.like(JSON.parse(text), { error: { code: 'INSUFFICIENT_STORAGE', message: 'The server has no storage space left; resume the upload later.' } });
  t.false(text.includes(dir) || text.includes('ENOSPC') || text.includes('    at '), 'no internal detail in the body');
}

maybe(`a full disk: 507 with a JSON body, the bytes that fit are kept intact, and the upload resumes once space is freed${why}`, async (t) => {
  const token = await tokenFor(USER);
  const filler = path.join(dir, 'filler');
  await writeFile(filler, Buffer.alloc(2.5 * MB));
  const data = randomFile(3 * MB);
  // Random bytes declared as PNG: the embedded processor rejects them by moving the file (no copy needing space).
  const created = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': String(data.length), 'Upload-Metadata': `filename ${b64('big.png')},filetype ${b64('image/png')}` }),
  });
  t.is(created.status, 201);
  const url = created.headers.get('location')!;
  const id = new URL(url).pathname.split('/').pop()!;
  const patch = await fetch(url, {
    method: 'PATCH',
    headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body: data,
  });
  await assertInsufficientStorage(t, patch);

  const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
  const offset = Number(head.headers.get('upload-offset'));
  t.true(offset > 0 && offset < data.length, `offset ${offset}`);
  const stored = await readFile(path.join(dir, 'uploads', USER, id));
  t.is(stored.length, offset);
  t.true(stored.equals(data.subarray(0, offset)), 'what was stored is exactly the start of the file');

  // Now the disk is completely full: a new upload cannot even be created, and leaves nothing behind.
  const before = await uploadsOf();
  const refused = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/png')}` }),
  });
  await assertInsufficientStorage(t, refused);
  t.deepEqual(await uploadsOf(), before, 'no empty data or info file left by the refused creation');
  t.is((await fetch(`${server.url}/healthz`)).status, 200);

  await rm(filler);
  await tusUpload(data, { endpoint: server.url, token, uploadUrl: url, metadata: { filename: 'big.png', filetype: 'image/png' } });
  // The embedded processor then moves the (not really PNG) file to quarantine: compare it there.
  const deadline = Date.now() + 15_000;
  let status = '';
  while (status !== 'rejected' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${server.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    status = ((await res.json()) as { status: string }).status;
  }
  t.is(status, 'rejected');
  const complete = await readFile(path.join(dir, '.quarantine', USER, id));
  t.is(sha256(complete), sha256(data), 'the resumed upload is byte-identical');
});

maybe(`the disk fills between an upload's last byte and its completion record: 507, and the next HEAD records it once space is back; nothing lost${why}`, async (t) => {
  // The uploads directory has room; the status records and the outbox are on a full 16 KiB tmpfs each.
  const dataDir = await mkdtemp(path.join(tmpdir(), 'hostile-enospc-late-'));
  const full = ['status', 'outbox'].map((name) => path.join(dataDir, name));
  for (const mountpoint of full) {
    await mkdir(mountpoint);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mountpoint]);
    await writeFile(path.join(mountpoint, 'filler'), Buffer.alloc(16 * 1024)).catch(() => {}); // fills it up to the last byte it takes
  }
  const late = await startServer({ IMAGE_FORMATS: 'webp', IMAGE_AVIF_EFFORT: '0' }, { dataDir });
  t.teardown(async () => {
    await late.stop();
    for (const mountpoint of full) await run('umount', [mountpoint]);
    await rm(dataDir, { recursive: true, force: true });
  });
  const token = await tokenFor(USER);
  const data = await jpegWithGps(64, 48);
  const created = await fetch(`${late.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': String(data.length), 'Upload-Metadata': `filename ${b64('late.jpg')},filetype ${b64('image/jpeg')}` }),
  });
  const url = created.headers.get('location')!;
  const id = new URL(url).pathname.split('/').pop()!;
  const patch = await fetch(url, { method: 'PATCH', headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }), body: data });
  await assertInsufficientStorage(t, patch);
  const head = () => fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
  t.is((await head()).status, 507, 'still full: HEAD cannot record the completion either, and says so');
  t.true((await readFile(path.join(dataDir, 'uploads', USER, id))).equals(data), 'every byte is stored');

  for (const mountpoint of full) await rm(path.join(mountpoint, 'filler'));
  const again = await head();
  t.is(again.status, 200);
  t.is(again.headers.get('upload-offset'), String(data.length));
  t.truthy(late.logs.find((l) => l.msg.startsWith('upload finished: its completion, lost by the final PATCH') && l.uploadId === id));

  // The event was recorded and processed: the file is listed once and becomes ready.
  const deadline = Date.now() + 30_000;
  let view = { status: '' };
  while (view.status !== 'ready' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    view = (await (await fetch(`${late.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { status: string };
  }
  t.is(view.status, 'ready');
  t.is((await head()).status, 200);
  const list = (await (await fetch(`${late.url}/api/files`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] };
  t.deepEqual(list.items.map((f) => f.id), [id]);
  t.is(late.logs.filter((l) => l.msg === 'upload processed').length, 1, 'one event, processed once');
});
