import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { Redis } from 'ioredis';
import type { Browser, Page, Request } from 'playwright-core';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { jpegWithGps } from '../helpers/media.ts';
import { removeBucket, testS3Client } from '../helpers/s3.ts';
import { startServer, TEST_SECRET, tokenFor, type TestServer } from '../helpers/server.ts';
import { clamdEnv, dropRedisPrefix, freePort, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';

/**
 * The client demo's direct-to-storage options in real headless Chromium against
 * the real server in S3 mode and the real Ceph RGW: the bucket is provisioned
 * with `npm run provision` (CORS for the page's origin), and the page's avatar
 * picker (presigned PUT) and large-file option (@uppy/aws-s3 multipart) send
 * their bytes straight to RGW, across origins, as a person's browser would.
 */

type FileView = { id: string; status: string; size?: number; variants: { label: string; format: string; url: string }[] };

const s3 = testS3Client();
const bucket = uniqueBucket('ums-demo-s3');
const processed = `${bucket}-out`;
const S3_ORIGIN = new URL(serviceEnv('S3_ENDPOINT')).origin;
const redisPrefix = `e2es3${Date.now().toString(36)}:`;
const MiB = 1024 * 1024;
let server: TestServer;
let browser: Browser;

test.before(async () => {
  // The page's origin must be known before the server starts: CORS_ORIGINS names it, for the server and for the bucket.
  const port = await freePort();
  const env = {
    ...s3Env(bucket, processed),
    ...clamdEnv(),
    PORT: String(port),
    CORS_ORIGINS: `http://127.0.0.1:${port}`,
    REDIS_URL: serviceEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: redisPrefix,
    IMAGE_AVIF_EFFORT: '0',
    DEMO_ENABLED: 'true',
  };
  await promisify(execFile)(process.execPath, ['--import=tsx', 'server/cli/provision-s3.ts'], {
    env: { PATH: process.env.PATH, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env },
  });
  [server, browser] = await Promise.all([startServer(env), launchChromium()]);
});
test.after.always(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([removeBucket(s3, bucket), removeBucket(s3, processed)]);
  await dropRedisPrefix(new Redis(serviceEnv('REDIS_URL')), redisPrefix);
});

async function openDemo(page: Page, user: string): Promise<void> {
  await page.goto(`${server.url}/demo?user=${user}`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 20_000 });
}

/** Waits for the option's status line to say `done`; fails at once when it reports a failure or a rejection. */
async function optionStatus(page: Page, option: 'avatar' | 'large', done: RegExp, timeout = 45_000): Promise<void> {
  const status = page.locator(`#${option} .option-status`);
  const failed = /failed|rejected/i;
  await status.filter({ hasText: done }).or(status.filter({ hasText: failed })).waitFor({ timeout });
  const text = (await status.textContent()) ?? '';
  if (failed.test(text)) throw new Error(`the ${option} upload did not succeed: ${text}`);
}

async function viewOf(user: string, id: string): Promise<FileView> {
  const res = await fetch(`${server.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${await tokenFor(user)}` } });
  return (await res.json()) as FileView;
}

/** The PUTs the page sends to the object store. */
function recordStore(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).origin === S3_ORIGIN && r.method() === 'PUT') requests.push(r);
  });
  return requests;
}

/** The most requests in flight at once, from the browser's own timings (start, and end of the response). */
async function maxInFlight(requests: Request[]): Promise<number> {
  const spans = await Promise.all(
    requests.map(async (r) => {
      await (await r.response())?.finished();
      const { startTime, responseEnd } = r.timing();
      return [startTime, startTime + responseEnd];
    }),
  );
  return Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s! <= start! && start! < e!).length));
}

test('the avatar goes to RGW with a presigned PUT, is confirmed, and its processed thumbnail loads from the store', async (t) => {
  const user = 'e2e-s3-avatar';
  const { page, problems, screenshot } = await openPage(t, browser);
  await openDemo(page, user);
  t.is(await page.locator('#avatar').getAttribute('data-available'), 'true');
  const store = recordStore(page);

  await page.locator('#avatar-input').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(1200, 900) });
  await optionStatus(page, 'avatar', /^Avatar ready$/);

  const [put] = store;
  t.is(store.length, 1);
  t.regex(put!.url(), new RegExp(`^${S3_ORIGIN}/${bucket}/${user}/[0-9a-f]{32}\\?.*X-Amz-Signature=`), 'straight to the bucket');
  t.is((await put!.response())?.status(), 200);
  const id = new URL(put!.url()).pathname.split('/').pop()!;

  const avatar = page.locator('#avatar-image');
  await t.notThrowsAsync(avatar.evaluate((el: { decode: () => Promise<void> }) => el.decode()));
  t.true(await avatar.evaluate((el: { naturalWidth: number }) => el.naturalWidth > 0), 'the avatar thumbnail decoded');
  t.true((await avatar.getAttribute('src'))!.startsWith(`${S3_ORIGIN}/${processed}/`), 'a presigned GET of the processed bucket');

  const card = page.locator(`li.file[data-id="${id}"][data-status="ready"]`);
  const cardImage = card.locator('picture img');
  await t.notThrowsAsync(cardImage.evaluate((el: { decode: () => Promise<void> }) => el.decode()));
  t.deepEqual(await cardImage.evaluate((el: { naturalWidth: number; naturalHeight: number }) => [el.naturalWidth, el.naturalHeight]), [256, 256]);

  const view = await viewOf(user, id);
  t.is(view.status, 'ready');
  t.true(view.variants.some((v) => v.label === 'thumb'));
  t.deepEqual(await problems(), []);
  await screenshot('demo-s3-avatar');
});

