import test, { type ExecutionContext } from 'ava';
import { b64, startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';

// Tokens belong in the Authorization header only: URLs end up in logs, proxies and browser history.
let server: TestServer;
let alice: string;
let mallory: string;
let upload: string;
test.before(async () => {
  server = await startServer();
  [alice, mallory] = await Promise.all([tokenFor('alice'), tokenFor('mallory')]);
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(alice, { 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/png')}` }),
  });
  upload = res.headers.get('location')!;
});
test.after.always(async () => {
  await server?.stop();
});

const PARAMS = ['token', 'access_token', 'jwt', 'auth', 'authorization', 'bearer'];

async function assert401(t: ExecutionContext, res: Response, label: string) {
  t.is(res.status, 401, label);
  t.is(res.headers.get('www-authenticate'), 'Bearer', label);
  // HEAD answers carry no body: the status is the whole answer.
  if (!label.startsWith('HEAD')) t.like(await res.json(), { error: { code: 'UNAUTHENTICATED' } }, label);
}

test('a valid token in the query string is refused on tus and API routes (401)', async (t) => {
  const id = upload.split('/').pop()!;
  for (const param of PARAMS) {
    const q = `?${param}=${encodeURIComponent(alice)}`;
    const bare = { 'Tus-Resumable': '1.0.0' };
    await assert401(t, await fetch(`${server.url}/files/${q}`, { method: 'POST', headers: { ...bare, 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/png')}` } }), `POST ${param}`);
    await assert401(t, await fetch(`${upload}${q}`, { method: 'HEAD', headers: bare }), `HEAD ${param}`);
    const patch = await fetch(`${upload}${q}`, { method: 'PATCH', headers: { ...bare, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }, body: Buffer.from('0123456789') });
    await assert401(t, patch, `PATCH ${param}`);
    await assert401(t, await fetch(`${server.url}/api/files${q}`), `GET /api/files ${param}`);
    await assert401(t, await fetch(`${server.url}/api/files/${id}${q}`), `GET /api/files/:id ${param}`);
    // Where a browser's EventSource cannot set headers, query tokens are most tempting: still refused.
    await assert401(t, await fetch(`${server.url}/api/files/${id}/events${q}`), `GET events ${param}`);
  }
  const head = await fetch(upload, { method: 'HEAD', headers: tusHeaders(alice) });
  t.is(head.headers.get('upload-offset'), '0', 'no refused PATCH wrote anything');
});

test("a query token never overrides the header's user", async (t) => {
  const res = await fetch(`${server.url}/files/?token=${mallory}&access_token=${mallory}`, {
    method: 'POST',
    headers: tusHeaders(alice, { 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/png')}` }),
  });
  t.is(res.status, 201);
  const url = res.headers.get('location')!;
  t.is((await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) })).status, 200, "the upload is alice's");
  t.is((await fetch(url, { method: 'HEAD', headers: tusHeaders(mallory) })).status, 404);
});

test('tokens sent in a query string are not written to the logs', async (t) => {
  const marker = await tokenFor('logged-user');
  await fetch(`${server.url}/api/files?access_token=${marker}&limit=5`);
  await fetch(`${server.url}/files/?token=${marker}`, { method: 'POST', headers: { 'Tus-Resumable': '1.0.0' } });
  const lines = await Promise.all([
    server.waitForLog((l) => typeof l.url === 'string' && l.url.startsWith('/api/files?access_token=')),
    server.waitForLog((l) => typeof l.url === 'string' && l.url.startsWith('/files/?token=')),
  ]);
  t.deepEqual(lines.map((l) => l.url), ['/api/files?access_token=REDACTED&limit=5', '/files/?token=REDACTED']);
  t.false(JSON.stringify(server.logs).includes(marker));
});
