/**
 * Direct uploads to S3 with a presigned PUT or a POST policy, against the real
 * Ceph RGW: what the store refuses by itself (signature, policy, expiry), what
 * the server refuses when it issues a URL, and what it re-checks when the
 * upload is confirmed, whatever the store let through.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { Redis } from 'ioredis';
import { eventCollector } from '../helpers/amqp.ts';
import { apiClient, type ErrorBody, postForm, putObject } from '../helpers/presign.ts';
import { createBucket, listKeys, objectDigest, testS3Client } from '../helpers/s3.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, dropRedisPrefix, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, sha256 } from '../helpers/tus-client.ts';

const s3 = testS3Client();
const bucket = uniqueBucket('ums-direct');
const MAX = 2_000_000;
const redisPrefix = `d${Date.now().toString(36)}:`;
let server: TestServer;
let events: Awaited<ReturnType<typeof eventCollector>>;

test.before(async () => {
  await createBucket(s3, bucket);
  const amqp = await amqpVhost('direct');
  events = await eventCollector('direct', 'upload.completed', amqp);
  server = await startServer({
    ...s3Env(bucket),
    AMQP_URL: amqp,
    REDIS_URL: serviceEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: redisPrefix,
    MAX_UPLOAD_SIZE: String(MAX),
  });
});
test.after.always(async () => {
  await Promise.all([server?.stop(), events?.close()]);
  await dropRedisPrefix(new Redis(serviceEnv('REDIS_URL')), redisPrefix);
});

const api = async (user: string, claims: { maxSize?: number; allowedTypes?: string[] } = {}) => apiClient(server, await tokenFor(user, claims));
const errorCode = (body: unknown) => (body as ErrorBody).error.code;
const withoutRequestId = (body: unknown) => {
  const { requestId: _, ...error } = (body as ErrorBody & { error: { requestId?: string } }).error;
  return error;
};
/** Writes straight to the bucket, as a store that ignored the URL's conditions would have let a client do. */
const writeDirectly = (key: string, body: Buffer, type: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: type }));

test('a presigned PUT lands at the user key; confirming verifies it and emits one upload.completed', async (t) => {
  const alice = await api('alice');
  const data = randomFile(123_456);
  const issued = await alice.uploadUrl({ filename: 'cat.png', type: 'image/png', size: data.length });
  t.is(issued.status, 200);
  const { id, key, method, url, headers, expiresAt } = issued.body;
  t.regex(id, /^[0-9a-f]{32}$/);
  t.is(key, `alice/${id}`);
  t.is(method, 'PUT');
  t.deepEqual(headers, { 'Content-Type': 'image/png', 'If-None-Match': '*' });
  t.true(Math.abs(Date.parse(expiresAt) - Date.now() - 300_000) < 10_000, 'expires after the default 5 minutes');
  t.is(new URL(url).searchParams.get('X-Amz-SignedHeaders'), 'content-length;content-type;host;if-none-match');
  t.is(new URL(url).pathname, `/${bucket}/alice/${id}`);

  t.is((await putObject(url, data, headers)).status, 200);
  const confirmations = await Promise.all([alice.confirm(id), alice.confirm(id), alice.confirm(id)]);
  for (const c of confirmations) t.is(c.status, 200);
  t.like(confirmations[0]!.body, { id, status: 'completed', size: data.length, type: 'image/png' });
  t.deepEqual(confirmations[1]!.body, confirmations[0]!.body);
  t.deepEqual((await alice.confirm(id)).body, confirmations[0]!.body, 'a later confirmation answers the same');

  const [event] = await events.waitFor((e) => e.uploadId === id);
  t.like(event, {
    type: 'upload.completed',
    source: 'presigned',
    userId: 'alice',
    size: data.length,
    declaredType: 'image/png',
    filename: 'cat.png',
    location: { kind: 's3', bucket, key: `alice/${id}` },
  });
  await new Promise((r) => setTimeout(r, 500));
  t.is(events.received.filter((r) => r.event.uploadId === id).length, 1, 'one event for four confirmations');
  t.is((await objectDigest(s3, bucket, key)).sha256, sha256(data));

  // The URL created the object once: replacing the verified bytes with others of the same size and type is refused.
  const swapped = await putObject(url, randomFile(data.length), headers);
  t.is(swapped.status, 412);
  t.is(swapped.code, 'PreconditionFailed');
  t.is((await putObject(url, randomFile(data.length), { 'Content-Type': 'image/png' })).status, 403, 'and the condition cannot be left out');
  t.is((await objectDigest(s3, bucket, key)).sha256, sha256(data), 'the stored bytes are still the ones confirmed');
});

