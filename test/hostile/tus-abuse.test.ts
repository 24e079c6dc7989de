import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { randomFile } from '../helpers/tus-client.ts';

// tus abuse beyond test/integration/tus-protocol.test.ts: every refusal is exact, and nothing is left behind.
const MAX = 1_000_000;
let server: TestServer;
let alice: string;
let mallory: string;
test.before(async () => {
  server = await startServer({ MAX_UPLOAD_SIZE: String(MAX) });
  [alice, mallory] = await Promise.all([tokenFor('alice'), tokenFor('mallory')]);
});
test.after.always(async () => {
  await server?.stop();
});

const meta = `filename ${b64('a.png')},filetype ${b64('image/png')}`;
const create = (length: string, token = alice) =>
  fetch(`${server.url}/files/`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': length, 'Upload-Metadata': meta }) });
const patch = (url: string, offset: string, body: Buffer, extra: Record<string, string> = {}) =>
  fetch(url, { method: 'PATCH', headers: tusHeaders(alice, { 'Upload-Offset': offset, 'Content-Type': 'application/offset+octet-stream', ...extra }), body });
const offsetOf = async (url: string) => (await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) })).headers.get('upload-offset');
/** Every file under the data directory (uploads, info files, outbox…). */
const filesIn = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

async function assertError(t: ExecutionContext, res: Response, status: number, code: string, label: string) {
  t.is(res.status, status, label);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/, label);
  t.is(((await res.json()) as { error: { code: string } }).error.code, code, label);
}

async function newUpload(length = 10): Promise<string> {
  const res = await create(String(length));
  if (res.status !== 201) throw new Error(`create: ${res.status}`);
  return res.headers.get('location')!;
}

test.serial('Upload-Length: negative, non-numeric and beyond 2^53 are 400; over the limit, up to 2^53, is 413; nothing is created', async (t) => {
  const before = await filesIn(server.dataDir);
  const invalid = ['-1', '-0', '-9007199254740993', '0x10', '+10', '1.5', '1e6', '00010', '', '9007199254740993', '99999999999999999999999', `1${'0'.repeat(400)}`];
  for (const length of invalid) await assertError(t, await create(length), 400, 'BAD_REQUEST', `Upload-Length ${JSON.stringify(length.slice(0, 30))}`);
  for (const length of [String(MAX + 1), '4294967296', '9007199254740991', '9007199254740992']) {
    await assertError(t, await create(length), 413, 'UPLOAD_TOO_LARGE', `Upload-Length ${length}`);
  }
  t.deepEqual(await filesIn(server.dataDir), before, 'no upload, info file or event from any refused creation');
  t.is((await create(String(MAX))).status, 201, 'exactly the limit is accepted');
});

test('Upload-Offset: negative, non-numeric, beyond 2^53 or with leading zeros is 400; the upload is untouched', async (t) => {
  const url = await newUpload(10);
  for (const offset of ['-1', 'abc', '1e3', '0x0', '00', '', '9007199254740993']) {
    await assertError(t, await patch(url, offset, Buffer.from('x')), 400, 'BAD_REQUEST', `Upload-Offset ${JSON.stringify(offset)}`);
  }
  t.is(await offsetOf(url), '0');
});

test('very long ids: a 10 kB segment is 404 for every method; a 100 kB one is refused at the header limit (431)', async (t) => {
  for (const id of ['a'.repeat(10_240), `${'0'.repeat(32)}${'f'.repeat(10_000)}`]) {
    t.is((await fetch(`${server.url}/files/${id}`, { method: 'HEAD', headers: tusHeaders(alice) })).status, 404);
    await assertError(t, await patch(`${server.url}/files/${id}`, '0', Buffer.from('x')), 404, 'NOT_FOUND', `PATCH ${id.length}`);
    await assertError(t, await fetch(`${server.url}/files/${id}`, { method: 'DELETE', headers: tusHeaders(alice) }), 404, 'NOT_FOUND', `DELETE ${id.length}`);
  }
  const huge = await fetch(`${server.url}/files/${'a'.repeat(100_000)}`, { method: 'HEAD', headers: tusHeaders(alice) });
  t.is(huge.status, 431);
});

test('encoded traversal and separators never reach another namespace or the file system', async (t) => {
  const url = await newUpload(10);
  const id = url.split('/').pop()!;
  const sentinel = `escaped-${Date.now().toString(36)}`;
  const attempts = [
    `..%2f..%2f${sentinel}`, '%2e%2e', `%2e%2e%2f%2e%2e%2f${sentinel}`, `..%252f..%252f${sentinel}`, `%2e%2e/%2e%2e/${sentinel}`, `..%5c..%5c${sentinel}`,
    `....//${sentinel}`, '%00', `${id}%00`, `${id}.json`, `${id}%2F..%2F${id}`, `alice%2F${id}`, `alice%2f${id}`, `..%2Falice%2F${id}`, id.toUpperCase(),
  ];
  for (const attempt of attempts) {
    const target = `${server.url}/files/${attempt}`;
    t.is((await fetch(target, { method: 'HEAD', headers: tusHeaders(mallory) })).status, 404, `HEAD ${attempt}`);
    const write = await fetch(target, { method: 'PATCH', headers: tusHeaders(mallory, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }), body: Buffer.from('pwned') });
    await assertError(t, write, 404, 'NOT_FOUND', `PATCH ${attempt}`);
    await assertError(t, await fetch(target, { method: 'DELETE', headers: tusHeaders(mallory) }), 404, 'NOT_FOUND', `DELETE ${attempt}`);
  }
  t.is(await offsetOf(url), '0', "alice's upload is untouched");
  // Wherever a traversal could have landed: inside the data directory, or up to three levels above it.
  const inside = await filesIn(server.dataDir);
  const above = [1, 2, 3].map((up) => path.resolve(server.dataDir, ...Array<string>(up).fill('..')));
  const outside = (await Promise.all(above.map((dir) => readdir(dir)))).flat();
  t.false([...inside, ...outside].some((f) => f.includes(sentinel)), 'no file written outside the namespace');
});

test('checksum extension: not advertised, and an Upload-Checksum is refused (400) instead of silently ignored', async (t) => {
  const options = await fetch(`${server.url}/files/`, { method: 'OPTIONS' });
  t.false(options.headers.get('tus-extension')?.split(',').includes('checksum'));
  t.is(options.headers.get('tus-checksum-algorithm'), null);
  const url = await newUpload(10);
  const data = randomFile(10);
  const wrong = `sha1 ${Buffer.alloc(20).toString('base64')}`;
  const right = `sha1 ${(await import('node:crypto')).createHash('sha1').update(data).digest('base64')}`;
  for (const checksum of [wrong, right]) {
    await assertError(t, await patch(url, '0', data, { 'Upload-Checksum': checksum }), 400, 'CHECKSUM_UNSUPPORTED', checksum);
  }
  t.is(await offsetOf(url), '0', 'nothing written from a chunk the client wanted verified');
  t.is((await patch(url, '0', data)).status, 204, 'the same chunk without a checksum is accepted');
});
