import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Real headless Chromium for the end-to-end tests: Debian's `chromium` package
 * (test/services/up.sh installs it), driven by playwright-core. No browser is
 * ever downloaded. Each launch gets a fresh temporary profile from Playwright
 * (the equivalent of a new --user-data-dir), deleted when it closes.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });

export const RESULTS_DIR = path.resolve(import.meta.dirname, '../../test-results');

export type TestPage = {
  page: Page;
  /** Uncaught errors and Content-Security-Policy violations seen so far. */
  problems: () => Promise<string[]>;
  /** Saves `test-results/<name>.png`. */
  screenshot: (name: string) => Promise<string>;
  /** Limits the page's upload bandwidth (Chrome DevTools network emulation). */
  throttleUpload: (bytesPerSecond: number) => Promise<void>;
};

/**
 * A page in a context of its own (own storage: tus fingerprints do not leak
 * between tests). Closed when the test ends; on failure a screenshot is kept.
 */
export async function openPage(t: ExecutionContext, browser: Browser): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  // Init scripts run before the page's own and are not subject to its CSP.
  await page.addInitScript(
    "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  );
  await mkdir(RESULTS_DIR, { recursive: true });
  const screenshot = async (name: string) => {
    const file = path.join(RESULTS_DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  t.teardown(async () => {
    if (!t.passed) await screenshot(`failed-${t.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => {});
    await context.close();
  });
  return {
    page,
    screenshot,
    problems: async () => [...errors, ...((await page.evaluate('window.__csp')) as string[]).map((v) => `CSP violation: ${v}`)],
    throttleUpload: async (bytesPerSecond) => {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
    },
  };
}
