import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { startServer, type TestServer } from '../helpers/server.ts';

// The demo's HTTP side without a browser (test/e2e drives the page itself).
let dev: TestServer;
let prod: TestServer;
let realSecret: TestServer;
test.before(async () => {
  [dev, prod, realSecret] = await Promise.all([
    // The test servers run with a real secret, so the demo must be asked for.
    startServer({ DEMO_ENABLED: 'true', CDN_BASE_URL: 'https://cdn.example.com/media-base', AUTH_CLOCK_TOLERANCE_SECONDS: '0' }),
    startServer({ NODE_ENV: 'production', SCAN_DISABLED: 'true', HOST: '127.0.0.1' }),
    startServer({ NODE_ENV: 'development' }),
  ]);
});
test.after.always(() => Promise.all([dev?.stop(), prod?.stop(), realSecret?.stop()]));

const issue = async (srv: TestServer, query: string) => fetch(`${srv.url}/demo/token?${query}`, { method: 'POST' });
const listFiles = (srv: TestServer, token: string) => fetch(`${srv.url}/api/files`, { headers: { Authorization: `Bearer ${token}` } });

test('development: /demo serves the page and its bundle with a strict CSP, nothing else of the build', async (t) => {
  for (const path of ['/demo', '/demo/']) {
    const page = await fetch(`${dev.url}${path}`);
    t.is(page.status, 200, path);
    t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
    t.regex(await page.text(), /<script type="module" src="\/demo\/app\.js"><\/script>/);
    t.is(
      page.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https://cdn.example.com blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    t.is(page.headers.get('x-content-type-options'), 'nosniff');
  }
  const js = await fetch(`${dev.url}/demo/app.js`);
  t.is(js.status, 200);
  t.is(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  t.is(js.headers.get('cache-control'), 'no-cache');
  t.is((await fetch(`${dev.url}/demo/app.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
  const again = await fetch(`${dev.url}/demo/app.js`, { headers: { 'If-None-Match': js.headers.get('etag')! } });
  t.is(again.status, 304);
  for (const path of ['/demo/build.json', '/demo/..%2Fsrc%2Fmain.ts', '/demo/index.html.tmp']) t.is((await fetch(`${dev.url}${path}`)).status, 404, path);
});

test('development: POST /demo/token issues a token the API accepts, for the asked user, that expires when asked', async (t) => {
  const res = await issue(dev, 'user=dora&ttl=4');
  t.is(res.status, 200);
  t.is(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as { token: string; userId: string; expiresAt: string };
  t.is(body.userId, 'dora');
  // `exp` is in whole seconds: between 3 and 4 s from issue.
  const left = Date.parse(body.expiresAt) - Date.now();
  t.true(left > 0 && left <= 4000, `expires in ${left} ms`);
  t.is((await listFiles(dev, body.token)).status, 200);
  await sleep(Date.parse(body.expiresAt) - Date.now() + 1100);
  const expired = await listFiles(dev, body.token);
  t.is(expired.status, 401);
  t.like(await expired.json(), { error: { code: 'TOKEN_EXPIRED' } });

  const byDefault = (await (await issue(dev, '')).json()) as { userId: string; expiresAt: string };
  t.is(byDefault.userId, 'demo');
  t.true(Math.abs(Date.parse(byDefault.expiresAt) - (Date.now() + 300_000)) < 2000, 'five minutes unless asked');
});

test('development: the token endpoint refuses bad users and lifetimes, and GET gives no token', async (t) => {
  for (const query of ['user=.hidden', 'user=a%2Fb', 'ttl=0', 'ttl=90000', 'ttl=abc']) {
    const res = await issue(dev, query);
    t.is(res.status, 400, query);
    t.like(await res.json(), { error: { code: 'VALIDATION_FAILED' } });
  }
  t.is((await fetch(`${dev.url}/demo/token`)).status, 404, 'not an asset of the page either');
});

test('production, and development with a real AUTH_JWT_SECRET unless DEMO_ENABLED: no demo, no token endpoint', async (t) => {
  for (const srv of [prod, realSecret]) {
    for (const [method, path] of [['GET', '/demo'], ['GET', '/demo/'], ['GET', '/demo/app.js'], ['POST', '/demo/token']] as const) {
      const res = await fetch(`${srv.url}${path}`, { method });
      t.is(res.status, 404, `${method} ${path}`);
      t.like(await res.json(), { error: { code: 'NOT_FOUND' } });
    }
    t.falsy(srv.logs.find((l) => l.msg === 'client demo (development only)'));
  }
  t.truthy(dev.logs.find((l) => l.msg === 'client demo (development only)' && l.url === `${dev.url}/demo`));
});
