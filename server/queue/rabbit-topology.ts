import type { Connection, ConsumerProps, PublisherProps } from 'rabbitmq-client';
import { retryQueueName, TOPOLOGY } from '../../config/events.ts';

type Declarations = Required<Pick<PublisherProps, 'exchanges' | 'queues' | 'queueBindings'>>;

/** The processor's work queue arguments; every declarer must use exactly these, or the broker refuses. */
export const PROCESSOR_QUEUE_ARGS = {
  'x-queue-type': 'quorum',
  'x-delivery-limit': TOPOLOGY.deliveryLimit,
  'x-dead-letter-exchange': TOPOLOGY.deadLetterExchange,
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/**
 * Everything `config/events.ts` TOPOLOGY describes, in rabbitmq-client's form.
 * Publisher and consumer both declare it (idempotently) on every (re)connect,
 * so whichever process starts first creates it.
 */
export function topologyDeclarations(): Declarations {
  const retryQueues = TOPOLOGY.retryDelaysMs.map((ttl, i) => ({
    queue: retryQueueName(i + 1),
    durable: true,
    // When the wait is over, the broker sends the job back to the work queue.
    arguments: { 'x-message-ttl': ttl, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': TOPOLOGY.processorQueue },
  }));
  return {
    exchanges: [
      { exchange: TOPOLOGY.exchange, type: 'topic', durable: true },
      { exchange: TOPOLOGY.retryExchange, type: 'direct', durable: true },
      { exchange: TOPOLOGY.deadLetterExchange, type: 'fanout', durable: true },
      // MinIO declares it the same way (durable topic) before each publish; RGW needs it to exist.
      { exchange: TOPOLOGY.storeExchange, type: 'topic', durable: true },
    ],
    queues: [
      { queue: TOPOLOGY.processorQueue, durable: true, arguments: { ...PROCESSOR_QUEUE_ARGS } },
      { queue: TOPOLOGY.deadLetterQueue, durable: true, arguments: { 'x-queue-type': 'quorum' } },
      ...retryQueues,
    ],
    queueBindings: [
      ...TOPOLOGY.processorBindings.map((routingKey) => ({ exchange: TOPOLOGY.exchange, queue: TOPOLOGY.processorQueue, routingKey })),
      { exchange: TOPOLOGY.deadLetterExchange, queue: TOPOLOGY.deadLetterQueue, routingKey: '' },
      ...retryQueues.map(({ queue }) => ({ exchange: TOPOLOGY.retryExchange, queue, routingKey: queue })),
    ],
  };
}

/** Declares the whole topology once (idempotent): for consumers, whose props cannot declare other queues. */
export async function declareTopology(connection: Connection): Promise<void> {
  const { exchanges, queues, queueBindings } = topologyDeclarations();
  for (const exchange of exchanges) await connection.exchangeDeclare(exchange);
  for (const queue of queues) await connection.queueDeclare(queue);
  for (const binding of queueBindings) await connection.queueBind(binding);
}

/** Consumer props for the work queue, declared with exactly the arguments above. */
export function processorConsumerProps(concurrency: number): ConsumerProps {
  return {
    queue: TOPOLOGY.processorQueue,
    queueOptions: { durable: true, arguments: { ...PROCESSOR_QUEUE_ARGS } },
    concurrency,
    // Messages beyond the ones being worked on wait at the broker, where a restart cannot lose them.
    qos: { prefetchCount: concurrency },
  };
}
