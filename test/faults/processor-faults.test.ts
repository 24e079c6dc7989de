import test from 'ava';
import { eventCollector } from '../helpers/amqp.ts';
import { createBucket, testS3Client } from '../helpers/s3.ts';
import { startProcessor, startServer, tokenFor } from '../helpers/server.ts';
import { amqpVhost, clamdEnv, s3Env, serviceCtl, serviceEnv, uniqueBucket } from '../helpers/services.ts';
import { tusUpload } from '../helpers/tus-client.ts';
import { jpegWithGps, png } from '../helpers/media.ts';

// Fault tests stop shared services: the test command runs this folder alone, serially, after the rest.
const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

async function stack(name: string, processorEnv: Record<string, string> = {}) {
  const s3 = testS3Client();
  const originals = uniqueBucket(name);
  await Promise.all([createBucket(s3, originals), createBucket(s3, `${originals}-out`)]);
  const amqp = await amqpVhost(name);
  const env = { ...s3Env(originals), AMQP_URL: amqp, REDIS_URL: serviceEnv('REDIS_URL'), REDIS_KEY_PREFIX: `${name}${Date.now().toString(36)}:` };
  const events = await eventCollector(name, '#', amqp);
  const server = await startServer(env);
  return { env: { ...env, ...clamdEnv(), ...processorEnv }, events, server, close: () => Promise.all([server.stop(), events.close()]) };
}

test('clamd down: the file stays unpublished, never clean; processed once clamd is back', async (t) => {
  const s = await stack('clamdown');
  const processor = await startProcessor(s.env);
  t.teardown(async () => {
    await serviceCtl('up', 'clamd');
    await Promise.all([processor.stop(), s.close()]);
  });
  await serviceCtl('down', 'clamd');
  const { url } = await tusUpload(await png(), { endpoint: s.server.url, token: await tokenFor('cleo'), metadata: { filename: 'a.png', filetype: 'image/png' } });
  const uploadId = idOf(url);
  await processor.waitForLog((l) => l.msg === 'job failed; retrying later' && l.uploadId === uploadId, 30_000);
  t.false(s.events.received.some((r) => r.event.uploadId === uploadId && r.event.type !== 'upload.completed'), 'no result while clamd is down');

  await serviceCtl('up', 'clamd');
  const [result] = await s.events.waitFor((e) => e.uploadId === uploadId && e.type !== 'upload.completed', 60_000);
  t.like(result, { type: 'media.processed', manifest: { scan: 'clean' } });
});

test('a processor killed mid-job: the message is redelivered and there is exactly one result', async (t) => {
  // A large image with AVIF at the default effort keeps the job busy for seconds: long enough to kill it.
  const s = await stack('killed');
  t.teardown(s.close);
  const first = await startProcessor(s.env);
  const big = await jpegWithGps(3000, 2000);
  const { url } = await tusUpload(big, { endpoint: s.server.url, token: await tokenFor('kim'), metadata: { filename: 'big.jpg', filetype: 'image/jpeg' } });
  const uploadId = idOf(url);
  await first.waitForLog((l) => l.msg === 'processing upload' && l.uploadId === uploadId, 30_000);
  await first.stop('SIGKILL');

  const second = await startProcessor(s.env);
  t.teardown(() => second.stop());
  const [result] = await s.events.waitFor((e) => e.uploadId === uploadId && e.type === 'media.processed', 120_000);
  t.truthy(result);
  await new Promise((r) => setTimeout(r, 1000));
  t.is(s.events.received.filter((r) => r.event.uploadId === uploadId && r.event.type === 'media.processed').length, 1);
  t.truthy(second.logs.find((l) => l.msg === 'processing upload' && l.uploadId === uploadId), 'the second processor got the redelivered job');
});
