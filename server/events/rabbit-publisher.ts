import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type Publisher } from 'rabbitmq-client';
import { type MediaEvent, TOPOLOGY } from '../../config/events.ts';
import type { Logger } from '../logger.ts';
import { topologyDeclarations } from '../queue/rabbit-topology.ts';
import type { EventPublisher } from './publisher.ts';

/**
 * Publishes to the media exchange with publisher confirms: `publish` resolves
 * when the broker has taken responsibility for the message (persisted to the
 * quorum queue). The topology is declared before the first publish and after
 * every reconnect.
 */
const CLOSE_TIMEOUT_MS = 2000;

/** `p`, or a rejection as soon as `signal` aborts; the listener does not outlive `p`. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class RabbitPublisher implements EventPublisher {
  private readonly publisher: Publisher;
  private readonly closing = new AbortController();

  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {
    this.publisher = connection.createPublisher({
      confirm: true,
      maxAttempts: 1, // the relay retries with its own back-off
      ...topologyDeclarations(),
    });
    // Unroutable: the topology was deleted under us. The confirm still succeeded, so say it loudly.
    this.publisher.on('basic.return', (msg) => {
      this.log.error({ routingKey: msg.routingKey, replyText: msg.replyText, messageId: msg.messageId }, 'event was not routed to any queue');
    });
  }

  static connect(url: string, log: Logger): RabbitPublisher {
    const connection = new Connection({ url, connectionName: 'ums-server', acquireTimeout: 5000, retryLow: 500, retryHigh: 5000 });
    connection.on('error', (err) => log.warn({ err: err.message }, 'rabbitmq connection error; retrying'));
    connection.on('connection', () => log.info('rabbitmq connected'));
    return new RabbitPublisher(connection, log);
  }

  async publish(event: MediaEvent): Promise<void> {
    this.closing.signal.throwIfAborted();
    const sent = this.publisher.send(
      {
        exchange: TOPOLOGY.exchange,
        routingKey: event.type,
        // Work must reach the processor's queue; result events may have no listener.
        mandatory: event.type === 'upload.completed',
        durable: true,
        contentType: 'application/json',
        messageId: event.id,
        type: event.type,
        timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
      },
      JSON.stringify(event),
    );
    await unlessAborted(sent, this.closing.signal);
  }

  async check(): Promise<void> {
    if (!this.connection.ready) throw new Error('not connected to RabbitMQ');
  }

  /**
   * Fails publishes still waiting for the broker at once (their events stay in
   * the outbox), then closes, without waiting forever for a broker that is down.
   */
  async close(): Promise<void> {
    this.closing.abort(new Error('publisher is closed'));
    const closed = this.publisher.close().then(() => this.connection.close());
    await Promise.race([closed, sleep(CLOSE_TIMEOUT_MS)]);
  }
}
