import type { MediaEvent } from '../../config/events.ts';
import type { EventPublisher } from './publisher.ts';

export type EventHandler = (event: MediaEvent) => Promise<void>;
type Subscription = { types: ReadonlySet<MediaEvent['type']>; handler: EventHandler; concurrency: number };

type Waiting = { event: MediaEvent; resolve: () => void; reject: (err: Error) => void };

/**
 * The embedded mode's queue: the same `EventPublisher` contract as RabbitMQ,
 * delivered to a consumer in this process. `publish` resolves only when the
 * consumer has handled the event and rejects when it failed, so the event stays
 * in the (durable) outbox until it is processed: a crash loses nothing, and the
 * relay's back-off is the retry policy.
 */
export class InProcessQueue implements EventPublisher {
  private subscription: Subscription | undefined;
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private closed = false;

  /** Like a queue bound to these routing keys: events of other types are not for it. */
  consume(types: readonly MediaEvent['type'][], handler: EventHandler, concurrency: number): void {
    this.subscription = { types: new Set(types), handler, concurrency };
    this.pump();
  }

  publish(event: MediaEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue closed'));
    // No consumer wants this type (an exchange with no binding): accepted and dropped.
    if (this.subscription && !this.subscription.types.has(event.type)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.pump();
    });
  }

  async check(): Promise<void> {
    if (this.closed) throw new Error('queue closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('queue closed'));
  }

  private pump(): void {
    const sub = this.subscription;
    while (sub && this.running < sub.concurrency && this.waiting.length > 0) {
      const { event, resolve, reject } = this.waiting.shift()!;
      if (!sub.types.has(event.type)) {
        resolve();
        continue;
      }
      this.running += 1;
      sub.handler(event)
        .then(resolve, reject)
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
  }
}
