import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isUploadId, isUserId } from './keys.ts';

/**
 * The media event contract, shared by the server (producer) and the processor
 * (consumer). Every message on the bus is one of these, validated on both ends.
 * A breaking change gets a new `version`; consumers keep accepting the old one
 * until no producer sends it.
 */
export const EVENT_VERSION = 1;

export const storageLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({ kind: z.literal('s3'), bucket: z.string().min(3), key: z.string().min(1) }),
]);
export type StorageLocation = z.infer<typeof storageLocationSchema>;

const base = {
  version: z.literal(EVENT_VERSION),
  /** Unique per event; consumers deduplicate on it (delivery is at-least-once). */
  id: z.uuid(),
  occurredAt: z.iso.datetime(),
  uploadId: z.string().refine(isUploadId, 'not an upload id'),
  userId: z.string().refine(isUserId, 'not a user id'),
};

export const uploadCompletedSchema = z.object({
  ...base,
  type: z.literal('upload.completed'),
  source: z.enum(['tus', 'presigned']),
  location: storageLocationSchema,
  size: z.number().int().nonnegative(),
  declaredType: z.string().min(1),
  filename: z.string().max(1024).optional(),
});
export type UploadCompleted = z.infer<typeof uploadCompletedSchema>;

export const mediaEventSchema = z.discriminatedUnion('type', [uploadCompletedSchema]);
export type MediaEvent = z.infer<typeof mediaEventSchema>;
export type MediaEventType = MediaEvent['type'];

export function uploadCompleted(fields: Omit<UploadCompleted, 'version' | 'id' | 'occurredAt' | 'type'>): UploadCompleted {
  return { version: EVENT_VERSION, id: randomUUID(), occurredAt: new Date().toISOString(), type: 'upload.completed', ...fields };
}

/** Parses a message body from the bus or the outbox; throws a ZodError naming what is wrong. */
export function parseMediaEvent(body: unknown): MediaEvent {
  return mediaEventSchema.parse(typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(body.toString()) : body);
}

/**
 * RabbitMQ topology, as data. The routing key of an event is its type.
 * - `media.events` (topic): every media event.
 * - `media.processor` (quorum queue, bound to `upload.completed`): the processor's work.
 *   A message redelivered more than `deliveryLimit` times (a job that crashes its
 *   worker) is dead-lettered to the DLQ by the broker itself.
 * - `media.processor.retry.<n>` (one per back-off step): a failed job waits there
 *   for its TTL, then the broker routes it back to the work queue.
 * - `media.processor.dlq`: jobs that kept failing, for a human to inspect.
 */
export const TOPOLOGY = {
  exchange: 'media.events',
  processorQueue: 'media.processor',
  processorBindings: ['upload.completed'],
  retryExchange: 'media.processor.retry',
  /** Back-off steps in ms: attempt n (1-based) waits retryDelaysMs[n-1]; past the last, the DLQ. */
  retryDelaysMs: [5_000, 30_000, 300_000],
  deadLetterExchange: 'media.processor.dlx',
  deadLetterQueue: 'media.processor.dlq',
  deliveryLimit: 5,
} as const;

export const retryQueueName = (step: number) => `${TOPOLOGY.processorQueue}.retry.${step}`;
