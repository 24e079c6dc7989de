import { readFile } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import type { MediaProcessed, MediaRejected } from '../../config/events.ts';
import { eventCollector } from '../helpers/amqp.ts';
import { animatedGif, eicar, gifJsPolyglot, jpegWithGps, realPdf, zip } from '../helpers/media.ts';
import { createBucket, getObject, listKeys, objectDigest, testS3Client } from '../helpers/s3.ts';
import { startProcessor, startServer, tokenFor, type TestProcessor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, clamdEnv, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { sha256, tusUpload } from '../helpers/tus-client.ts';

// Hostile content through the real pipeline: server → RabbitMQ (own vhost) → processor with real clamd → Ceph RGW.
const s3 = testS3Client();
const originals = uniqueBucket('ums-hostile');
const processed = `${originals}-out`;
const prefix = `h${Date.now().toString(36)}:`;
const USER = 'hana';
let server: TestServer;
let processor: TestProcessor;
let events: Awaited<ReturnType<typeof eventCollector>>;
let redis: Redis;
let token: string;

test.before(async () => {
  await Promise.all([createBucket(s3, originals), createBucket(s3, processed)]);
  const amqp = await amqpVhost('hostile');
  const env = {
    ...s3Env(originals, processed),
    AMQP_URL: amqp,
    REDIS_URL: serviceEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: prefix,
    // ZIP is allowed here, so that only the virus scan can be what rejects an infected archive.
    ALLOWED_TYPES: 'image/*,application/pdf,application/zip',
    IMAGE_AVIF_EFFORT: '0',
  };
  events = await eventCollector('hostile', '#', amqp);
  [server, processor] = await Promise.all([startServer(env), startProcessor({ ...env, ...clamdEnv() })]);
  redis = new Redis(serviceEnv('REDIS_URL'));
  token = await tokenFor(USER);
});
test.after.always(async () => {
  await Promise.all([server?.stop(), processor?.stop(), events?.close()]);
  redis?.disconnect();
});

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

async function uploadAndWait(data: Buffer, filetype: string, filename: string) {
  const { url } = await tusUpload(data, { endpoint: server.url, token, metadata: { filename, filetype } });
  const uploadId = idOf(url);
  const started = Date.now();
  const [result] = await events.waitFor((e) => e.uploadId === uploadId && e.type !== 'upload.completed', 90_000);
  return { uploadId, result: result as MediaProcessed | MediaRejected, ms: Date.now() - started };
}

type View = { status: string; reason?: string; variants: { url: string }[]; original?: { url: string } };
async function view(uploadId: string): Promise<View> {
  const res = await fetch(`${server.url}/api/files/${uploadId}`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET /api/files/${uploadId}: ${res.status}`);
  return (await res.json()) as View;
}

async function assertQuarantined(t: ExecutionContext, uploadId: string) {
  t.deepEqual(await listKeys(s3, processed, `media/${uploadId}/`), [], 'nothing reaches processed storage');
  t.deepEqual(await listKeys(s3, originals, `${USER}/${uploadId}`), [`${USER}/${uploadId}.info`], 'the original left the user namespace');
  t.deepEqual(await listKeys(s3, originals, `.quarantine/${USER}/${uploadId}`), [`.quarantine/${USER}/${uploadId}`]);
  const v = await view(uploadId);
  t.is(v.status, 'rejected');
  t.deepEqual(v.variants, []);
  t.is(v.original, undefined, 'no download link for a rejected file');
}

/** Every published object is a re-encoded image that carries none of the payload; the original downloads, never renders. */
async function assertDefused(t: ExecutionContext, uploadId: string, result: MediaProcessed | MediaRejected, original: Buffer, payloads: Buffer[]) {
  t.is(result.type, 'media.processed', JSON.stringify(result));
  const { manifest } = result as MediaProcessed;
  t.true(manifest.variants.length > 0);
  for (const v of manifest.variants) {
    t.regex(v.contentType, /^image\/(webp|avif)$/, `${v.key} is re-encoded`);
    const { body } = await getObject(s3, processed, v.key);
    for (const payload of payloads) t.false(body.includes(payload), `${v.key} carries no ${JSON.stringify(payload.toString('latin1').slice(0, 12))}`);
    t.is((await sharp(body).metadata()).format, v.format === 'avif' ? 'heif' : 'webp');
  }
  const { original: link } = await view(uploadId);
  const res = await fetch(link!.url);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/octet-stream');
  t.regex(res.headers.get('content-disposition') ?? '', /^attachment/, 'the original is a download, never inline');
  t.is(sha256(Buffer.from(await res.arrayBuffer())), sha256(original), 'the original itself is kept untouched');
}

test('EICAR inside a ZIP (allowed type) is rejected by the scan and quarantined; the same ZIP without it passes', async (t) => {
  const infected = zip({ 'readme.txt': Buffer.from('hello'), 'tools/eicar.com': eicar() });
  t.false(infected.includes(eicar()), 'the archive is deflated: only a scanner that unpacks it sees EICAR');
  const bad = await uploadAndWait(infected, 'application/zip', 'archive.zip');
  t.like(bad.result, { type: 'media.rejected', reason: 'infected' });
  t.regex((bad.result as MediaRejected).detail, /Eicar/i);
  await assertQuarantined(t, bad.uploadId);

  const clean = await uploadAndWait(zip({ 'readme.txt': Buffer.from('hello') }), 'application/zip', 'clean.zip');
  t.like(clean.result, { type: 'media.processed', manifest: { detectedType: 'application/zip', scan: 'clean' } });
});

test('a JPEG with an HTML/JS payload appended: variants are re-encoded without it; the original is only a download', async (t) => {
  const marker = Buffer.from("<html><body><script>alert('JPEG-POLYGLOT-51c0')</script></body></html>");
  const polyglot = Buffer.concat([await jpegWithGps(400, 300), marker]);
  const { uploadId, result } = await uploadAndWait(polyglot, 'image/jpeg', 'photo.jpg');
  await assertDefused(t, uploadId, result, polyglot, [Buffer.from('JPEG-POLYGLOT-51c0'), Buffer.from('<script')]);
});

test('a JPEG with a ZIP appended: variants carry no archive', async (t) => {
  const archive = zip({ 'payload.js': Buffer.from("console.log('ZIP-POLYGLOT-9d2e')") });
  const polyglot = Buffer.concat([await jpegWithGps(400, 300), archive]);
  const { uploadId, result } = await uploadAndWait(polyglot, 'image/jpeg', 'photo.jpg');
  await assertDefused(t, uploadId, result, polyglot, [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('payload.js')]);
});

test('a GIF that is also valid JavaScript: variants are re-encoded without the script', async (t) => {
  const polyglot = await gifJsPolyglot("alert('GIF-POLYGLOT-0b7f')");
  const { uploadId, result } = await uploadAndWait(polyglot, 'image/gif', 'anim.gif');
  await assertDefused(t, uploadId, result, polyglot, [Buffer.from('GIF-POLYGLOT-0b7f'), Buffer.from('alert(')]);
});

test('a real PDF named .jpg and declared image/jpeg is rejected as a type mismatch', async (t) => {
  const { uploadId, result } = await uploadAndWait(realPdf(), 'image/jpeg', 'scan.jpg');
  t.like(result, { type: 'media.rejected', reason: 'type-mismatch', detail: 'declared image/jpeg, detected application/pdf' });
  await assertQuarantined(t, uploadId);
});

test('a GIF with 3000 frames: only the first frame is decoded; processed in bounded time and memory', async (t) => {
  const gif = await animatedGif(3000, 64);
  t.is((await sharp(gif).metadata()).pages, 3000);
  const { uploadId, result, ms } = await uploadAndWait(gif, 'image/gif', 'long.gif');
  t.like(result, { type: 'media.processed', manifest: { detectedType: 'image/gif', width: 64, height: 64 } });
  t.true(ms < 30_000, `processed in ${ms} ms`);
  for (const v of (result as MediaProcessed).manifest.variants) {
    const meta = await sharp((await getObject(s3, processed, v.key)).body).metadata();
    t.is(meta.pages ?? 1, 1, `${v.key} is a still image`);
  }
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${processor.child.pid}/status`, 'utf8'))?.[1]);
  t.true(peakKiB < 400 * 1024, `processor peak RSS ${Math.round(peakKiB / 1024)} MiB`);
  t.is((await objectDigest(s3, originals, `${USER}/${uploadId}`)).sha256, sha256(gif));
});