test('an upload settled by a confirmation that died before recording its event is recorded by a later confirmation', async (t) => {
  const alice = await api('alice');
  const data = randomFile(2000);
  const { body: put } = await alice.uploadUrl({ type: 'image/png', size: data.length });
  t.is((await putObject(put.url, data, put.headers)).status, 200);
  // What such a confirmation leaves behind (a crash cannot be timed between two lines): the outcome, and no event.
  const redis = new Redis(serviceEnv('REDIS_URL'));
  t.teardown(() => redis.disconnect());
  const completedAt = new Date(Date.now() - 60_000).toISOString();
  await redis.set(`${redisPrefix}direct:${put.id}:outcome`, JSON.stringify({ status: 'completed', size: data.length, type: 'image/png', completedAt }));

  const confirmed = await alice.confirm(put.id);
  t.is(confirmed.status, 200);
  t.like(confirmed.body, { id: put.id, status: 'completed', completedAt });
  const [event] = await events.waitFor((e) => e.uploadId === put.id);
  t.like(event, { type: 'upload.completed', source: 'presigned', size: data.length });
  t.is((await alice.confirm(put.id)).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  t.is(events.received.filter((r) => r.event.uploadId === put.id).length, 1, 'recorded once, not on every later confirmation');
});

test('the store refuses a PUT with another type, another size, or to another key', async (t) => {
  const alice = await api('alice');
  const data = randomFile(10_000);
  const { body: issued } = await alice.uploadUrl({ type: 'image/jpeg', size: data.length });
  const refusals = {
    'another content type': await putObject(issued.url, data, { ...issued.headers, 'Content-Type': 'image/png' }),
    'a larger body': await putObject(issued.url, randomFile(data.length + 1), issued.headers),
    'a smaller body': await putObject(issued.url, data.subarray(1), issued.headers),
    "another user's prefix": await putObject(issued.url.replace(`/alice/${issued.id}`, `/bob/${issued.id}`), data, issued.headers),
    'another key of the same user': await putObject(issued.url.replace(issued.id, '0'.repeat(32)), data, issued.headers),
  };
  for (const [what, result] of Object.entries(refusals)) {
    t.is(result.status, 403, what);
    t.is(result.code, 'SignatureDoesNotMatch', what);
  }
  t.deepEqual(await listKeys(s3, bucket, 'bob/'), []);
  t.deepEqual(await listKeys(s3, bucket, `alice/${'0'.repeat(32)}`), []);
  t.is((await alice.confirm(issued.id)).status, 409, 'nothing arrived');
});

test('an expired URL is refused by the store', async (t) => {
  const short = await startServer({ ...s3Env(bucket), PRESIGN_EXPIRES_SECONDS: '1' });
  t.teardown(() => short.stop());
  const alice = apiClient(short, await tokenFor('alice'));
  const data = randomFile(1000);
  const { body: put } = await alice.uploadUrl({ type: 'image/png', size: data.length });
  const { body: form } = await alice.formUpload({ type: 'image/png', size: data.length });
  await new Promise((r) => setTimeout(r, 2500));
  const expired = await putObject(put.url, data, put.headers);
  t.is(expired.status, 403);
  t.is(expired.code, 'AccessDenied');
  const expiredForm = await postForm(form, data);
  t.is(expiredForm.status, 403);
  t.is(expiredForm.code, 'AccessDenied');
  t.deepEqual(await listKeys(s3, bucket, `alice/${put.id}`), []);
});

test('the server refuses URLs for types and sizes outside the limits, narrowed by the token', async (t) => {
  const alice = await api('alice');
  const narrow = await api('alice', { maxSize: 1000, allowedTypes: ['image/png'] });
  const cases: [string, Awaited<ReturnType<typeof alice.uploadUrl>>, number, string][] = [
    ['type not allowed', await alice.uploadUrl({ type: 'text/html', size: 10 }), 415, 'TYPE_NOT_ALLOWED'],
    ['not a MIME type', await alice.uploadUrl({ type: 'png', size: 10 }), 415, 'TYPE_NOT_ALLOWED'],
    ['over MAX_UPLOAD_SIZE', await alice.uploadUrl({ type: 'image/png', size: MAX + 1 }), 413, 'UPLOAD_TOO_LARGE'],
    ['over the token max_size', await narrow.uploadUrl({ type: 'image/png', size: 1001 }), 413, 'UPLOAD_TOO_LARGE'],
    ['outside the token allowed_types', await narrow.uploadUrl({ type: 'image/jpeg', size: 10 }), 415, 'TYPE_NOT_ALLOWED'],
    ['no type', await alice.uploadUrl({ size: 10 }), 400, 'VALIDATION_FAILED'],
    ['no size', await alice.uploadUrl({ type: 'image/png' }), 400, 'VALIDATION_FAILED'],
    ['empty file', await alice.uploadUrl({ type: 'image/png', size: 0 }), 400, 'VALIDATION_FAILED'],
    ['unknown method', await alice.uploadUrl({ type: 'image/png', size: 10, method: 'DELETE' }), 400, 'VALIDATION_FAILED'],
  ];
  for (const [what, res, status, code] of cases) {
    t.is(res.status, status, what);
    t.is(errorCode(res.body), code, what);
  }
  t.is((await narrow.uploadUrl({ type: 'image/png', size: 1000 })).status, 200, 'at the limit is fine');
  const anonymous = await fetch(`${server.url}/api/upload-url?type=image/png&size=10`);
  t.is(anonymous.status, 401);
});

test('confirmation re-checks the stored object: missing, larger, other type, over the limit, not allowed', async (t) => {
  const alice = await api('alice');
  const narrow = await api('alice', { maxSize: 1000 });
  const issue = async (client: typeof alice, type: string, size: number) => (await client.uploadUrl({ type, size })).body;

  const missing = await issue(alice, 'image/png', 100);
  const res = await alice.confirm(missing.id);
  t.is(res.status, 409);
  t.is(errorCode(res.body), 'UPLOAD_NOT_RECEIVED');

  const cases: [string, Awaited<ReturnType<typeof issue>>, Buffer, string, number, string][] = [
    ['larger than declared', await issue(alice, 'image/png', 100), randomFile(150), 'image/png', 422, 'UPLOAD_MISMATCH'],
    ['smaller than declared', await issue(alice, 'image/png', 100), randomFile(50), 'image/png', 422, 'UPLOAD_MISMATCH'],
    ['another allowed type', await issue(alice, 'image/png', 100), randomFile(100), 'image/jpeg', 422, 'UPLOAD_MISMATCH'],
    ['a type not allowed', await issue(alice, 'image/png', 100), randomFile(100), 'text/html', 415, 'TYPE_NOT_ALLOWED'],
    ['over the token limit', await issue(narrow, 'image/png', 1000), randomFile(1500), 'image/png', 413, 'UPLOAD_TOO_LARGE'],
  ];
  for (const [what, issued, body, type, status, code] of cases) {
    await writeDirectly(issued.key, body, type);
    const first = await alice.confirm(issued.id);
    t.is(first.status, status, what);
    t.is(errorCode(first.body), code, what);
    t.deepEqual(await listKeys(s3, bucket, issued.key), [], `${what}: the object was deleted`);
    await writeDirectly(issued.key, body, type); // the URL is still valid: the same again
    const again = await alice.confirm(issued.id);
    t.is(again.status, status, `${what}: the same answer again`);
    t.deepEqual(withoutRequestId(again.body), withoutRequestId(first.body));
    t.deepEqual(await listKeys(s3, bucket, issued.key), [], `${what}: deleted again`);
  }
  await new Promise((r) => setTimeout(r, 300));
  t.false(events.received.some((r) => cases.some(([, issued]) => issued.id === r.event.uploadId)), 'no event for a rejected object');
});

test("another user cannot confirm, or learn about, someone's upload", async (t) => {
  const [alice, bob] = await Promise.all([api('alice'), api('bob')]);
  const data = randomFile(100);
  const { body: issued } = await alice.uploadUrl({ type: 'image/png', size: data.length });
  await putObject(issued.url, data, issued.headers);
  const res = await bob.confirm(issued.id);
  t.is(res.status, 404);
  t.is(errorCode(res.body), 'NOT_FOUND');
  t.is((await bob.confirm('not-an-id')).status, 400);
  t.is((await alice.confirm(issued.id)).status, 200);
});

test('a POST policy upload (HTML form): exact size and type enforced by the store, then confirmed', async (t) => {
  const alice = await api('alice');
  const data = randomFile(5000);
  const issued = await alice.formUpload({ type: 'image/webp', size: data.length, filename: 'x.webp' });
  t.is(issued.status, 200);
  const { id, key, method, url, fields } = issued.body;
  t.is(method, 'POST');
  t.is(url, `${serviceEnv('S3_ENDPOINT')}/${bucket}`);
  t.like(fields, { key, 'Content-Type': 'image/webp', bucket });
  const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString()) as { conditions: unknown[] };
  t.deepEqual(policy.conditions[0], ['content-length-range', data.length, data.length]);

  const larger = await postForm(issued.body, randomFile(data.length + 1));
  t.is(larger.status, 400);
  t.is(larger.code, 'EntityTooLarge');
  const smaller = await postForm(issued.body, data.subarray(1));
  t.is(smaller.status, 400);
  t.is(smaller.code, 'EntityTooSmall');
  const otherType = await postForm(issued.body, data, { 'Content-Type': 'text/html' });
  t.is(otherType.status, 403);
  t.is(otherType.code, 'AccessDenied');
  t.deepEqual(await listKeys(s3, bucket, key), []);

  t.is((await postForm(issued.body, data)).status, 204);
  t.like((await alice.confirm(id)).body, { id, status: 'completed', size: data.length, type: 'image/webp' });
  t.is((await objectDigest(s3, bucket, key)).sha256, sha256(data));
  const [event] = await events.waitFor((e) => e.uploadId === id);
  t.like(event, { source: 'presigned', filename: 'x.webp', declaredType: 'image/webp' });
});

