import test from 'ava';
import { eventCollector } from '../helpers/amqp.ts';
import { startServer, tokenFor } from '../helpers/server.ts';
import { serviceCtl, serviceEnv } from '../helpers/services.ts';
import { randomFile, tusUpload } from '../helpers/tus-client.ts';

// Fault tests stop shared services: the test command runs this folder alone, serially, after the rest.
const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;

test('RabbitMQ down when uploads finish: uploads succeed, every event is delivered once it is back', async (t) => {
  const events = await eventCollector('outage', 'upload.completed');
  t.teardown(events.close);
  const server = await startServer({ AMQP_URL: serviceEnv('AMQP_URL') });
  t.teardown(() => server.stop());
  await server.waitForLog((l) => l.msg === 'rabbitmq connected');
  const token = await tokenFor('olga');

  await serviceCtl('down', 'rabbitmq');
  t.teardown(() => serviceCtl('up', 'rabbitmq'));
  const uploads = await Promise.all([1, 2, 3, 4, 5].map(() => tusUpload(randomFile(2000), { endpoint: server.url, token })));
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { status: string; checks: { events: { broker: string; outboxDepth: { local: number } } } };
  t.is(ready.status, 'ok');
  t.regex(ready.checks.events.broker, /^unavailable/);
  t.is(ready.checks.events.outboxDepth.local, 5);

  await serviceCtl('up', 'rabbitmq');
  for (const { url } of uploads) {
    t.is((await events.waitFor((e) => e.uploadId === idOf(url), 60_000)).length, 1);
  }
  // The relay removes each event only after the broker confirmed it, which may trail the delivery a little.
  type Ready = { checks: { events: { broker: string; outboxDepth: { local: number } } } };
  let after: Ready['checks']['events'] | undefined;
  for (let i = 0; i < 50 && after?.outboxDepth.local !== 0; i++) {
    after = ((await (await fetch(`${server.url}/readyz`)).json()) as Ready).checks.events;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.deepEqual([after?.broker, after?.outboxDepth.local], ['connected', 0]);
});
