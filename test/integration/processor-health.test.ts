import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventCollector } from '../helpers/amqp.ts';
import { jpegWithGps } from '../helpers/media.ts';
import { startProcessor, startServer, tokenFor, type TestProcessor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, clamdEnv } from '../helpers/services.ts';
import { tusUpload } from '../helpers/tus-client.ts';

let server: TestServer;
let processor: TestProcessor;
let healthUrl: string;
let dataDir: string;
let events: Awaited<ReturnType<typeof eventCollector>>;
test.before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ums-phealth-'));
  const amqp = await amqpVhost('phealth');
  const env = { AMQP_URL: amqp, IMAGE_FORMATS: 'webp', IMAGE_WIDTHS: '320' };
  events = await eventCollector('phealth', '#', amqp);
  [server, processor] = await Promise.all([startServer(env, { dataDir }), startProcessor({ ...env, ...clamdEnv() }, { dataDir })]);
  const ready = processor.logs.find((l) => l.msg === 'processor consuming') as { health: { port: number } } | undefined;
  healthUrl = `http://127.0.0.1:${ready!.health.port}`;
});
test.after.always(async () => {
  await Promise.all([server?.stop(), processor?.stop(), events?.close()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the processor answers /healthz and /readyz with its broker and scanner checks', async (t) => {
  const live = await fetch(`${healthUrl}/healthz`);
  t.is(live.status, 200);
  const ready = await fetch(`${healthUrl}/readyz`);
  t.is(ready.status, 200);
  t.like(await ready.json(), { status: 'ok', checks: { broker: { status: 'ok' }, scanner: { status: 'ok' } } });
});

test('/metrics counts and times the jobs it handled', async (t) => {
  const { url } = await tusUpload(await jpegWithGps(640, 480), { endpoint: server.url, token: await tokenFor('max'), metadata: { filename: 'm.jpg', filetype: 'image/jpeg' } });
  const uploadId = new URL(url).pathname.split('/').pop()!;
  await events.waitFor((e) => e.uploadId === uploadId && e.type === 'media.processed', 60_000);
  const metrics = await (await fetch(`${healthUrl}/metrics`)).text();
  t.regex(metrics, /^processor_jobs_total\{outcome="ok"\} 1$/m);
  t.regex(metrics, /^processor_job_duration_seconds_count 1$/m);
});
