/**
 * Completion through the store's own ObjectCreated notifications: `npm run
 * provision` sets up the real Ceph RGW to push them to the real RabbitMQ (a
 * vhost of this file's own), the server consumes them, verifies the object and
 * emits upload.completed, and the real processor (clamd, sharp) takes it from
 * there. Also: provisioned bucket CORS, notifications in MinIO's format, and
 * everything in the bucket that is not a pending direct upload being ignored.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetBucketCorsCommand, GetBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { Connection } from 'rabbitmq-client';
import { TOPOLOGY } from '../../config/events.ts';
import { createdObjects } from '../../server/presign/s3-event-records.ts';
import { notificationTopic } from '../../server/storage/s3-notifications.ts';
import { eventCollector } from '../helpers/amqp.ts';
import { png } from '../helpers/media.ts';
import { apiClient, type ErrorBody, putObject } from '../helpers/presign.ts';
import { createBucket, listKeys, testS3Client } from '../helpers/s3.ts';
import { startProcessor, startServer, TEST_SECRET, tokenFor, type TestProcessor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, clamdEnv, s3Env, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { randomFile, tusUpload } from '../helpers/tus-client.ts';

const s3 = testS3Client();
const bucket = uniqueBucket('ums-notify');
const processed = `${bucket}-out`;
const ORIGIN = 'https://app.example.com';
/** RGW's persistent notifications are sent by a background queue, several seconds after the upload. */
const NOTIFICATION_MS = 30_000;
let amqpUrl: string;
let server: TestServer;
let processor: TestProcessor;
let events: Awaited<ReturnType<typeof eventCollector>>;
let provisionOutput: string;

test.before(async () => {
  await Promise.all([createBucket(s3, bucket), createBucket(s3, processed)]);
  amqpUrl = await amqpVhost('store-events');
  const env = { ...s3Env(bucket, processed), AMQP_URL: amqpUrl, REDIS_URL: serviceEnv('REDIS_URL'), REDIS_KEY_PREFIX: `n${Date.now().toString(36)}:`, IMAGE_AVIF_EFFORT: '0' };
  events = await eventCollector('store-events', '#', amqpUrl);
  [server, processor] = await Promise.all([startServer({ ...env, STORE_EVENTS_QUEUE: 'media.store.server' }), startProcessor({ ...env, ...clamdEnv() })]);
  await server.waitForLog((l) => l.msg === 'store events consumer ready');
  // RGW reaches the broker as guest (RabbitMQ lets guest in from loopback): no password, see s3-notifications.ts.
  const broker = new URL(amqpUrl);
  const { stderr, stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', 'server/cli/provision-s3.ts'], {
    env: {
      PATH: process.env.PATH,
      AUTH_JWT_SECRET: TEST_SECRET,
      ...s3Env(bucket, processed),
      CORS_ORIGINS: ORIGIN,
      STORE_EVENTS_PUSH_ENDPOINT: `amqp://${broker.host}${broker.pathname}`,
    },
  });
  provisionOutput = stdout + stderr;
});
test.after.always(async () => {
  await Promise.all([server?.stop(), processor?.stop(), events?.close()]);
  // Topics belong to the RGW user, not to the bucket: remove this file's.
  const sns = new SNSClient({ endpoint: serviceEnv('S3_ENDPOINT'), region: 'us-east-1', credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! } });
  await sns.send(new DeleteTopicCommand({ TopicArn: `arn:aws:sns:default::${notificationTopic(bucket)}` })).catch(() => {});
  sns.destroy();
});

const settledLogs = (key: string) => server.logs.filter((l) => l.msg === 'direct upload settled by store notification' && l.key === key);

