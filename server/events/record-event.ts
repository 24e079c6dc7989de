import type { MediaEvent } from '../../config/events.ts';
import type { Logger } from '../logger.ts';
import type { Outbox } from './outbox.ts';

export type RecordEvent = (event: MediaEvent) => Promise<void>;

/**
 * Records into the shared (Redis) outbox, falling back to this instance's local
 * one when Redis cannot take the event, instead of failing the upload's final
 * PATCH. That matters: a client that sees offset == length never PATCHes again,
 * so an event not recorded then would be lost for good.
 */
export function recordWithFallback(shared: Outbox, local: Outbox, log: Logger): RecordEvent {
  return async (event) => {
    try {
      await shared.add(event);
    } catch (err) {
      log.warn({ eventId: event.id, err: (err as Error).message }, 'shared outbox unavailable; recording the event on local disk');
      await local.add(event);
    }
  };
}
