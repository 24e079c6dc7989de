import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Connection } from 'rabbitmq-client';
import { parseMediaEvent, TOPOLOGY } from '../../config/events.ts';

/**
 * The bench's own subscriber to the media exchange: a private, exclusive,
 * auto-deleted queue bound to the result events, as any application reacting
 * to `media.processed` would have. Records when each result arrived
 * (performance.now() of this process).
 */

export type Arrival = Readonly<{ type: 'media.processed' | 'media.rejected'; at: number }>;

export type ResultSubscriber = Readonly<{
  /** Resolves with the arrival of the first result for `uploadId`. */
  waitFor: (uploadId: string, timeoutMs: number) => Promise<Arrival>;
  close: () => Promise<void>;
}>;

export async function subscribeResults(url: string): Promise<ResultSubscriber> {
  const connection = new Connection({ url, retryLow: 200, retryHigh: 1000 });
  const arrivals = new Map<string, Arrival>();
  const waiters = new Map<string, (a: Arrival) => void>();
  await connection.exchangeDeclare({ exchange: TOPOLOGY.exchange, type: 'topic', durable: true });
  const queue = `bench.results.${randomBytes(4).toString('hex')}`;
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { exclusive: true, autoDelete: true },
      queueBindings: ['media.processed', 'media.rejected'].map((routingKey) => ({ exchange: TOPOLOGY.exchange, queue, routingKey })),
      noAck: true,
    },
    (msg) => {
      const at = performance.now();
      const event = parseMediaEvent(msg.body);
      if (event.type === 'upload.completed' || arrivals.has(event.uploadId)) return;
      const arrival = { type: event.type, at };
      arrivals.set(event.uploadId, arrival);
      waiters.get(event.uploadId)?.(arrival);
    },
  );
  await new Promise<void>((resolve, reject) => {
    consumer.once('ready', () => resolve());
    consumer.once('error', reject);
  });
  const waitFor = (uploadId: string, timeoutMs: number) =>
    new Promise<Arrival>((resolve, reject) => {
      const known = arrivals.get(uploadId);
      if (known) return resolve(known);
      const timer = setTimeout(() => reject(new Error(`no result event for upload ${uploadId} within ${timeoutMs} ms`)), timeoutMs);
      waiters.set(uploadId, (a) => {
        clearTimeout(timer);
        waiters.delete(uploadId);
        resolve(a);
      });
    });
  return {
    waitFor,
    close: async () => {
      await consumer.close();
      await connection.close();
    },
  };
}