test('a large file goes to RGW as a multipart upload, its parts in parallel, and is completed through the API', async (t) => {
  const user = 'e2e-s3-large';
  const { page, problems, screenshot, throttleUpload } = await openPage(t, browser);
  await openDemo(page, user);
  t.is(await page.locator('#large').getAttribute('data-available'), 'true');
  const store = recordStore(page);
  const data = randomBytes(18 * MiB);
  // Slowed down so that parallel parts overlap in time whatever the machine's load.
  await throttleUpload(8 * MiB);

  await page.locator('#large-input').setInputFiles({ name: 'archive.bin', mimeType: 'application/octet-stream', buffer: data });
  await optionStatus(page, 'large', /^Uploaded; processing/);

  const parts = store.map((r) => new URL(r.url()).searchParams);
  t.deepEqual(parts.map((p) => Number(p.get('partNumber'))).sort((a, b) => a - b), [1, 2, 3], '8 MiB parts');
  t.true(parts.every((p) => p.get('uploadId') && p.get('X-Amz-Signature')), 'presigned UploadPart requests');
  const parallel = await maxInFlight(store);
  t.true(parallel >= 2, `parts in parallel (at most ${parallel} at once)`);
  for (const r of store) t.is((await r.response())?.status(), 200);

  const card = page.locator('li.file[data-filename="archive.bin"]');
  await card.waitFor();
  const id = (await card.getAttribute('data-id'))!;
  const view = await viewOf(user, id);
  t.true(['pending', 'processing', 'ready'].includes(view.status), view.status);
  t.is(view.size, data.length);
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${user}/${id}` }));
  t.is(head.ContentLength, data.length, 'the whole file, assembled in the originals bucket');
  t.deepEqual(await problems(), []);
  await screenshot('demo-s3-multipart');
});

test('a paused multipart upload stops sending, and on resume asks the server which parts the store has and sends only the missing one', async (t) => {
  const user = 'e2e-s3-pause';
  const { page, problems, throttleUpload } = await openPage(t, browser);
  await openDemo(page, user);
  const store = recordStore(page);
  const listed: Request[] = [];
  page.on('request', (r) => {
    if (/\/api\/multipart\/[0-9a-f]{32}\/parts$/.test(new URL(r.url()).pathname)) listed.push(r);
  });
  // Two parts: 8 MiB and 1 MiB. Sent together at 2 MiB/s, the small one is done long before the big one.
  const data = randomBytes(9 * MiB);
  await throttleUpload(2 * MiB);
  await page.locator('#large-input').setInputFiles({ name: 'paused.bin', mimeType: 'application/octet-stream', buffer: data });

  const partOf = (r: Request) => Number(new URL(r.url()).searchParams.get('partNumber'));
  const small = await page.waitForResponse((res) => res.request().method() === 'PUT' && partOf(res.request()) === 2, { timeout: 30_000 });
  t.is(small.status(), 200);
  await page.locator('#large-pause').click();
  await page.locator('#large-pause', { hasText: 'Resume' }).waitFor();
  const sentWhilePaused = store.length;
  await page.waitForTimeout(1500); // a paused upload must stay quiet: nothing new may start meanwhile
  t.is(store.length, sentWhilePaused, 'no part request while paused');
  const bigBeforePause = store.filter((r) => partOf(r) === 1);
  t.true(bigBeforePause.length === 1 && (await bigBeforePause[0]!.response()) === null, 'the big part was cut off, never answered');

  await page.locator('#large-pause').click();
  await optionStatus(page, 'large', /^Uploaded; processing/);
  t.true(listed.length >= 1, 'on resume, the page asked the server which parts the store has');
  const okParts = [];
  for (const r of store) if ((await r.response())?.status() === 200) okParts.push(partOf(r));
  t.deepEqual(okParts.sort(), [1, 2], 'each part stored once: the small one was not sent again');
  t.is(store.filter((r) => partOf(r) === 2).length, 1);

  const id = (await page.locator('li.file[data-filename="paused.bin"]').getAttribute('data-id'))!;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${user}/${id}` }));
  t.is(head.ContentLength, data.length);
  t.deepEqual(await problems(), []);
});
