import { AppError } from '../../config/errors.ts';
import type { UploadPolicy } from '../uploads/policy.ts';
import type { PresignContext } from './presign-context.ts';
import type { UploadRecord } from './upload-records.ts';
import { verifyObject } from './verify-object.ts';

export type Confirmation = { id: string; status: 'completed'; size: number; type: string; completedAt: string };

/**
 * The end of every direct upload (PUT, POST form, multipart): verify the stored
 * object, then record the same `upload.completed` event as tus, once. A
 * repeated confirmation (a client retry, two instances at once) answers the
 * same result without a second event: the completion claim (SET NX) lets one
 * caller through. If the event cannot be recorded the claim is released, so the
 * client's retry records it.
 */
export async function confirmUpload(ctx: PresignContext, record: UploadRecord, policy: UploadPolicy): Promise<Confirmation> {
  const done = await ctx.records.completion(record.id);
  if (done) return { id: record.id, status: 'completed', ...done };

  const verified = await verifyObject(ctx.s3, ctx.bucket, record, record.userId, policy).catch(async (err: unknown) => {
    // A rejected object was deleted: its id is spent. One not uploaded yet may still come.
    if (err instanceof AppError && err.code !== 'UPLOAD_NOT_RECEIVED') await ctx.records.delete(record.id);
    throw err;
  });
  const result = { ...verified, completedAt: new Date().toISOString() };
  if (!(await ctx.records.claimCompletion(record.id, result, ctx.recordTtlSeconds))) {
    const winner = await ctx.records.completion(record.id);
    return { id: record.id, status: 'completed', ...(winner ?? result) };
  }
  try {
    await ctx.recordCompleted({
      source: 'presigned',
      userId: record.userId,
      uploadId: record.id,
      size: verified.size,
      declaredType: verified.type,
      filename: record.filename,
    });
  } catch (err) {
    await ctx.records.releaseCompletion(record.id);
    throw err;
  }
  return { id: record.id, status: 'completed', ...result };
}
