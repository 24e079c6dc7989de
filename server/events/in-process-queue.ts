import type { MediaEvent } from '../../config/events.ts';
import type { EventPublisher } from './publisher.ts';

export type EventHandler = (event: MediaEvent) => Promise<void>;

type Waiting = { event: MediaEvent; resolve: () => void; reject: (err: Error) => void };

/**
 * The embedded mode's queue: the same `EventPublisher` contract as RabbitMQ,
 * delivered to a consumer in this process. `publish` resolves only when the
 * consumer has handled the event and rejects when it failed, so the event stays
 * in the (durable) outbox until it is processed: a crash loses nothing, and the
 * relay's back-off is the retry policy.
 */
export class InProcessQueue implements EventPublisher {
  private handler: EventHandler | undefined;
  private running = 0;
  private concurrency = 1;
  private readonly waiting: Waiting[] = [];
  private closed = false;

  consume(handler: EventHandler, concurrency: number): void {
    this.handler = handler;
    this.concurrency = concurrency;
    this.pump();
  }

  publish(event: MediaEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue closed'));
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
    while (this.handler && this.running < this.concurrency && this.waiting.length > 0) {
      const { event, resolve, reject } = this.waiting.shift()!;
      this.running += 1;
      this.handler(event)
        .then(resolve, reject)
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
  }
}
