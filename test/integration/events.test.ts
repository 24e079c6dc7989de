import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { eventCollector } from '../helpers/amqp.ts';
import { startServer, tokenFor } from '../helpers/server.ts';
import { serviceEnv } from '../helpers/services.ts';
import { randomFile, tusUpload } from '../helpers/tus-client.ts';

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;
/** A port nothing listens on: the broker is "down" for this server. */
const DEAD_AMQP = 'amqp://guest:guest@127.0.0.1:1';

test("an upload's upload.completed event arrives once, with the right content", async (t) => {
  const events = await eventCollector('once', 'upload.completed');
  t.teardown(events.close);
  const server = await startServer({ AMQP_URL: serviceEnv('AMQP_URL') });
  t.teardown(() => server.stop());
  const token = await tokenFor('alice');
  const { url } = await tusUpload(randomFile(4321), { endpoint: server.url, token, metadata: { filename: 'cat.png', filetype: 'image/png' } });
  const uploadId = idOf(url);

  const [event] = await events.waitFor((e) => e.uploadId === uploadId);
  t.like(event, {
    version: 1,
    type: 'upload.completed',
    source: 'tus',
    uploadId,
    userId: 'alice',
    size: 4321,
    declaredType: 'image/png',
    filename: 'cat.png',
    location: { kind: 'file', path: path.join(server.dataDir, 'uploads', 'alice', uploadId) },
  });
  t.regex(event!.id, /^[0-9a-f-]{36}$/);
  await new Promise((r) => setTimeout(r, 500));
  t.is(events.received.filter((r) => r.event.uploadId === uploadId).length, 1);

  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: { events: unknown } };
  t.like(ready.checks.events, { status: 'ok', queue: 'rabbitmq', broker: 'connected', outboxDepth: { local: 0 } });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.regex(metrics, /events_published_total\{type="upload.completed"\} 1/);
});

for (const outbox of ['file', 'redis'] as const) {
  test(`events left in the ${outbox} outbox by a stopped server are delivered by the next one`, async (t) => {
    const events = await eventCollector(`restart-${outbox}`, 'upload.completed');
    t.teardown(events.close);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ums-outbox-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const shared: Record<string, string> = outbox === 'redis' ? { REDIS_URL: serviceEnv('REDIS_URL'), REDIS_KEY_PREFIX: `t${Date.now().toString(36)}:` } : {};

    const first = await startServer({ ...shared, AMQP_URL: DEAD_AMQP }, { dataDir });
    const token = await tokenFor('bob');
    const uploads = await Promise.all([1, 2, 3].map(() => tusUpload(randomFile(1000), { endpoint: first.url, token })));
    const ready = (await (await fetch(`${first.url}/readyz`)).json()) as { status: string; checks: { events: { broker: string; outboxDepth: Record<string, number> } } };
    t.is(ready.status, 'ok', 'a broker outage does not make the server unready');
    t.regex(ready.checks.events.broker, /^unavailable/);
    t.is(Object.values(ready.checks.events.outboxDepth).reduce((a, b) => a + b, 0), 3);
    await first.stop();

    const second = await startServer({ ...shared, AMQP_URL: serviceEnv('AMQP_URL') }, { dataDir });
    t.teardown(() => second.stop());
    for (const { url } of uploads) {
      const found = await events.waitFor((e) => e.uploadId === idOf(url));
      t.is(found.length, 1);
    }
  });
}
