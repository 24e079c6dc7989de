import test, { type ExecutionContext } from 'ava';
import { SignJWT } from 'jose';
import { b64, startServer, tokenFor, tusHeaders, TEST_SECRET, type TestServer } from '../helpers/server.ts';

let server: TestServer;
test.before(async () => {
  server = await startServer();
});
test.after.always(async () => {
  await server?.stop();
});

const create = (headers: Record<string, string>) =>
  fetch(`${server.url}/files/`, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '10', 'Upload-Metadata': `filetype ${b64('image/png')}`, ...headers },
  });

type ErrorJson = { error: { code: string; message: string; requestId: string } };

async function assertError(t: ExecutionContext, res: Response, status: number, code: string) {
  t.is(res.status, status);
  t.regex(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as ErrorJson;
  t.is(body.error.code, code);
  t.is(body.error.requestId, res.headers.get('x-request-id') ?? 'missing X-Request-Id');
  t.false(JSON.stringify(body).includes('    at '), 'no stack trace in the body');
}

test('no token: 401 with WWW-Authenticate', async (t) => {
  const res = await create({});
  await assertError(t, res, 401, 'UNAUTHENTICATED');
  t.is(res.headers.get('www-authenticate'), 'Bearer');
});

test('a malformed Authorization header: 401', async (t) => {
  await assertError(t, await create({ Authorization: 'Basic YWxpY2U6cHc=' }), 401, 'UNAUTHENTICATED');
  await assertError(t, await create({ Authorization: 'Bearer not-a-jwt' }), 401, 'UNAUTHENTICATED');
});

test('a token signed with another secret: 401', async (t) => {
  const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('5m')
    .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
  await assertError(t, await create({ Authorization: `Bearer ${forged}` }), 401, 'UNAUTHENTICATED');
});

test('an expired token: 401 TOKEN_EXPIRED', async (t) => {
  const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(TEST_SECRET));
  await assertError(t, await create({ Authorization: `Bearer ${expired}` }), 401, 'TOKEN_EXPIRED');
});

test('alg none and tokens without exp are refused', async (t) => {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
  await assertError(t, await create({ Authorization: `Bearer ${header}.${payload}.` }), 401, 'UNAUTHENTICATED');
  const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(new TextEncoder().encode(TEST_SECRET));
  await assertError(t, await create({ Authorization: `Bearer ${noExp}` }), 401, 'UNAUTHENTICATED');
});

test('a subject that is not path-safe is refused', async (t) => {
  const bad = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('../etc').setExpirationTime('5m')
    .sign(new TextEncoder().encode(TEST_SECRET));
  await assertError(t, await create({ Authorization: `Bearer ${bad}` }), 401, 'UNAUTHENTICATED');
});

test("another user's upload is 404 for HEAD, PATCH and DELETE, and stays intact", async (t) => {
  const alice = await tokenFor('alice');
  const mallory = await tokenFor('mallory');
  const created = await create({ Authorization: `Bearer ${alice}` });
  t.is(created.status, 201);
  const url = created.headers.get('location')!;

  // HEAD responses carry no body: the status is the whole answer.
  t.is((await fetch(url, { method: 'HEAD', headers: tusHeaders(mallory) })).status, 404);
  const patch = await fetch(url, {
    method: 'PATCH',
    headers: tusHeaders(mallory, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body: Buffer.alloc(10),
  });
  await assertError(t, patch, 404, 'NOT_FOUND');
  await assertError(t, await fetch(url, { method: 'DELETE', headers: tusHeaders(mallory) }), 404, 'NOT_FOUND');

  const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(alice) });
  t.is(head.status, 200);
  t.is(head.headers.get('upload-offset'), '0');
});

test('health and metrics need no token; metrics count uploads', async (t) => {
  t.is((await fetch(`${server.url}/healthz`)).status, 200);
  const ready = await fetch(`${server.url}/readyz`);
  t.is(ready.status, 200);
  t.like(await ready.json(), { status: 'ok', checks: { storage: { status: 'ok' }, events: { status: 'ok', queue: 'in-process' } } });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.regex(metrics, /^uploads_created_total \d+/m);
  t.regex(metrics, /http_request_duration_seconds_count\{method="POST",route="tus",status="401"\} \d+/);
});
