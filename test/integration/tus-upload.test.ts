import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

let server: TestServer;
test.before(async () => {
  server = await startServer();
});
test.after.always(async () => {
  await server?.stop();
});

const MB = 1024 * 1024;
const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;
const storedPath = (user: string, url: string) => path.join(server.dataDir, 'uploads', user, idOf(url));

test('a 20 MB file in 5 MB chunks arrives byte-identical on disk under the user namespace', async (t) => {
  const data = randomFile(20 * MB);
  const token = await tokenFor('alice');
  const { url } = await tusUpload(data, { endpoint: server.url, token, chunkSize: 5 * MB });
  t.regex(idOf(url), /^[0-9a-f]{32}$/);
  t.true(url.startsWith(`${server.url}/files/`));
  const stored = await readFile(storedPath('alice', url));
  t.is(stored.length, data.length);
  t.is(sha256(stored), sha256(data));

  const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
  t.is(head.status, 200);
  t.is(head.headers.get('upload-offset'), String(data.length));
  t.is(head.headers.get('cache-control'), 'no-store');
});

test('an interrupted upload resumes from the offset the server reports', async (t) => {
  const data = randomFile(12 * MB);
  const token = await tokenFor('bob');
  const first = await tusUpload(data, { endpoint: server.url, token, chunkSize: 2 * MB, abortWhen: (sent) => sent >= 5 * MB });
  t.true(first.aborted);

  const head = await fetch(first.url, { method: 'HEAD', headers: tusHeaders(token) });
  const offset = Number(head.headers.get('upload-offset'));
  t.true(offset > 0 && offset < data.length, `offset after abort: ${offset}`);

  let resumedFrom = -1;
  const second = await tusUpload(data, {
    endpoint: server.url,
    token,
    chunkSize: 2 * MB,
    uploadUrl: first.url,
    abortWhen: (sent) => {
      if (resumedFrom < 0) resumedFrom = sent;
      return false;
    },
  });
  t.is(second.url, first.url);
  t.true(resumedFrom > offset - 1, 'the client did not start again from zero');
  t.is(sha256(await readFile(storedPath('bob', first.url))), sha256(data));
});

test('termination removes an unfinished upload; a finished one cannot be terminated', async (t) => {
  const token = await tokenFor('carol');
  const data = randomFile(3 * MB);
  const unfinished = await tusUpload(data, { endpoint: server.url, token, chunkSize: 1 * MB, abortWhen: (s) => s >= 1 * MB });
  const del = await fetch(unfinished.url, { method: 'DELETE', headers: tusHeaders(token) });
  t.is(del.status, 204);
  await t.throwsAsync(stat(storedPath('carol', unfinished.url)), { code: 'ENOENT' });
  const head = await fetch(unfinished.url, { method: 'HEAD', headers: tusHeaders(token) });
  t.is(head.status, 404);

  const finished = await tusUpload(randomFile(1000), { endpoint: server.url, token });
  const refused = await fetch(finished.url, { method: 'DELETE', headers: tusHeaders(token) });
  t.is(refused.status, 400);
  t.is(((await refused.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  t.truthy(await stat(storedPath('carol', finished.url)));
});

test('creation-with-upload stores the first bytes in the POST', async (t) => {
  const token = await tokenFor('dave');
  const body = randomFile(1000);
  const res = await fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(token, {
      'Upload-Length': '1000',
      'Upload-Metadata': `filetype ${Buffer.from('application/octet-stream').toString('base64')}`,
      'Content-Type': 'application/offset+octet-stream',
    }),
    body,
  });
  t.is(res.status, 201);
  t.is(res.headers.get('upload-offset'), '1000');
  t.is(sha256(await readFile(storedPath('dave', res.headers.get('location')!))), sha256(body));
});
