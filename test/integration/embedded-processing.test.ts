import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { fakeExe, jpegWithGps } from '../helpers/media.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { tusUpload } from '../helpers/tus-client.ts';

let server: TestServer;
test.before(async () => {
  server = await startServer({ IMAGE_AVIF_EFFORT: '0' }); // embedded: file store, in-process queue and processor, no clamd
});
test.after.always(() => server?.stop());

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

async function statusOf(uploadId: string, timeoutMs = 30_000): Promise<{ status: string; reason?: string; manifest?: { scan: string; variants: { key: string }[] } }> {
  const file = path.join(server.dataDir, 'status', `${uploadId}.json`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const raw = await readFile(file, 'utf8').catch(() => undefined);
    const status = raw ? JSON.parse(raw) : undefined;
    if (status && ['ready', 'rejected', 'failed'].includes(status.status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no final status for ${uploadId}`);
}

test('embedded mode says loudly that nothing is scanned', (t) => {
  t.truthy(server.logs.find((l) => l.level === 40 && /NO VIRUS SCANNER/.test(l.msg)));
  t.truthy(server.logs.find((l) => l.msg === 'processor running in-process'));
});

test('npm start alone processes an upload: variants on disk, marked not-scanned', async (t) => {
  const token = await tokenFor('emma');
  const { url } = await tusUpload(await jpegWithGps(800, 600), { endpoint: server.url, token, metadata: { filename: 'a.jpg', filetype: 'image/jpeg' } });
  const status = await statusOf(idOf(url));
  t.is(status.status, 'ready');
  t.is(status.manifest?.scan, 'not-scanned');
  t.is(status.manifest?.variants.length, 6);
  for (const v of status.manifest!.variants) {
    t.true((await stat(path.join(server.dataDir, 'processed', v.key))).size > 0);
    const served = await fetch(`${server.url}/${v.key}`);
    t.is(served.status, 200, 'the server delivers processed files itself in embedded mode');
    t.is(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  }
  t.is((await readdir(path.join(server.dataDir, 'outbox'))).filter((f) => f.endsWith('.json')).length, 0, 'the event left the outbox once handled');
});

test('embedded mode quarantines rejected files on disk', async (t) => {
  const token = await tokenFor('emma');
  const { url } = await tusUpload(fakeExe(), { endpoint: server.url, token, metadata: { filename: 'x.jpg', filetype: 'image/jpeg' } });
  const uploadId = idOf(url);
  t.like(await statusOf(uploadId), { status: 'rejected', reason: 'type-not-allowed' });
  t.true((await stat(path.join(server.dataDir, '.quarantine', 'emma', uploadId))).isFile());
  await t.throwsAsync(stat(path.join(server.dataDir, 'uploads', 'emma', uploadId)), { code: 'ENOENT' });
});
