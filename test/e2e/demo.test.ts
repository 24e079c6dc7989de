import { randomBytes } from 'node:crypto';
import test from 'ava';
import type { Browser, Page, Request } from 'playwright-core';
import { launchChromium, openPage } from '../helpers/browser.ts';
import { eicar, jpegWithGps } from '../helpers/media.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { clamdEnv } from '../helpers/services.ts';

/**
 * The client demo in real headless Chromium against the real embedded server
 * (file store, in-process processor, the suite's clamd): uploads go through the
 * page exactly as a person's would, and the test reads the outcome from the page
 * and from the server's API.
 */

type FileView = { id: string; status: string; reason?: string; size?: number; variants: { label: string; format: string; url: string; width?: number }[] };

let server: TestServer;
let browser: Browser;
test.before(async () => {
  // No clock tolerance, so a token of a few seconds really expires mid-upload.
  [server, browser] = await Promise.all([startServer({ ...clamdEnv(), DEMO_ENABLED: 'true', IMAGE_AVIF_EFFORT: '0', AUTH_CLOCK_TOLERANCE_SECONDS: '0' }), launchChromium()]);
});
test.after.always(async () => {
  await browser?.close();
  await server?.stop();
});

const MiB = 1024 * 1024;

async function openDemo(page: Page, query: Record<string, string>): Promise<void> {
  await page.goto(`${server.url}/demo?${new URLSearchParams(query)}`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 20_000 });
}

/** Adds a file to the Dashboard and starts the upload. */
async function uploadThroughDashboard(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await page.locator('.uppy-Dashboard-input').first().setInputFiles(file);
  await page.locator('.uppy-StatusBar-actionBtn--upload').click();
}

/** The gallery card of a file, once its status is `status`; fails at once if the Dashboard reports an upload error. */
async function cardWithStatus(page: Page, filename: string, status: string, timeout = 45_000) {
  const card = page.locator(`li.file[data-filename="${filename}"]`);
  const uploadError = page.locator('.uppy-StatusBar.is-error');
  await card.and(page.locator(`[data-status="${status}"]`)).or(uploadError).waitFor({ timeout });
  if (await uploadError.isVisible()) throw new Error(`the upload failed: ${await uploadError.textContent()}`);
  return card;
}

async function viewOf(user: string, id: string): Promise<FileView> {
  const res = await fetch(`${server.url}/api/files/${id}`, { headers: { Authorization: `Bearer ${await tokenFor(user)}` } });
  return (await res.json()) as FileView;
}

function recordTus(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/files/')) seen.push(r);
  });
  return seen;
}

test('a JPEG through the Dashboard: the gallery shows its thumbnail, loaded from a processed variant', async (t) => {
  const { page, problems, screenshot } = await openPage(t, browser);
  await openDemo(page, { user: 'e2e-jpeg' });
  await uploadThroughDashboard(page, { name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(1600, 1200) });

  const card = await cardWithStatus(page, 'holiday.jpg', 'ready');
  const img = card.locator('picture img');
  await img.waitFor();
  await t.notThrowsAsync(img.evaluate((el: { complete: boolean; decode: () => Promise<void> }) => el.decode()));
  const shown = await img.evaluate((el: { currentSrc: string; naturalWidth: number; naturalHeight: number }) => ({ src: el.currentSrc, w: el.naturalWidth, h: el.naturalHeight }));

  const view = await viewOf('e2e-jpeg', (await card.getAttribute('data-id'))!);
  t.is(view.status, 'ready');
  const thumbs = view.variants.filter((v) => v.label === 'thumb');
  t.deepEqual(thumbs.map((v) => v.format).sort(), ['avif', 'webp']);
  // Chromium decodes AVIF, so the <picture> picks the AVIF source over the WebP <img> fallback.
  t.is(shown.src, `${server.url}${thumbs.find((v) => v.format === 'avif')!.url}`);
  t.deepEqual([shown.w, shown.h], [256, 256], 'the square thumbnail variant, decoded');
  t.is(await card.locator('picture source[type="image/avif"]').count(), 1);
  t.is(await card.locator('.variants a').count(), view.variants.length, 'every variant is listed');
  t.regex((await page.locator('.uppy-StatusBar').textContent()) ?? '', /Complete/);
  t.deepEqual(await problems(), []);
  await screenshot('demo-processed');
});

