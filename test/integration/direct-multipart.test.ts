/**
 * Presigned multipart uploads (the protocol of @uppy/aws-s3's multipart mode)
 * against the real Ceph RGW: parallel parts, a retried part, listing parts
 * after a broken connection and resuming through another instance, the limits
 * on part numbers and sizes, verification at completion, abort.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { eventCollector } from '../helpers/amqp.ts';
import { apiClient, type ErrorBody, interruptedPut, type Part, putObject } from '../helpers/presign.ts';
import { createBucket, listKeys, objectDigest, testS3Client } from '../helpers/s3.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, sha256 } from '../helpers/tus-client.ts';

const MIB = 1024 * 1024;
const s3 = testS3Client();
const bucket = uniqueBucket('ums-multi');
let a: TestServer;
let b: TestServer;
let events: Awaited<ReturnType<typeof eventCollector>>;

test.before(async () => {
  await createBucket(s3, bucket);
  const amqp = await amqpVhost('multipart');
  events = await eventCollector('multipart', 'upload.completed', amqp);
  // Two instances sharing Redis, as behind a load balancer.
  const env = { ...s3Env(bucket), AMQP_URL: amqp, REDIS_URL: serviceEnv('REDIS_URL'), REDIS_KEY_PREFIX: `m${Date.now().toString(36)}:` };
  [a, b] = await Promise.all([startServer(env), startServer(env)]);
});
test.after.always(async () => {
  await Promise.all([a?.stop(), b?.stop(), events?.close()]);
});

const client = async (server: TestServer, user = 'alice') => apiClient(server, await tokenFor(user));
const errorCode = (body: unknown) => (body as ErrorBody).error.code;
const slices = (data: Buffer, partSize: number) =>
  Array.from({ length: Math.ceil(data.length / partSize) }, (_, i) => ({ number: i + 1, body: data.subarray(i * partSize, (i + 1) * partSize) }));

/** Signs and PUTs one part, as Uppy's signPart + upload does; answers its PartNumber and ETag. */
async function sendPart(api: Awaited<ReturnType<typeof client>>, id: string, part: { number: number; body: Buffer }): Promise<Part> {
  const signed = await api.signPart(id, part.number, part.body.length);
  if (signed.status !== 200) throw new Error(`signing part ${part.number}: ${signed.status} ${JSON.stringify(signed.body)}`);
  const res = await putObject(signed.body.url, part.body);
  if (res.status !== 200 || !res.etag) throw new Error(`part ${part.number}: ${res.status} ${res.code}`);
  return { PartNumber: part.number, ETag: res.etag };
}

test('a 40 MB file in parallel parts, one part retried after a broken connection, completes once', async (t) => {
  const alice = await client(a);
  const data = randomFile(40_000_000);
  const created = await alice.createMultipart({ type: 'video/mp4', size: data.length, filename: 'clip.mp4' });
  t.is(created.status, 201);
  const { id, uploadId, key, partSize } = created.body;
  t.regex(id, /^[0-9a-f]{32}$/);
  t.is(uploadId, id, "Uppy's uploadId is our id; S3's stays on the server");
  t.is(key, `alice/${id}`);
  t.is(partSize, 8 * MIB);

  const parts = slices(data, partSize);
  t.is(parts.length, 5);
  const retried = parts[2]!;
  const uploaded = await Promise.all(
    parts.map(async (part) => {
      if (part !== retried) return sendPart(alice, id, part);
      const first = await alice.signPart(id, part.number, part.body.length);
      await interruptedPut(first.body.url, part.body, 2 * MIB);
      return sendPart(alice, id, part); // signed again, sent again
    }),
  );

  const listed = await alice.listParts(id);
  t.is(listed.status, 200);
  t.deepEqual(
    listed.body.map((p) => [p.PartNumber, p.Size, p.ETag]),
    uploaded.map((p, i) => [p.PartNumber, parts[i]!.body.length, p.ETag]),
  );

  const completed = await alice.complete(id, [...uploaded].reverse());
  t.is(completed.status, 200);
  t.like(completed.body, { id, status: 'completed', size: data.length, type: 'video/mp4', location: `/api/files/${id}` });
  t.deepEqual((await alice.complete(id, uploaded)).body, completed.body, 'a retried completion answers the same');
  t.is((await objectDigest(s3, bucket, key)).sha256, sha256(data));

  const [event] = await events.waitFor((e) => e.uploadId === id);
  t.like(event, { source: 'presigned', userId: 'alice', size: data.length, declaredType: 'video/mp4', filename: 'clip.mp4', location: { kind: 's3', bucket, key } });
  await new Promise((r) => setTimeout(r, 500));
  t.is(events.received.filter((r) => r.event.uploadId === id).length, 1);
});

test('after an interrupted upload, another instance lists the parts the store has and the upload resumes there', async (t) => {
  const [onA, onB] = await Promise.all([client(a), client(b)]);
  const data = randomFile(12 * MIB);
  const { body: created } = await onA.createMultipart({ type: 'application/pdf', size: data.length });
  const [p1, p2, p3] = slices(data, 5 * MIB);
  const sent = await sendPart(onA, created.id, p1!);
  const broken = await onA.signPart(created.id, 2, p2!.body.length);
  await interruptedPut(broken.body.url, p2!.body, MIB);

  const listed = await onB.listParts(created.id);
  t.is(listed.status, 200);
  t.deepEqual(listed.body, [{ PartNumber: 1, Size: 5 * MIB, ETag: sent.ETag }], 'part 1 only: the cut part 2 is not there');

  // The same URL again, whole this time: the connection was the problem, not the URL.
  const resent = await putObject(broken.body.url, p2!.body);
  t.is(resent.status, 200);
  const last = await sendPart(onB, created.id, p3!);
  const done = await onB.complete(created.id, [sent, { PartNumber: 2, ETag: resent.etag! }, last]);
  t.is(done.status, 200);
  t.is(done.body.size, data.length);
  t.is((await objectDigest(s3, bucket, created.key)).sha256, sha256(data));
});

