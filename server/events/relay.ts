import { setTimeout as sleep } from 'node:timers/promises';
import type { MediaEvent } from '../../config/events.ts';
import type { Logger } from '../logger.ts';
import type { LeaderLease } from './leader-lease.ts';
import type { Outbox } from './outbox.ts';
import type { EventPublisher } from './publisher.ts';

export type RelayOptions = {
  name: string;
  outbox: Outbox;
  publisher: EventPublisher;
  log: Logger;
  onPublished: (event: MediaEvent) => void;
  onDepth: (depth: number) => void;
  /** When set, only the holder of this lease relays (one relay per shared outbox across instances). */
  lease?: LeaderLease;
  batchSize?: number;
  idleMs?: number;
  maxBackoffMs?: number;
};

/**
 * Moves events from an outbox to the publisher: publish (confirmed), then
 * remove. A failed publish leaves the event where it is and backs off; the
 * order of removal after confirmation makes delivery at-least-once.
 */
export class OutboxRelay {
  private stopped = false;
  private kicked = false;
  private wake: AbortController = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: RelayOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Relay now rather than at the next poll (called after an event is recorded). */
  kick(): void {
    this.kicked = true;
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
    await this.o.lease?.release().catch(() => {}); // otherwise another instance waits out the TTL
  }

  /** One pass: publishes up to a batch; returns how many were published, or throws. */
  async drainOnce(): Promise<number> {
    const events = await this.o.outbox.peek(this.o.batchSize ?? 200);
    const results = await Promise.allSettled(events.map((e) => this.o.publisher.publish(e)));
    const confirmed = events.filter((_, i) => results[i]!.status === 'fulfilled');
    await this.o.outbox.remove(confirmed.map((e) => e.id));
    for (const e of confirmed) this.o.onPublished(e);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return confirmed.length;
  }

  private async run(): Promise<void> {
    const idleMs = this.o.idleMs ?? 1000;
    let backoff = 0;
    while (!this.stopped) {
      let full = false;
      try {
        if (!this.o.lease || (await this.o.lease.isLeader())) {
          full = (await this.drainOnce()) === (this.o.batchSize ?? 200);
          this.o.onDepth(await this.o.outbox.depth());
        }
        if (backoff > 0) this.o.log.info({ relay: this.o.name }, 'event relay recovered');
        backoff = 0;
      } catch (err) {
        if (backoff === 0) this.o.log.warn({ relay: this.o.name, err: (err as Error).message }, 'event relay cannot publish; retrying with back-off');
        backoff = Math.min(Math.max(backoff * 2, 250), this.o.maxBackoffMs ?? 10_000);
        this.o.onDepth(await this.o.outbox.depth().catch(() => Number.NaN));
      }
      if (backoff === 0 && (full || this.kicked)) {
        this.kicked = false;
        continue;
      }
      this.wake = new AbortController();
      await sleep(backoff || idleMs, undefined, { signal: this.wake.signal }).catch(() => {});
    }
  }
}
