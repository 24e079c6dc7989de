import test from 'ava';
import * as tus from 'tus-js-client';
import { createBucket, objectDigest, openMultipartUploads, testS3Client } from '../helpers/s3.ts';
import { startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

const MB = 1024 * 1024;
const s3 = testS3Client();
const bucket = uniqueBucket('ums-s3');
let a: TestServer;
let b: TestServer;

test.before(async () => {
  await createBucket(s3, bucket);
  // Two instances sharing Redis and S3, as behind a load balancer.
  const env = { ...s3Env(bucket), REDIS_URL: serviceEnv('REDIS_URL'), TUS_LOCK_DRAIN_TIMEOUT_MS: '1000', LOCK_ACQUIRE_TIMEOUT_MS: '8000' };
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
});
test.after.always(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;
const onServer = (server: TestServer, url: string) => `${server.url}${new URL(url).pathname}`;

test('a 60 MB upload through tus-js-client lands byte-identical in the bucket under the user prefix', async (t) => {
  const data = randomFile(60 * MB);
  const token = await tokenFor('alice');
  const { url } = await tusUpload(data, { endpoint: a.url, token, chunkSize: 16 * MB });
  const stored = await objectDigest(s3, bucket, `alice/${idOf(url)}`);
  t.is(stored.size, data.length);
  t.is(stored.sha256, sha256(data));
});

test('chunks alternating between two instances make one correct upload', async (t) => {
  const data = randomFile(26 * MB);
  const token = await tokenFor('bob');
  const hosts: string[] = [];
  const stack = new tus.DefaultHttpStack({});
  // A real tus client whose every request goes to the other instance than the one before.
  const alternating: tus.HttpStack = {
    createRequest: (method, url) => {
      const target = hosts.length % 2 === 0 ? a : b;
      const u = new URL(url);
      hosts.push(`${method} ${target.url}`);
      return stack.createRequest(method, `${target.url}${u.pathname}`);
    },
    getName: () => 'alternating',
  };
  const url = await new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint: `${a.url}/files/`,
      chunkSize: 5 * MB,
      httpStack: alternating,
      retryDelays: [],
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'big.bin', filetype: 'application/octet-stream' },
      onError: reject,
      onSuccess: () => resolve(upload.url!),
    });
    upload.start();
  });
  t.true(hosts.filter((h) => h.includes(a.url)).length >= 3 && hosts.filter((h) => h.includes(b.url)).length >= 3, hosts.join('\n'));
  const stored = await objectDigest(s3, bucket, `bob/${idOf(url)}`);
  t.is(stored.sha256, sha256(data));
});

test('an interrupted upload resumes on the other instance', async (t) => {
  const data = randomFile(24 * MB);
  const token = await tokenFor('carol');
  const first = await tusUpload(data, { endpoint: a.url, token, chunkSize: 6 * MB, abortWhen: (sent) => sent >= 12 * MB });
  t.true(first.aborted);
  const head = await fetch(onServer(b, first.url), { method: 'HEAD', headers: tusHeaders(token) });
  t.is(head.status, 200);
  const offset = Number(head.headers.get('upload-offset'));
  t.true(offset >= 6 * MB && offset < data.length, `offset ${offset}`);
  await tusUpload(data, { endpoint: b.url, token, chunkSize: 6 * MB, uploadUrl: onServer(b, first.url) });
  t.is((await objectDigest(s3, bucket, `carol/${idOf(first.url)}`)).sha256, sha256(data));
});

test('expired unfinished S3 uploads are aborted by the sweep; finished ones stay', async (t) => {
  const expiring = uniqueBucket('ums-exp');
  await createBucket(s3, expiring);
  // Long enough for both uploads to finish on a loaded CI machine, short enough to wait for.
  const server = await startServer({ ...s3Env(expiring), UPLOAD_EXPIRATION_SECONDS: '5', EXPIRY_SWEEP_INTERVAL_SECONDS: '1' });
  t.teardown(() => server.stop());
  const token = await tokenFor('gus');
  const finished = await tusUpload(randomFile(1000), { endpoint: server.url, token });
  const unfinished = await tusUpload(randomFile(12 * MB), { endpoint: server.url, token, chunkSize: 6 * MB, abortWhen: (s) => s >= 6 * MB });
  t.is(await openMultipartUploads(s3, expiring), 1);
  await server.waitForLog((l) => l.msg === 'expired uploads swept' && Number(l.expired) > 0, 20_000);
  t.is(await openMultipartUploads(s3, expiring), 0);
  t.is((await objectDigest(s3, expiring, `gus/${idOf(finished.url)}`)).size, 1000);
  const head = await fetch(unfinished.url, { method: 'HEAD', headers: tusHeaders(token) });
  t.true([404, 410].includes(head.status), `HEAD after expiry: ${head.status}`);
});