test('part numbers and part sizes are bounded by the declared size; the store refuses a part of another size', async (t) => {
  const alice = await client(a);
  const { body: created } = await alice.createMultipart({ type: 'image/tiff', size: 12 * MIB });
  const refused: [string, Awaited<ReturnType<typeof alice.signPart>>, number, string][] = [
    ['part 4 of a 12 MiB file (at most 3 parts of 5 MiB)', await alice.signPart(created.id, 4, MIB), 400, 'VALIDATION_FAILED'],
    ['part 0', await alice.signPart(created.id, 0, MIB), 400, 'VALIDATION_FAILED'],
    ['part 10001', await alice.signPart(created.id, 10_001, MIB), 400, 'VALIDATION_FAILED'],
    ['no size', await alice.call('GET', `/api/multipart/${created.id}/1`), 400, 'VALIDATION_FAILED'],
    ['a part larger than the file', await alice.signPart(created.id, 1, 12 * MIB + 1), 413, 'UPLOAD_TOO_LARGE'],
  ];
  for (const [what, res, status, code] of refused) {
    t.is(res.status, status, what);
    t.is(errorCode(res.body), code, what);
  }
  t.is((await alice.signPart(created.id, 1, 8 * MIB)).status, 200);
  const overshoot = await alice.signPart(created.id, 2, 8 * MIB);
  t.is(overshoot.status, 413, '8 + 8 MiB > 12 MiB');
  t.is(errorCode(overshoot.body), 'UPLOAD_TOO_LARGE');
  const signed = await alice.signPart(created.id, 2, 4 * MIB);
  t.is(signed.status, 200, '8 + 4 MiB fit');
  t.is(new URL(signed.body.url).searchParams.get('X-Amz-SignedHeaders'), 'content-length;host');
  const larger = await putObject(signed.body.url, randomFile(4 * MIB + 1));
  t.is(larger.status, 403);
  t.is(larger.code, 'SignatureDoesNotMatch');
  t.deepEqual((await alice.listParts(created.id)).body, []);
});

test('completion verifies the assembled object: fewer bytes than declared is refused and deleted', async (t) => {
  const alice = await client(a);
  const data = randomFile(9 * MIB);
  const { body: created } = await alice.createMultipart({ type: 'image/png', size: 12 * MIB });
  const parts = await Promise.all(slices(data, 5 * MIB).map((p) => sendPart(alice, created.id, p)));

  const wrongTag = await alice.complete(created.id, [parts[0]!, { ...parts[1]!, ETag: '"0123456789abcdef0123456789abcdef"' }]);
  t.is(wrongTag.status, 400);
  t.is(errorCode(wrongTag.body), 'MULTIPART_INVALID');

  const short = await alice.complete(created.id, parts);
  t.is(short.status, 422);
  t.like((short.body as unknown as ErrorBody).error, { code: 'UPLOAD_MISMATCH', details: { declaredSize: 12 * MIB, storedSize: 9 * MIB } });
  t.deepEqual(await listKeys(s3, bucket, created.key), []);
  t.is((await alice.complete(created.id, parts)).status, 422, 'and again');
  await new Promise((r) => setTimeout(r, 300));
  t.false(events.received.some((r) => r.event.uploadId === created.id));
});

test('abort removes the upload and its parts; only the owner can touch an upload', async (t) => {
  const [alice, bob] = await Promise.all([client(a), client(a, 'bob')]);
  const { body: created } = await alice.createMultipart({ type: 'image/png', size: 6 * MIB });
  const part = await sendPart(alice, created.id, { number: 1, body: randomFile(5 * MIB) });

  for (const res of [
    await bob.listParts(created.id),
    await bob.signPart(created.id, 2, MIB),
    await bob.complete(created.id, [part]),
    await bob.abort(created.id),
  ]) {
    t.is(res.status, 404);
    t.is(errorCode(res.body), 'NOT_FOUND');
  }

  t.is((await alice.abort(created.id)).status, 204);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: created.key }));
  t.is(uploads.Uploads?.length ?? 0, 0, 'the store dropped the upload and its parts');
  t.is((await alice.listParts(created.id)).status, 404);
  t.is((await alice.abort(created.id)).status, 404);
  t.is((await alice.complete(created.id, [part])).status, 404);
});

test('without Redis, records live in memory: a single instance still completes multipart uploads', async (t) => {
  const single = await startServer(s3Env(bucket));
  t.teardown(() => single.stop());
  t.truthy(single.logs.find((l) => /direct uploads keep their state in memory/.test(l.msg)), 'the limitation is logged');
  const alice = await client(single);
  const data = randomFile(7 * MIB);
  const { body: created } = await alice.createMultipart({ type: 'image/png', size: data.length });
  const parts = await Promise.all(slices(data, 5 * MIB).map((p) => sendPart(alice, created.id, p)));
  const done = await alice.complete(created.id, parts);
  t.is(done.status, 200);
  t.is((await objectDigest(s3, bucket, created.key)).sha256, sha256(data));
});