test('an EICAR file shows as rejected, with the reason', async (t) => {
  const { page, problems, screenshot } = await openPage(t, browser);
  await openDemo(page, { user: 'e2e-eicar' });
  await uploadThroughDashboard(page, { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: eicar() });

  const card = await cardWithStatus(page, 'invoice.pdf', 'rejected');
  t.is(await card.locator('.badge').textContent(), 'rejected');
  t.regex((await card.locator('.file-reason').textContent()) ?? '', /^Rejected: infected \(a virus scanner found malware in it\)$/);
  t.is(await card.locator('picture, .variants, .file-original').count(), 0, 'nothing of it is offered');
  t.like(await viewOf('e2e-eicar', (await card.getAttribute('data-id'))!), { status: 'rejected', reason: 'infected', variants: [] });
  t.deepEqual(await problems(), []);
  await screenshot('demo-rejected');
});

test('an upload paused in the Dashboard stops sending, and completes once resumed', async (t) => {
  const { page, problems, throttleUpload } = await openPage(t, browser);
  await openDemo(page, { user: 'e2e-pause' });
  const tus = recordTus(page);
  const data = randomBytes(8 * MiB);
  await throttleUpload(2 * MiB);
  await uploadThroughDashboard(page, { name: 'big.bin', mimeType: 'application/octet-stream', buffer: data });

  await page.locator('button[aria-label="Pause upload"]').click({ timeout: 10_000 });
  await page.locator('button[aria-label="Resume upload"]').waitFor();
  const sentWhilePausing = tus.length;
  await page.waitForTimeout(1500);
  t.is(tus.length, sentWhilePausing, 'no tus request while paused');
  t.regex((await page.locator('.uppy-StatusBar').textContent()) ?? '', /Paused/);

  await page.locator('button[aria-label="Resume upload"]').click();
  const card = await cardWithStatus(page, 'big.bin', 'ready');
  const resumed = tus.slice(sentWhilePausing);
  t.true(
    resumed.some((r) => r.method() === 'PATCH' && Number(r.headers()['upload-offset']) > 0),
    `resumed from where it stopped; requests after the pause: ${resumed.map((r) => `${r.method()} ${r.headers()['upload-offset'] ?? ''}`).join(', ')}`,
  );
  t.is(tus.filter((r) => r.method() === 'POST').length, 1, 'one upload, not a new one after the pause');
  t.like(await viewOf('e2e-pause', (await card.getAttribute('data-id'))!), { status: 'ready', size: data.length });
  t.deepEqual(await problems(), []);
});

test('a token that expires mid-upload is renewed on the 401 and the upload carries on', async (t) => {
  const { page, problems, throttleUpload } = await openPage(t, browser);
  await openDemo(page, { user: 'e2e-expiry', ttl: '2' });
  const tus = recordTus(page);
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/files/')) statuses.push(r.status());
  });
  const data = randomBytes(12 * MiB);
  // 5 MiB chunks at 2 MiB/s: each PATCH takes longer than the token lives.
  await throttleUpload(2 * MiB);
  await uploadThroughDashboard(page, { name: 'long.bin', mimeType: 'application/octet-stream', buffer: data });

  const card = await cardWithStatus(page, 'long.bin', 'ready', 60_000);
  t.true(statuses.includes(401), `the server refused the expired token at least once: ${statuses.join(', ')}`);
  t.true(Number(await page.locator('#token').getAttribute('data-refreshes')) >= 1, 'the page fetched a new token');
  const auths = new Set(tus.map((r) => r.headers().authorization));
  t.true(auths.size >= 2, 'later requests carry the new token');
  t.like(await viewOf('e2e-expiry', (await card.getAttribute('data-id'))!), { status: 'ready', size: data.length });
  t.is(await page.locator('.uppy-StatusBar-actionBtn--retry').count(), 0, 'no error for the user to retry');
  t.deepEqual(await problems(), []);
});
