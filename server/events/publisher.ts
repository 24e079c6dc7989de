import type { MediaEvent } from '../../config/events.ts';

/**
 * Where the relay hands events. `publish` resolves only once the event is
 * safely accepted (for RabbitMQ: the broker's publisher confirm) and rejects
 * otherwise; the relay keeps the event in the outbox until it resolves.
 */
export interface EventPublisher {
  publish(event: MediaEvent): Promise<void>;
  /** Throws when publishing cannot work right now (readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}
