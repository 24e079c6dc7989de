import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import test, { type ExecutionContext } from 'ava';
import sharp from 'sharp';
import type { MediaProcessed, MediaRejected } from '../../config/events.ts';
import { eventCollector, publishEvent } from '../helpers/amqp.ts';
import { eicar, fakeExe, jpegWithGps, png, pngBomb, svg, truncatedJpeg } from '../helpers/media.ts';
import { createBucket, getObject, listKeys, objectDigest, testS3Client } from '../helpers/s3.ts';
import { startProcessor, startServer, tokenFor, type TestProcessor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, clamdEnv, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { sha256, tusUpload } from '../helpers/tus-client.ts';

const s3 = testS3Client();
const originals = uniqueBucket('ums-proc');
const processed = `${originals}-out`;
let server: TestServer;
let processor: TestProcessor;
let events: Awaited<ReturnType<typeof eventCollector>>;
let redis: Redis;
let token: string;
let amqpUrl: string;
const prefix = `p${Date.now().toString(36)}:`;

test.before(async () => {
  await Promise.all([createBucket(s3, originals), createBucket(s3, processed)]);
  const amqp = (amqpUrl = await amqpVhost('processor'));
  const env = {
    ...s3Env(originals, processed),
    AMQP_URL: amqp,
    REDIS_URL: serviceEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: prefix,
    ALLOWED_TYPES: 'image/*,application/pdf,text/plain',
    IMAGE_AVIF_EFFORT: '0',
  };
  events = await eventCollector('processor', '#', amqp);
  [server, processor] = await Promise.all([startServer(env), startProcessor({ ...env, ...clamdEnv() })]);
  redis = new Redis(serviceEnv('REDIS_URL'));
  token = await tokenFor('pat');
});
test.after.always(async () => {
  await Promise.all([server?.stop(), processor?.stop(), events?.close()]);
  redis?.disconnect();
});

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

async function uploadAndWait(data: Buffer, filetype: string, filename = 'file') {
  const { url } = await tusUpload(data, { endpoint: server.url, token, metadata: { filename, filetype } });
  const uploadId = idOf(url);
  const [result] = await events.waitFor((e) => e.uploadId === uploadId && e.type !== 'upload.completed', 60_000);
  const status = JSON.parse((await redis.get(`${prefix}status:${uploadId}`)) ?? 'null') as { status: string; reason?: string };
  return { uploadId, result: result as MediaProcessed | MediaRejected, status };
}

async function assertQuarantined(t: ExecutionContext, uploadId: string) {
  t.deepEqual(await listKeys(s3, processed, `media/${uploadId}/`), [], 'nothing reaches processed storage');
  t.deepEqual(await listKeys(s3, originals, `pat/${uploadId}`), [`pat/${uploadId}.info`], 'the original left the user namespace');
  t.deepEqual(await listKeys(s3, originals, `.quarantine/pat/${uploadId}`), [`.quarantine/pat/${uploadId}`]);
}

test('a JPEG with GPS EXIF yields oriented variants without any metadata, immutable and content-addressed', async (t) => {
  const jpeg = await jpegWithGps(800, 600);
  const { uploadId, result, status } = await uploadAndWait(jpeg, 'image/jpeg', 'holiday.jpg');
  t.is(result.type, 'media.processed');
  t.is(status.status, 'ready');
  const { manifest } = result as MediaProcessed;
  t.like(manifest, { detectedType: 'image/jpeg', typeMismatch: false, scan: 'clean', width: 600, height: 800 });
  // Never upscaled: 320 and the original 600 (for the 1280/2560 slots), plus the square thumbnail, in WebP and AVIF.
  t.deepEqual(manifest.variants.map((v) => `${v.label}.${v.format}`).sort(), ['thumb.avif', 'thumb.webp', 'w320.avif', 'w320.webp', 'w600.avif', 'w600.webp']);
  for (const v of manifest.variants) {
    const object = await getObject(s3, processed, v.key);
    t.is(object.cacheControl, 'public, max-age=31536000, immutable');
    t.is(object.contentType, v.contentType);
    t.regex(v.key, new RegExp(`^media/${uploadId}/[0-9a-f]{20}-${v.label}\\.${v.format}$`));
    const meta = await sharp(object.body).metadata();
    t.is(meta.exif, undefined, `${v.key} has no EXIF (so no GPS)`);
    t.is(meta.xmp, undefined);
    t.is(meta.icc, undefined);
    t.true((meta.orientation ?? 1) === 1);
    if (v.label === 'w320') t.deepEqual([meta.width, meta.height], [320, 427]);
    if (v.label === 'thumb') t.deepEqual([meta.width, meta.height], [256, 256]);
  }
  const stored = await getObject(s3, processed, `media/${uploadId}/manifest.json`);
  t.deepEqual(JSON.parse(stored.body.toString()), manifest);
  t.is((await objectDigest(s3, originals, `pat/${uploadId}`)).sha256, sha256(jpeg), 'the original is untouched');
});

test('a PNG declared as image/jpeg is processed as PNG and the mismatch recorded', async (t) => {
  const { result } = await uploadAndWait(await png(), 'image/jpeg', 'really.jpg');
  t.is(result.type, 'media.processed');
  t.like((result as MediaProcessed).manifest, { declaredType: 'image/jpeg', detectedType: 'image/png', typeMismatch: true });
});

test('EICAR is quarantined and never reaches processed storage', async (t) => {
  const { uploadId, result, status } = await uploadAndWait(eicar(), 'text/plain', 'readme.txt');
  t.like(result, { type: 'media.rejected', reason: 'infected' });
  t.regex((result as MediaRejected).detail, /Eicar/i);
  t.like(status, { status: 'rejected', reason: 'infected' });
  await assertQuarantined(t, uploadId);
});

test('an executable named .jpg is rejected by its real type', async (t) => {
  const { uploadId, result } = await uploadAndWait(fakeExe(), 'image/jpeg', 'photo.jpg');
  t.like(result, { type: 'media.rejected', reason: 'type-not-allowed', detail: 'detected application/x-msdownload' });
  await assertQuarantined(t, uploadId);
});

test('a 20000x20000 PNG bomb is rejected without decoding it', async (t) => {
  const { result } = await uploadAndWait(pngBomb(), 'image/png', 'bomb.png');
  t.like(result, { type: 'media.rejected', reason: 'too-large' });
  const rssKiB = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${processor.child.pid}/status`, 'utf8'))?.[1]);
  t.true(rssKiB < 400 * 1024, `processor peak RSS ${Math.round(rssKiB / 1024)} MiB`);
});

test('a truncated JPEG fails cleanly as corrupt', async (t) => {
  const { result, status } = await uploadAndWait(await truncatedJpeg(), 'image/jpeg', 'cut.jpg');
  t.like(result, { type: 'media.rejected', reason: 'corrupt' });
  t.is(status.status, 'rejected');
});

test('a zero-byte file is rejected as empty', async (t) => {
  const { result } = await uploadAndWait(Buffer.alloc(0), 'image/png', 'nothing.png');
  t.like(result, { type: 'media.rejected', reason: 'empty' });
});

test('SVG: never rasterised by default; a clean one is published as-is, one with a script is rejected', async (t) => {
  const clean = await uploadAndWait(svg(), 'image/svg+xml', 'logo.svg');
  t.is(clean.result.type, 'media.processed');
  const [copy] = (clean.result as MediaProcessed).manifest.variants;
  t.like(copy, { label: 'original', contentType: 'image/svg+xml', format: 'svg' });
  t.is((await getObject(s3, processed, copy!.key)).body.toString(), svg().toString());

  const evil = await uploadAndWait(svg('<script>alert(document.cookie)</script>'), 'image/svg+xml', 'evil.svg');
  t.like(evil.result, { type: 'media.rejected', reason: 'unsafe-content' });
  const handler = await uploadAndWait(svg('<rect width="10" height="10" onload="alert(1)"/>'), 'image/svg+xml', 'evil2.svg');
  t.like(handler.result, { type: 'media.rejected', reason: 'unsafe-content' });
});

test('a duplicate message gives the same result without new work or objects', async (t) => {
  const { uploadId, result } = await uploadAndWait(await png(300, 200), 'image/png', 'dup.png');
  const keys = await listKeys(s3, processed, `media/${uploadId}/`);
  const [completed] = await events.waitFor((e) => e.uploadId === uploadId && e.type === 'upload.completed');
  // The very same event (same id) again, as the broker delivers it after a lost ack.
  await publishEvent(amqpUrl, completed!);
  const announcements = () => events.received.filter((r) => r.event.id === result.id).length;
  const deadline = Date.now() + 30_000;
  while (announcements() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.is(announcements(), 2, 'the recorded result is announced again, with the same event id');
  t.deepEqual(await listKeys(s3, processed, `media/${uploadId}/`), keys);
  t.truthy(processor.logs.find((l) => l.msg === 'already processed; announcing the recorded result again' && l.uploadId === uploadId));
});
