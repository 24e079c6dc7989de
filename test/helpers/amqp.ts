import { Connection } from 'rabbitmq-client';
import { type MediaEvent, parseMediaEvent, TOPOLOGY } from '../../config/events.ts';
import { serviceEnv } from './services.ts';

/**
 * A test's own durable queue bound to the media exchange, collecting every
 * event it receives (durable, so it also collects across a broker restart).
 */
export async function eventCollector(name: string, routingKey = '#', url = serviceEnv('AMQP_URL')) {
  const connection = new Connection({ url, retryLow: 200, retryHigh: 1000 });
  connection.on('error', () => {}); // reconnects by itself during broker-restart tests
  const queue = `test.${name}.${Date.now().toString(36)}`;
  const received: { event: MediaEvent; redelivered: boolean }[] = [];
  await connection.exchangeDeclare({ exchange: TOPOLOGY.exchange, type: 'topic', durable: true });
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { durable: true },
      queueBindings: [{ exchange: TOPOLOGY.exchange, routingKey }],
    },
    async (msg) => {
      received.push({ event: parseMediaEvent(msg.body), redelivered: msg.redelivered });
    },
  );
  await new Promise<void>((resolve) => consumer.once('ready', () => resolve()));

  const waitFor = async (match: (e: MediaEvent) => boolean, timeoutMs = 20_000): Promise<MediaEvent[]> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = received.filter((r) => match(r.event)).map((r) => r.event);
      if (found.length > 0) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no matching event within ${timeoutMs} ms; received ${received.length}`);
  };

  return {
    received,
    waitFor,
    close: async () => {
      await consumer.close();
      await connection.queueDelete({ queue }).catch(() => {});
      await connection.close();
    },
  };
}

/** Publishes an event as the server would (confirmed), e.g. to redeliver a duplicate. */
export async function publishEvent(url: string, event: MediaEvent): Promise<void> {
  const connection = new Connection(url);
  const publisher = connection.createPublisher({ confirm: true });
  try {
    await publisher.send({ exchange: TOPOLOGY.exchange, routingKey: event.type, durable: true, messageId: event.id }, JSON.stringify(event));
  } finally {
    await publisher.close();
    await connection.close();
  }
}
