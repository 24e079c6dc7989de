import test, { type ExecutionContext } from 'ava';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { randomFile, tusUpload } from '../helpers/tus-client.ts';

const ORIGIN = 'https://app.example.test';
const MAX = 1_000_000;
let server: TestServer;
let token: string;
test.before(async () => {
  server = await startServer({ MAX_UPLOAD_SIZE: String(MAX), ALLOWED_TYPES: 'image/*,application/pdf', CORS_ORIGINS: ORIGIN });
  token = await tokenFor('alice');
});
test.after.always(async () => {
  await server?.stop();
});

const post = (headers: Record<string, string>, body?: Buffer) =>
  fetch(`${server.url}/files/`, { method: 'POST', headers: tusHeaders(token, headers), ...(body ? { body } : {}) });
const meta = (type: string) => `filename ${b64('a.png')},filetype ${b64(type)}`;

async function assertError(t: ExecutionContext, res: Response, status: number, code: string) {
  t.is(res.status, status);
  t.regex(res.headers.get('content-type') ?? '', /application\/json/);
  t.is(((await res.json()) as { error: { code: string } }).error.code, code);
}

async function createUpload(length = 100): Promise<string> {
  const res = await post({ 'Upload-Length': String(length), 'Upload-Metadata': meta('image/png') });
  if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
  return res.headers.get('location')!;
}

test('OPTIONS advertises version, extensions and Tus-Max-Size without a token', async (t) => {
  const res = await fetch(`${server.url}/files/`, { method: 'OPTIONS' });
  t.is(res.status, 204);
  t.is(res.headers.get('tus-version'), '1.0.0');
  t.is(res.headers.get('tus-max-size'), String(MAX));
  t.deepEqual(res.headers.get('tus-extension')?.split(','), ['creation', 'creation-with-upload', 'termination', 'expiration']);
});

test('missing or unsupported Tus-Resumable: 412 with Tus-Version', async (t) => {
  for (const version of [undefined, '0.2.2', '2.0.0']) {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Upload-Length': '10', 'Upload-Metadata': meta('image/png') };
    if (version) headers['Tus-Resumable'] = version;
    const res = await fetch(`${server.url}/files/`, { method: 'POST', headers });
    t.is(res.headers.get('tus-version'), '1.0.0');
    await assertError(t, res, 412, 'TUS_VERSION_UNSUPPORTED');
  }
});

test('Upload-Length over the limit: 413; a token claim narrows the limit', async (t) => {
  await assertError(t, await post({ 'Upload-Length': String(MAX + 1), 'Upload-Metadata': meta('image/png') }), 413, 'UPLOAD_TOO_LARGE');
  const narrow = await tokenFor('alice', { maxSize: 1000 });
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(narrow, { 'Upload-Length': '1001', 'Upload-Metadata': meta('image/png') }),
  });
  await assertError(t, res, 413, 'UPLOAD_TOO_LARGE');
});

test('a disallowed or missing file type is refused; a token claim narrows the types', async (t) => {
  await assertError(t, await post({ 'Upload-Length': '10', 'Upload-Metadata': meta('application/x-msdownload') }), 415, 'TYPE_NOT_ALLOWED');
  await assertError(t, await post({ 'Upload-Length': '10', 'Upload-Metadata': `filename ${b64('a')}` }), 400, 'FILETYPE_REQUIRED');
  t.is((await post({ 'Upload-Length': '10', 'Upload-Metadata': meta('application/pdf') })).status, 201);
  const imagesOnly = await tokenFor('alice', { allowedTypes: ['image/*'] });
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(imagesOnly, { 'Upload-Length': '10', 'Upload-Metadata': meta('application/pdf') }),
  });
  await assertError(t, res, 415, 'TYPE_NOT_ALLOWED');
});