test('npm run provision sets the CORS rules browsers need and the RGW notification to RabbitMQ', async (t) => {
  t.regex(provisionOutput, /CORS rules set for direct uploads/);
  const { CORSRules = [] } = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  t.like(CORSRules[0], { AllowedOrigins: [ORIGIN], ExposeHeaders: ['ETag'] });
  t.deepEqual([...(CORSRules[0]?.AllowedMethods ?? [])].sort(), ['GET', 'HEAD', 'POST', 'PUT']);

  // What a browser does before a presigned PUT from the app's origin.
  const { body: issued } = await apiClient(server, await tokenFor('alice')).uploadUrl({ type: 'image/png', size: 10 });
  const preflight = (origin: string) =>
    fetch(issued.url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,if-none-match' } });
  const allowed = await preflight(ORIGIN);
  t.is(allowed.status, 200);
  t.is(allowed.headers.get('access-control-allow-origin'), ORIGIN);
  t.regex(allowed.headers.get('access-control-allow-methods') ?? '', /PUT/);
  t.is((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'), null);
  const put = await fetch(issued.url, { method: 'PUT', headers: { Origin: ORIGIN, ...issued.headers }, body: randomFile(10) });
  t.is(put.status, 200);
  t.regex(put.headers.get('access-control-expose-headers') ?? '', /ETag/i, 'Uppy reads part ETags');

  const { TopicConfigurations = [] } = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  t.like(TopicConfigurations[0], { TopicArn: `arn:aws:sns:default::${notificationTopic(bucket)}`, Events: ['s3:ObjectCreated:*'] });
});

test('an RGW notification completes a presigned upload without the client; the processor takes it from there', async (t) => {
  const alice = apiClient(server, await tokenFor('alice'));
  const image = await png(320, 200);
  const { body: issued } = await alice.uploadUrl({ type: 'image/png', size: image.length, filename: 'plan.png' });
  t.is((await putObject(issued.url, image, issued.headers)).status, 200);

  const [completed] = await events.waitFor((e) => e.uploadId === issued.id && e.type === 'upload.completed', NOTIFICATION_MS);
  t.like(completed, { source: 'presigned', userId: 'alice', size: image.length, declaredType: 'image/png', location: { kind: 's3', bucket, key: issued.key } });
  t.is(settledLogs(issued.key)[0]?.result, 'completed');
  const [result] = await events.waitFor((e) => e.uploadId === issued.id && e.type !== 'upload.completed', 60_000);
  t.is(result?.type, 'media.processed', 'scanned by clamd, rendered by sharp');

  const confirmed = await alice.confirm(issued.id);
  t.is(confirmed.status, 200, 'the client may still confirm');
  t.like(confirmed.body, { id: issued.id, status: 'completed', size: image.length });
  t.is(events.received.filter((r) => r.event.uploadId === issued.id && r.event.type === 'upload.completed').length, 1);
});

test('an object that fails verification is deleted when its notification arrives; the client then learns why', async (t) => {
  const alice = apiClient(server, await tokenFor('alice'));
  const { body: issued } = await alice.uploadUrl({ type: 'image/png', size: 100 });
  // Written past the presigned URL's conditions, as a lax store would allow.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: issued.key, Body: randomFile(5000), ContentType: 'image/png' }));
  const deadline = Date.now() + NOTIFICATION_MS;
  while (settledLogs(issued.key).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.is(settledLogs(issued.key)[0]?.result, 'rejected');
  t.deepEqual(await listKeys(s3, bucket, issued.key), []);
  const confirmed = await alice.confirm(issued.id);
  t.is(confirmed.status, 422);
  t.is((confirmed.body as unknown as ErrorBody).error.code, 'UPLOAD_MISMATCH');
  t.false(events.received.some((r) => r.event.uploadId === issued.id));
});

test("notifications in MinIO's format (URL-encoded keys) complete uploads; tus objects and stray messages are ignored", async (t) => {

  const connection = new Connection(amqpUrl);
  const publisher = connection.createPublisher({ confirm: true });
  // A queue of the test's own on the same exchange: proof that RGW did notify about the tus objects.
  const notified: string[] = [];
  const watcher = connection.createConsumer(
    { queue: `test.notified.${Date.now().toString(36)}`, queueOptions: { exclusive: true }, queueBindings: [{ exchange: TOPOLOGY.storeExchange, routingKey: '#' }] },
    async (msg) => {
      if (msg.routingKey === notificationTopic(bucket)) notified.push(...createdObjects(msg.body).map((o) => o.key)); // RGW's, not the test's own
    },
  );
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  t.teardown(async () => {
    await watcher.close();
    await publisher.close();
    await connection.close();
  });
  // First a tus upload into the same bucket: its object and .info file make notifications too.
  const { url: tusUrl } = await tusUpload(randomFile(3000), { endpoint: server.url, token: await tokenFor('carol@example.com') });
  const tusKey = `carol@example.com/${new URL(tusUrl).pathname.split('/').pop()}`;
  const carol = apiClient(server, await tokenFor('carol@example.com'));
  const data = randomFile(2000);
  const { body: issued } = await carol.uploadUrl({ type: 'application/pdf', size: data.length });
  t.is((await putObject(issued.url, data, issued.headers)).status, 200);
  const minioRecord = (key: string) => ({
    eventVersion: '2.0',
    eventSource: 'minio:s3',
    eventName: 's3:ObjectCreated:Put',
    s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), size: data.length } },
  });
  const publish = (body: unknown) => publisher.send({ exchange: TOPOLOGY.storeExchange, routingKey: 'object-created', durable: true }, body);
  await publish('not json at all');
  await publish({ hello: 'world' });
  await publish({ EventName: 's3:ObjectRemoved:Delete', Key: `${bucket}/${issued.key}`, Records: [{ ...minioRecord(issued.key), eventName: 's3:ObjectRemoved:Delete' }] });
  await publish({ EventName: 's3:ObjectCreated:Put', Key: `${bucket}/${issued.key}`, Records: [minioRecord(issued.key)] });

  const [completed] = await events.waitFor((e) => e.uploadId === issued.id, NOTIFICATION_MS);
  t.like(completed, { source: 'presigned', userId: 'carol@example.com', size: data.length });
  t.truthy(server.logs.find((l) => l.msg === 'not an S3 event notification; ignored'), 'stray messages are acked and logged');

  // By the time RGW's own notification for the PUT has come (queued after those of the tus upload), nothing else happened.
  const deadline = Date.now() + NOTIFICATION_MS;
  while (settledLogs(issued.key).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.deepEqual(
    settledLogs(issued.key).map((l) => l.result),
    ['completed', 'completed'],
    "MinIO's record first, then RGW's own: both settle the same outcome",
  );
  t.true(notified.includes(tusKey) && notified.includes(`${tusKey}.info`), `RGW notified about the tus objects: ${notified.join(', ')}`);
  t.deepEqual(server.logs.filter((l) => String(l.key ?? '').startsWith(tusKey)), [], 'the tus upload is left alone');
  t.is(events.received.filter((r) => r.event.uploadId === issued.id && r.event.type === 'upload.completed').length, 1);
  t.is(events.received.filter((r) => r.event.type === 'upload.completed' && r.event.userId === 'carol@example.com').length, 2, 'one tus, one presigned');
});
