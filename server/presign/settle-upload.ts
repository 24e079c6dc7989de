import { AppError } from '../../config/errors.ts';
import type { CompletedUpload } from '../uploads/completion.ts';
import type { PresignContext } from './presign-context.ts';
import type { UploadOutcome, UploadRecord } from './upload-records.ts';
import { deleteObject, verifyObject } from './verify-object.ts';

export type Confirmation = { id: string; status: 'completed'; size: number; type: string; completedAt: string };

/**
 * The end of every direct upload (PUT, POST form, multipart), whether the client
 * confirms it or the store's notification reports it: verify the stored object,
 * then record the same `upload.completed` event as tus, once. The outcome is
 * kept, so a repeated confirmation (a client retry, a notification racing the
 * client, two instances at once) answers the same result, or the same error,
 * without a second event: `settle` lets exactly one caller through. If the
 * event cannot be recorded the outcome is removed again, so a retry records it.
 */
export async function settleUpload(ctx: PresignContext, record: UploadRecord): Promise<Confirmation> {
  const known = await ctx.records.outcome(record.id);
  if (known) return replay(ctx, record, known);

  const verified = await verifyObject(ctx.s3, ctx.bucket, record).catch(async (err: unknown) => {
    // A rejected object was deleted and stays rejected. One not uploaded yet may still come.
    if (err instanceof AppError && err.code !== 'UPLOAD_NOT_RECEIVED' && err.status < 500) {
      await ctx.records.settle(record.id, { status: 'rejected', code: err.code, message: err.message, details: err.details }, ctx.recordTtlSeconds);
    }
    throw err;
  });
  const outcome = { status: 'completed', ...verified, completedAt: new Date().toISOString() } as const;
  if (!(await ctx.records.settle(record.id, outcome, ctx.recordTtlSeconds))) {
    return replay(ctx, record, (await ctx.records.outcome(record.id)) ?? outcome);
  }
  try {
    await ctx.recordCompleted(completedUpload(record, verified));
  } catch (err) {
    await ctx.records.unsettle(record.id);
    throw err;
  }
  return { id: record.id, ...outcome };
}

/** How long the caller that settled an upload has to record its event before a later confirmation records it instead. */
const RECORD_GRACE_MS = 30_000;

async function replay(ctx: PresignContext, record: UploadRecord, outcome: UploadOutcome): Promise<Confirmation> {
  if (outcome.status === 'completed') {
    // Settled, but the settler died (or lost Redis) before recording the event: a later confirmation or
    // notification records it. Not sooner: the settler is normally a few milliseconds from doing so itself.
    if (Date.now() - Date.parse(outcome.completedAt) > RECORD_GRACE_MS) {
      await ctx.recordCompleted(completedUpload(record, outcome), { ifMissing: true });
    }
    return { id: record.id, ...outcome };
  }
  // A presigned URL outlives its rejection: whatever was uploaded again goes too.
  await deleteObject(ctx.s3, ctx.bucket, record.key);
  throw new AppError(outcome.code, outcome.message, { details: outcome.details });
}

const completedUpload = (record: UploadRecord, stored: { size: number; type: string }): CompletedUpload => ({
  source: 'presigned',
  userId: record.userId,
  uploadId: record.id,
  size: stored.size,
  declaredType: stored.type,
  filename: record.filename,
});