test('malformed Upload-Metadata and bad Upload-Length: 400', async (t) => {
  await assertError(t, await post({ 'Upload-Length': '10', 'Upload-Metadata': 'filetype not base64!!' }), 400, 'INVALID_METADATA');
  await assertError(t, await post({ 'Upload-Length': '10', 'Upload-Metadata': `a ${b64('x')},a ${b64('y')}` }), 400, 'INVALID_METADATA');
  for (const length of ['-1', 'abc', '1e3']) {
    await assertError(t, await post({ 'Upload-Length': length, 'Upload-Metadata': meta('image/png') }), 400, 'BAD_REQUEST');
  }
});

test('creation-with-upload with the wrong Content-Type: 415', async (t) => {
  const res = await post({ 'Upload-Length': '10', 'Upload-Metadata': meta('image/png'), 'Content-Type': 'text/plain' }, randomFile(10));
  await assertError(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('PATCH: wrong Content-Type 415, wrong offset 409, past the length 413', async (t) => {
  const url = await createUpload(100);
  const patch = (headers: Record<string, string>, body: Buffer) => fetch(url, { method: 'PATCH', headers: tusHeaders(token, headers), body });
  await assertError(t, await patch({ 'Upload-Offset': '0', 'Content-Type': 'application/json' }, randomFile(10)), 415, 'UNSUPPORTED_MEDIA_TYPE');
  await assertError(t, await patch({ 'Upload-Offset': '5', 'Content-Type': 'application/offset+octet-stream' }, randomFile(10)), 409, 'UPLOAD_OFFSET_MISMATCH');
  await assertError(t, await patch({ 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }, randomFile(101)), 413, 'UPLOAD_TOO_LARGE');
  const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
  t.is(head.headers.get('upload-offset'), '0', 'nothing of the refused PATCHes was kept');
});

test('X-HTTP-Method-Override turns a POST into PATCH and HEAD', async (t) => {
  const url = await createUpload(10);
  const res = await fetch(url, {
    method: 'POST',
    headers: tusHeaders(token, { 'X-HTTP-Method-Override': 'PATCH', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body: randomFile(10),
  });
  t.is(res.status, 204);
  t.is(res.headers.get('upload-offset'), '10');
  const head = await fetch(url, { method: 'POST', headers: tusHeaders(token, { 'X-HTTP-Method-Override': 'HEAD' }) });
  t.is(head.status, 200);
  t.is(head.headers.get('upload-offset'), '10');
  t.is(head.headers.get('cache-control'), 'no-store');
});

test('ids that are not server-generated are 404, including traversal attempts', async (t) => {
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', 'abc', 'A'.repeat(4000), `${'0'.repeat(31)}g`]) {
    const res = await fetch(`${server.url}/files/${id}`, { method: 'HEAD', headers: tusHeaders(token) });
    t.is(res.status, 404, id.slice(0, 40));
  }
});

test('CORS: configured origin sees error statuses; other origins get no CORS headers', async (t) => {
  const res = await fetch(`${server.url}/files/`, { method: 'POST', headers: { Origin: ORIGIN, 'Tus-Resumable': '1.0.0' } });
  t.is(res.status, 401);
  t.is(res.headers.get('access-control-allow-origin'), ORIGIN);
  t.regex(res.headers.get('access-control-expose-headers') ?? '', /Upload-Offset/);

  const preflight = await fetch(`${server.url}/files/`, {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,tus-resumable' },
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), ORIGIN);
  t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);

  const evil = await fetch(`${server.url}/files/`, { method: 'POST', headers: { Origin: 'https://evil.example', 'Tus-Resumable': '1.0.0' } });
  t.is(evil.status, 401);
  t.is(evil.headers.get('access-control-allow-origin'), null);
});

test('tus-js-client gets a clear error for a disallowed type', async (t) => {
  const err = await t.throwsAsync(
    tusUpload(randomFile(100), { endpoint: server.url, token, metadata: { filename: 'x.exe', filetype: 'application/x-msdownload' } }),
  );
  t.regex(err.message, /response code: 415/);
  t.regex(err.message, /TYPE_NOT_ALLOWED/);
});
