import { ListMultipartUploadsCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { type Fault, faultProxy, isUploadPart, type ProxiedRequest } from '../helpers/fault-proxy.ts';
import { createBucket, objectDigest, openMultipartUploads, testS3Client } from '../helpers/s3.ts';
import { b64, startServer, tokenFor, tusHeaders } from '../helpers/server.ts';
import { s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

// S3 failing on a part, caused for real: a fault-injecting HTTP proxy between the server and Ceph RGW.
// Nothing shared is stopped; each test has its own bucket, proxy and server.
const MB = 1024 * 1024;
const s3 = testS3Client();
const USER = 'sven';

async function stack(t: { teardown: (fn: () => Promise<unknown>) => void }, decide: (r: { method: string; url: string }, seen: readonly ProxiedRequest[]) => Fault) {
  const bucket = uniqueBucket('ums-s3fault');
  await createBucket(s3, bucket);
  const proxy = await faultProxy(serviceEnv('S3_ENDPOINT'), decide);
  // Parts of 8 MiB (the default), uploaded concurrently.
  const server = await startServer({ ...s3Env(bucket), S3_ENDPOINT: proxy.url });
  t.teardown(async () => {
    await server.stop();
    await proxy.close();
  });
  return { bucket, proxy, server, token: await tokenFor(USER) };
}

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;
/** Status of each attempt at one part, in order. */
const attempts = (requests: readonly ProxiedRequest[], part: number) =>
  requests.filter((r) => isUploadPart(r) && new URLSearchParams(r.url.split('?')[1]).get('partNumber') === String(part)).map((r) => r.status ?? 'reset');

for (const fault of ['error-500', 'reset'] as const) {
  test(`one UploadPart ${fault === 'reset' ? 'cut mid-body' : 'answered 500'}: retried by the server, the upload completes in one go, byte-identical`, async (t) => {
    const s = await stack(t, (r, seen) => (isUploadPart(r) && !seen.some(isUploadPart) ? fault : 'pass'));
    const data = randomFile(12 * MB);
    const { url } = await tusUpload(data, { endpoint: s.server.url, token: s.token });
    t.is((await objectDigest(s3, s.bucket, `${USER}/${idOf(url)}`)).sha256, sha256(data));
    t.deepEqual(attempts(s.proxy.requests, 1), [fault === 'reset' ? 'reset' : 500, 200]);
    t.deepEqual(attempts(s.proxy.requests, 2), [200]);
    t.is(await openMultipartUploads(s3, s.bucket), 0, 'the multipart upload was completed');
  });
}

test('a part failing on every attempt: 503, the offset counts no part after the gap, and the upload resumes byte-identical', async (t) => {
  // Part 1 of the first PATCH fails all three attempts while parts 2 and 3 (uploaded concurrently) succeed.
  const s = await stack(t, (r, seen) => (isUploadPart(r) && /[?&]partNumber=1&/.test(r.url) && attempts(seen, 1).length < 3 ? 'error-500' : 'pass'));
  const data = randomFile(24 * MB);
  const created = await fetch(`${s.server.url}/files/`, {
    method: 'POST',
    headers: tusHeaders(s.token, { 'Upload-Length': String(data.length), 'Upload-Metadata': `filetype ${b64('application/octet-stream')}` }),
  });
  t.is(created.status, 201);
  const url = created.headers.get('location')!;
  const patch = await fetch(url, {
    method: 'PATCH',
    headers: tusHeaders(s.token, { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }),
    body: data,
  });
  t.is(patch.status, 503);
  t.like(await patch.json(), { error: { code: 'STORAGE_UNAVAILABLE' } });
  t.deepEqual(attempts(s.proxy.requests, 1), [500, 500, 500]);

  // The store really holds parts after the gap: the defect this guards against counted them as received.
  const key = `${USER}/${idOf(url)}`;
  const { Uploads } = await s3.send(new ListMultipartUploadsCommand({ Bucket: s.bucket, Prefix: key }));
  const { Parts } = await s3.send(new ListPartsCommand({ Bucket: s.bucket, Key: key, UploadId: Uploads![0]!.UploadId }));
  t.true((Parts ?? []).some((p) => p.PartNumber! > 1), `stray parts: ${JSON.stringify(Parts?.map((p) => p.PartNumber))}`);
  const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(s.token) });
  t.is(head.headers.get('upload-offset'), '0', 'nothing counts as stored before the first missing part');

  await tusUpload(data, { endpoint: s.server.url, token: s.token, uploadUrl: url });
  t.is((await objectDigest(s3, s.bucket, key)).sha256, sha256(data));
  t.is(await openMultipartUploads(s3, s.bucket), 0);
});