test('POST /api/upload-url takes an urlencoded form too; request bodies are bounded', async (t) => {
  const token = await tokenFor('alice');
  const post = (body: string, type: string) =>
    fetch(`${server.url}/api/upload-url`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
  const form = await post('type=image%2Fpng&size=42&filename=a.png', 'application/x-www-form-urlencoded');
  t.is(form.status, 200);
  t.like(await form.json(), { method: 'PUT', headers: { 'Content-Type': 'image/png' } });

  const huge = await post(JSON.stringify({ type: 'image/png', size: 42, filename: 'x'.repeat(20_000) }), 'application/json');
  t.is(huge.status, 413);
  t.is(errorCode(await huge.json()), 'BODY_TOO_LARGE');
  const broken = await post('{"type":', 'application/json');
  t.is(broken.status, 400);
  t.is(errorCode(await broken.json()), 'BAD_REQUEST');
  const text = await post('type=image/png', 'text/plain');
  t.is(text.status, 400);
  t.is(errorCode(await text.json()), 'VALIDATION_FAILED');
});

/** A reverse proxy to the S3 server that keeps the Host header, as nginx does in the compose stack. */
async function hostKeepingProxy(target: string): Promise<{ url: string; close: () => void }> {
  const upstream = new URL(target);
  const proxy = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

test('URLs are signed for S3_PUBLIC_ENDPOINT: they work through it, and not at the internal address; never with SDK checksums', async (t) => {
  const proxy = await hostKeepingProxy(serviceEnv('S3_ENDPOINT'));
  t.teardown(proxy.close);
  // WHEN_SUPPORTED makes the SDK add checksums to what it sends; presigned URLs must not carry one (of an empty body).
  const behind = await startServer({ ...s3Env(bucket), S3_PUBLIC_ENDPOINT: proxy.url, S3_CHECKSUM_MODE: 'WHEN_SUPPORTED' });
  t.teardown(() => behind.stop());
  const alice = apiClient(behind, await tokenFor('alice'));
  const data = randomFile(3000);
  const { body: put } = await alice.uploadUrl({ type: 'image/png', size: data.length });
  t.true(put.url.startsWith(`${proxy.url}/${bucket}/alice/`));
  t.false([...new URL(put.url).searchParams.keys()].some((name) => /checksum/i.test(name)), put.url);
  const internal = put.url.replace(proxy.url, serviceEnv('S3_ENDPOINT'));
  t.is((await putObject(internal, data, put.headers)).code, 'SignatureDoesNotMatch', 'the signature covers the public host');
  t.is((await putObject(put.url, data, put.headers)).status, 200);
  const { body: form } = await alice.formUpload({ type: 'image/png', size: data.length });
  t.is(form.url, `${proxy.url}/${bucket}`);
  t.is((await postForm(form, data)).status, 204);
  // The server itself still talks to S3 at S3_ENDPOINT.
  t.is((await alice.confirm(put.id)).status, 200);
  t.is((await alice.confirm(form.id)).status, 200);
});

test('without S3 storage, direct uploads answer 501 with the catalogue error', async (t) => {
  const embedded = await startServer();
  t.teardown(() => embedded.stop());
  const alice = apiClient(embedded, await tokenFor('alice'));
  for (const res of [await alice.uploadUrl({ type: 'image/png', size: 10 }), await alice.createMultipart({ type: 'image/png', size: 10 }), await alice.confirm('0'.repeat(32))]) {
    t.is(res.status, 501);
    t.is(errorCode(res.body), 'DIRECT_UPLOADS_UNAVAILABLE');
  }
});
