import { z } from 'zod';

/**
 * The S3 event notification format (AWS, Ceph RGW, MinIO): `{ Records: [...] }`
 * with one record per object event. MinIO wraps it as `{ EventName, Key,
 * Records }`. Only what completion needs is read; other fields vary by store.
 */
const recordSchema = z.object({
  // AWS and RGW: `ObjectCreated:Put`; MinIO: `s3:ObjectCreated:Put`.
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
});
const messageSchema = z.object({ Records: z.array(z.unknown()) });

export type CreatedObject = Readonly<{ bucket: string; key: string }>;

/** The objects a notification reports as created; records of other events, or malformed ones, are skipped. Throws on a body that is not a notification. */
export function createdObjects(body: unknown): CreatedObject[] {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  const message = messageSchema.parse(typeof text === 'string' ? JSON.parse(text) : text);
  return message.Records.flatMap((raw) => {
    const record = recordSchema.safeParse(raw);
    if (!record.success || !/(^|:)ObjectCreated:/.test(record.data.eventName)) return [];
    return [{ bucket: record.data.s3.bucket.name, key: decodeKey(record.data.s3.object.key) }];
  });
}

/** AWS and MinIO send keys form-URL-encoded (`+` for a space); RGW sends them as they are. */
function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key; // a raw key with a stray %
  }
}
