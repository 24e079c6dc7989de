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

export const variantSchema = z.object({
  /** e.g. `w320`, `w1280`, `thumb`, or `original` for a published clean copy. */
  label: z.string().min(1),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  format: z.string().min(1),
  contentType: z.string().min(1),
  /** Key in the processed store; immutable and content-addressed. */
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
});
export type Variant = z.infer<typeof variantSchema>;

export const manifestSchema = z.object({
  uploadId: z.string(),
  userId: z.string(),
  declaredType: z.string(),
  detectedType: z.string(),
  /** The declared type was wrong; the file was processed as what it really is. */
  typeMismatch: z.boolean(),
  scan: z.enum(['clean', 'not-scanned']),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  variants: z.array(variantSchema),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const mediaProcessedSchema = z.object({
  ...base,
  type: z.literal('media.processed'),
  manifestKey: z.string().min(1),
  manifest: manifestSchema,
});
export type MediaProcessed = z.infer<typeof mediaProcessedSchema>;

export const REJECTION_REASONS = ['infected', 'type-not-allowed', 'type-mismatch', 'empty', 'corrupt', 'too-large', 'unsafe-content', 'unscannable'] as const;
export const mediaRejectedSchema = z.object({
  ...base,
  type: z.literal('media.rejected'),
  reason: z.enum(REJECTION_REASONS),
  /** Human-readable detail, e.g. the signature name or the detected type. */
  detail: z.string().max(1000),
});
export type MediaRejected = z.infer<typeof mediaRejectedSchema>;

export const mediaEventSchema = z.discriminatedUnion('type', [uploadCompletedSchema, mediaProcessedSchema, mediaRejectedSchema]);
export type MediaEvent = z.infer<typeof mediaEventSchema>;
export type MediaEventType = MediaEvent['type'];

export function uploadCompleted(fields: Omit<UploadCompleted, 'version' | 'id' | 'occurredAt' | 'type'>): UploadCompleted {
  return { version: EVENT_VERSION, id: randomUUID(), occurredAt: new Date().toISOString(), type: 'upload.completed', ...fields };
}

/** A processor result, a new event about the same upload. */
export function resultEvent<T extends MediaProcessed | MediaRejected>(
  fields: Omit<T, 'version' | 'id' | 'occurredAt'>,
): T {
  return { version: EVENT_VERSION, id: randomUUID(), occurredAt: new Date().toISOString(), ...fields } as T;
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
 * - `media.store` (topic): the object store's own ObjectCreated notifications
 *   (S3 event format, pushed by Ceph RGW or MinIO). Declared here because RGW
 *   publishes only to an exchange that exists; the server's store-events queue
 *   (STORE_EVENTS_QUEUE) binds to it with `#`.
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
  storeExchange: 'media.store',
} as const;

export const retryQueueName = (step: number) => `${TOPOLOGY.processorQueue}.retry.${step}`;
