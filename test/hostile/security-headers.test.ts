import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';

// Security headers on every kind of API response, and 500s that tell the client nothing internal.
let server: TestServer;
let token: string;
test.before(async () => {
  server = await startServer();
  token = await tokenFor('hedy');
});
test.after.always(async () => {
  await server?.stop();
});

function assertHeaders(t: ExecutionContext, res: Response, label: string) {
  t.is(res.headers.get('x-content-type-options'), 'nosniff', label);
  t.is(res.headers.get('x-frame-options'), 'DENY', label);
  t.is(res.headers.get('referrer-policy'), 'no-referrer', label);
  t.is(res.headers.get('x-powered-by'), null, label);
  t.is(res.headers.get('server'), null, `${label}: no server banner`);
}

/** A JSON error with the catalogue's text, the request id, and nothing internal. */
async function assertCleanError(t: ExecutionContext, res: Response, status: number, code: string, internals: string[]) {
  t.is(res.status, status);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
  const text = await res.text();
  const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
  t.is(body.error.code, code);
  t.is(body.error.requestId, res.headers.get('x-request-id') ?? 'missing X-Request-Id');
  t.false(/\n\s+at |node:internal|\.ts:\d+/.test(text), 'no stack trace');
  for (const internal of internals) t.false(text.includes(internal), `does not mention ${internal}`);
}

test('every kind of response carries the security headers and no X-Powered-By', async (t) => {
  const auth = { Authorization: `Bearer ${token}` };
  const created = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, { 'Upload-Length': '4', 'Upload-Metadata': `filetype ${b64('image/png')}` }),
  });
  const upload = created.headers.get('location')!;
  const requests: [string, () => Promise<Response>][] = [
    ['POST /files/ 201', async () => created],
    ['OPTIONS /files/', () => fetch(`${server.url}/files/`, { method: 'OPTIONS' })],
    ['HEAD upload', () => fetch(upload, { method: 'HEAD', headers: tusHeaders(token) })],
    ['PATCH upload', () => fetch(upload, { method: 'PATCH', headers: tusHeaders(token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }), body: Buffer.from('abcd') })],
    ['POST /files/ 401', () => fetch(`${server.url}/files/`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0' } })],
    ['POST /files/ 412', () => fetch(`${server.url}/files/`, { method: 'POST', headers: auth })],
    ['GET /api/files', () => fetch(`${server.url}/api/files`, { headers: auth })],
    ['GET /api/files/:id 404', () => fetch(`${server.url}/api/files/${'0'.repeat(32)}`, { headers: auth })],
    ['GET /api/files/:id 400', () => fetch(`${server.url}/api/files?limit=0`, { headers: auth })],
    ['GET unknown route 404', () => fetch(`${server.url}/nothing-here`)],
    ['GET /healthz', () => fetch(`${server.url}/healthz`)],
    ['GET /readyz', () => fetch(`${server.url}/readyz`)],
    ['GET /metrics', () => fetch(`${server.url}/metrics`)],
  ];
  for (const [label, request] of requests) {
    const res = await request();
    assertHeaders(t, res, label);
    if (res.headers.get('content-type')?.startsWith('application/json')) await res.json();
  }
});

test('a real 500 from the tus store (a namespace directory that is a file) exposes no path, errno or stack', async (t) => {
  // The user's namespace directory cannot be created: a file took its place.
  await mkdir(path.join(server.dataDir, 'uploads'), { recursive: true });
  await writeFile(path.join(server.dataDir, 'uploads', 'broken'), 'not a directory');
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(await tokenFor('broken'), { 'Upload-Length': '4', 'Upload-Metadata': `filetype ${b64('image/png')}` }),
  });
  assertHeaders(t, res, 'tus 500');
  await assertCleanError(t, res, 500, 'INTERNAL', [server.dataDir, 'ENOTDIR', 'EEXIST', 'uploads/broken']);
  const logged = await server.waitForLog((l) => l.msg === 'tus request failed' && l.requestId === res.headers.get('x-request-id'));
  t.regex(JSON.stringify(logged.err), /EEXIST|ENOTDIR/, 'the detail is in the server log instead');
});

test('a real 500 from a JSON route (a corrupt status record) exposes no path, parser message or stack', async (t) => {
  const id = 'c0ffee'.padEnd(32, '0');
  await mkdir(path.join(server.dataDir, 'status'), { recursive: true });
  await writeFile(path.join(server.dataDir, 'status', `${id}.json`), '{"uploadId": "c0ffee", truncated');
  const res = await fetch(`${server.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${token}` } });
  assertHeaders(t, res, 'api 500');
  await assertCleanError(t, res, 500, 'INTERNAL', [server.dataDir, 'JSON', 'truncated', 'status/']);
  t.like(JSON.parse(JSON.stringify(await server.waitForLog((l) => l.msg === 'request failed' && l.requestId === res.headers.get('x-request-id')))), {
    err: { type: 'SyntaxError' },
  });
});
