import test from 'ava';
import { jpegWithGps } from '../helpers/media.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { clamdEnv, s3Env, uniqueBucket } from '../helpers/services.ts';
import { sha256, tusUpload } from '../helpers/tus-client.ts';

// S3 mode without a CDN: variants and originals are presigned GETs straight from the store.
let server: TestServer;
test.before(async () => {
  server = await startServer({ ...s3Env(uniqueBucket('files-api')), ...clamdEnv(), IMAGE_FORMATS: 'webp', IMAGE_WIDTHS: '320' });
});
test.after.always(() => server?.stop());

test('variants and the original come from the store through presigned URLs; the original only as a download', async (t) => {
  const token = await tokenFor('lea');
  const jpeg = await jpegWithGps(800, 600);
  const { url } = await tusUpload(jpeg, { endpoint: server.url, token, metadata: { filename: 'été.jpg', filetype: 'image/jpeg' } });
  const id = new URL(url).pathname.split('/').pop()!;
  let view: { status: string; variants: { url: string; contentType: string }[]; original?: { url: string; expiresAt: string } } | undefined;
  for (let i = 0; i < 150 && view?.status !== 'ready'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    view = (await (await fetch(`${server.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as typeof view;
  }
  t.is(view?.status, 'ready');
  t.true(view!.variants.length >= 2);
  for (const v of view!.variants) {
    t.regex(v.url, /^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/);
    const res = await fetch(v.url);
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), 'image/webp');
    t.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  }
  const original = await fetch(view!.original!.url);
  t.is(original.status, 200);
  t.is(original.headers.get('content-type'), 'application/octet-stream');
  t.is(original.headers.get('content-disposition'), `attachment; filename="_t_.jpg"; filename*=UTF-8''%C3%A9t%C3%A9.jpg`);
  t.is(sha256(Buffer.from(await original.arrayBuffer())), sha256(jpeg));
  t.true(Date.parse(view!.original!.expiresAt) - Date.now() <= 300_000);
  const forged = await fetch(view!.original!.url.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'));
  t.is(forged.status, 403, 'the store refuses a forged signature');
});
