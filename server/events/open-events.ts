import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Logger } from '../logger.ts';
import type { ReadinessCheck } from '../routes/health.ts';
import { FileOutbox } from './file-outbox.ts';
import { InProcessQueue } from './in-process-queue.ts';
import { type LeaderLease, redisLeaderLease } from './leader-lease.ts';
import type { Outbox } from './outbox.ts';
import type { EventPublisher } from './publisher.ts';
import { RabbitPublisher } from './rabbit-publisher.ts';
import { type RecordEvent, recordWithFallback } from './record-event.ts';
import { RedisOutbox } from './redis-outbox.ts';
import { OutboxRelay } from './relay.ts';

export type Events = {
  /** Durably records an event; awaited before the final PATCH is answered. */
  record: RecordEvent;
  /** Set in embedded mode: where an in-process processor consumes events. */
  inProcessQueue: InProcessQueue | undefined;
  readiness: ReadinessCheck;
  start: () => void;
  close: () => Promise<void>;
};

/**
 * Outbox(es), relay(s) and publisher as configured: a local file outbox always
 * (the only one in embedded mode, the fallback with Redis), the shared Redis
 * outbox when `REDIS_URL` is set, RabbitMQ when `AMQP_URL` is set, otherwise
 * the in-process queue.
 */
export function openEvents(config: Config, log: Logger, metrics: Metrics, redis: Redis | undefined): Events {
  const inProcessQueue = config.amqp ? undefined : new InProcessQueue();
  const publisher: EventPublisher = config.amqp ? RabbitPublisher.connect(config.amqp.url, log) : inProcessQueue!;
  const local = new FileOutbox(path.resolve(config.storage.dataDir, 'outbox'));
  const outboxes: { name: string; outbox: Outbox; lease?: LeaderLease }[] = [{ name: 'local', outbox: local }];
  let record: RecordEvent = (event) => local.add(event);
  if (redis && config.redis) {
    const shared = new RedisOutbox(redis, config.redis.keyPrefix);
    // One relay per shared outbox across all instances; each instance drains its own local one.
    outboxes.push({ name: 'shared', outbox: shared, lease: redisLeaderLease(redis, `${config.redis.keyPrefix}outbox:relay`, 10_000) });
    record = recordWithFallback(shared, local, log);
  }
  const relays = outboxes.map(
    ({ name, outbox, lease }) =>
      new OutboxRelay({
        name,
        outbox,
        publisher,
        lease,
        log: log.child({ relay: name }),
        onPublished: (e) => metrics.eventsPublished.inc({ type: e.type }),
        onDepth: (depth) => metrics.outboxDepth.set({ outbox: name }, depth),
      }),
  );

  return {
    record: async (event) => {
      await record(event);
      for (const relay of relays) relay.kick();
    },
    inProcessQueue,
    readiness: {
      name: 'events',
      // A broker outage does not make this instance unready: uploads go on and events wait in
      // the outbox. It is reported, with the backlog, for monitoring.
      check: async () => {
        const depths = Object.fromEntries(await Promise.all(outboxes.map(async (o) => [o.name, await o.outbox.depth()] as const)));
        const broker = await publisher.check().then(
          () => 'connected',
          (err: Error) => `unavailable: ${err.message}`,
        );
        return { queue: config.amqp ? 'rabbitmq' : 'in-process', broker, outboxDepth: depths };
      },
    },
    start: () => relays.forEach((r) => r.start()),
    close: async () => {
      // Closing the publisher fails a publish still waiting for the broker, so the relays stop at once.
      const stopped = Promise.all(relays.map((r) => r.stop()));
      await publisher.close();
      await stopped;
    },
  };
}
