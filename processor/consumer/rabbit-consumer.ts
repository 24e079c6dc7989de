import { Connection, type Consumer, ConsumerStatus, type Publisher } from 'rabbitmq-client';
import { parseMediaEvent, retryQueueName, TOPOLOGY, type UploadCompleted } from '../../config/events.ts';
import type { Logger } from '../../server/logger.ts';
import { declareTopology, processorConsumerProps } from '../../server/queue/rabbit-topology.ts';

export type ConsumerOptions = {
  connection: Connection;
  concurrency: number;
  handle: (event: UploadCompleted) => Promise<void>;
  /** The job failed on every attempt: record it before the message goes to the DLQ. */
  onGiveUp: (event: UploadCompleted, err: Error) => Promise<void>;
  log: Logger;
};

/**
 * Consumes the processor's work queue with manual acks. A job that throws is
 * re-published to the next back-off queue (confirmed) and then acked, so it
 * comes back after the delay; after the last step it is dead-lettered. A
 * message that is not a valid event goes straight to the DLQ. A worker that
 * crashes mid-job never acks, so the broker redelivers the message.
 */
export async function startConsumer(o: ConsumerOptions): Promise<{ close: () => Promise<void> }> {
  await declareTopology(o.connection);
  const retries: Publisher = o.connection.createPublisher({ confirm: true, maxAttempts: 3 });
  const consumer: Consumer = o.connection.createConsumer(processorConsumerProps(o.concurrency), async (msg) => {
    let event: UploadCompleted;
    try {
      const parsed = parseMediaEvent(msg.body);
      if (parsed.type !== 'upload.completed') return ConsumerStatus.ACK;
      event = parsed;
    } catch (err) {
      o.log.error({ err: (err as Error).message, messageId: msg.messageId }, 'invalid message; dead-lettering it');
      return ConsumerStatus.DROP;
    }
    try {
      await o.handle(event);
      return ConsumerStatus.ACK;
    } catch (err) {
      const attempt = Number(msg.headers?.['x-attempt'] ?? 0) + 1;
      const log = o.log.child({ uploadId: event.uploadId, attempt });
      if (attempt > TOPOLOGY.retryDelaysMs.length) {
        log.error({ err }, 'job failed on every attempt; dead-lettering it');
        await o.onGiveUp(event, err as Error);
        return ConsumerStatus.DROP;
      }
      log.warn({ err: (err as Error).message, retryInMs: TOPOLOGY.retryDelaysMs[attempt - 1] }, 'job failed; retrying later');
      await retries.send(
        { exchange: TOPOLOGY.retryExchange, routingKey: retryQueueName(attempt), durable: true, contentType: 'application/json', messageId: msg.messageId, headers: { 'x-attempt': attempt } },
        msg.body,
      );
      return ConsumerStatus.ACK;
    }
  });
  consumer.on('error', (err) => o.log.warn({ err: err.message }, 'consumer error; it reconnects by itself'));
  return {
    // Stops taking messages and waits for the jobs in hand; unacked ones go back to the queue.
    close: async () => {
      await consumer.close();
      await retries.close();
    },
  };
}

export function connectBroker(url: string, log: Logger): Connection {
  const connection = new Connection({ url, connectionName: 'ums-processor', retryLow: 500, retryHigh: 5000 });
  connection.on('error', (err) => log.warn({ err: err.message }, 'rabbitmq connection error; retrying'));
  return connection;
}
