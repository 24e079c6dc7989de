import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, ConsumerStatus } from 'rabbitmq-client';
import { TOPOLOGY } from '../../config/events.ts';
import type { Logger } from '../logger.ts';
import { type CreatedObject, createdObjects } from '../presign/s3-event-records.ts';
import type { StoreCompletion } from '../presign/store-completion.ts';

export type StoreEventsOptions = {
  url: string;
  queue: string;
  handle: (object: CreatedObject) => Promise<StoreCompletion>;
  log: Logger;
};

/** A notification that keeps failing (S3 or Redis down for long) is dropped after this many deliveries; the client's confirmation still works. */
const DELIVERY_LIMIT = 20;
const RETRY_DELAY_MS = 3000;

/**
 * Consumes the object store's ObjectCreated notifications (S3 event format,
 * pushed by Ceph RGW or MinIO into TOPOLOGY.storeExchange) from a durable
 * quorum queue of the server's, and completes the direct uploads they report.
 * Messages that are not notifications are acked and logged; a failure to
 * complete (S3 or Redis unavailable) returns the message to the queue after a
 * pause, up to DELIVERY_LIMIT deliveries.
 */
export function startStoreEventsConsumer(o: StoreEventsOptions): { close: () => Promise<void> } {
  const connection = new Connection({ url: o.url, connectionName: 'ums-server-store-events', retryLow: 500, retryHigh: 5000 });
  connection.on('error', (err) => o.log.warn({ err: err.message }, 'rabbitmq connection error (store events); retrying'));
  const consumer = connection.createConsumer(
    {
      queue: o.queue,
      queueOptions: { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': DELIVERY_LIMIT } },
      exchanges: [{ exchange: TOPOLOGY.storeExchange, type: 'topic', durable: true }],
      queueBindings: [{ exchange: TOPOLOGY.storeExchange, queue: o.queue, routingKey: '#' }],
      concurrency: 4,
      qos: { prefetchCount: 4 },
    },
    async (msg) => {
      let objects: CreatedObject[];
      try {
        objects = createdObjects(msg.body);
      } catch (err) {
        o.log.warn({ err: (err as Error).message, routingKey: msg.routingKey }, 'not an S3 event notification; ignored');
        return ConsumerStatus.ACK;
      }
      try {
        for (const object of objects) {
          const result = await o.handle(object);
          if (result !== 'ignored') o.log.info({ ...object, result }, 'direct upload settled by store notification');
        }
        return ConsumerStatus.ACK;
      } catch (err) {
        o.log.warn({ err: (err as Error).message, objects }, 'could not settle a store notification; retrying');
        await sleep(RETRY_DELAY_MS);
        return ConsumerStatus.REQUEUE;
      }
    },
  );
  consumer.on('ready', () => o.log.info({ queue: o.queue }, 'store events consumer ready'));
  consumer.on('error', (err) => o.log.warn({ err: (err as Error).message }, 'store events consumer error; it reconnects by itself'));
  return {
    close: async () => {
      await consumer.close();
      await connection.close();
    },
  };
}
