import type { MediaEvent } from '../../config/events.ts';

/**
 * The outbox: where an event is recorded, durably, before the request that
 * caused it is answered, and from which the relay publishes it. An event leaves
 * the outbox only after the broker confirmed it, so a broker outage or a crash
 * delays events but never loses them (consumers deduplicate by event id).
 *
 * - `add` resolves once the event would survive a crash of this process.
 * - `peek` returns the oldest events without removing them; the same event may
 *   be returned again until it is removed.
 * - `remove` is idempotent.
 */
export interface Outbox {
  add(event: MediaEvent): Promise<void>;
  peek(limit: number): Promise<MediaEvent[]>;
  remove(eventIds: readonly string[]): Promise<void>;
  depth(): Promise<number>;
}
