import { AppError } from '../../config/errors.ts';
import type { Principal } from '../auth/tokens.ts';
import { type Confirmation, confirmUpload } from './confirm-upload.ts';
import { admit, type DeclaredFile } from './direct-upload.ts';
import { abortMultipart, completeMultipart, createMultipart, listParts, type MultipartTarget, signPart, type UploadedPart } from './multipart.ts';
import { ownedRecord, policyFor, type PresignContext } from './presign-context.ts';
import type { UploadRecord } from './upload-records.ts';

/**
 * Multipart uploads as a user sees them: addressed by our upload id (the one
 * `/api/files/:id` knows), owned by one user, resumable from any instance
 * because the S3 upload id lives in the shared record.
 */
export async function startMultipart(ctx: PresignContext, principal: Principal, file: DeclaredFile): Promise<{ id: string; uploadId: string; key: string }> {
  const { id, key, type } = admit(ctx, principal, file);
  const uploadId = await createMultipart(ctx.s3, { bucket: ctx.bucket, key, type });
  const record: UploadRecord = {
    id,
    userId: principal.userId,
    key,
    kind: 'multipart',
    s3UploadId: uploadId,
    size: file.size,
    type,
    filename: file.filename,
    createdAt: new Date().toISOString(),
  };
  await ctx.records.put(record, ctx.recordTtlSeconds);
  return { id, uploadId, key };
}

export async function signMultipartPart(ctx: PresignContext, principal: Principal, id: string, partNumber: number) {
  return signPart(ctx.s3, await target(ctx, principal, id), partNumber, ctx.expiresInSeconds);
}

export async function listMultipartParts(ctx: PresignContext, principal: Principal, id: string): Promise<UploadedPart[]> {
  return listParts(ctx.s3, await target(ctx, principal, id));
}

export async function completeMultipartUpload(
  ctx: PresignContext,
  principal: Principal,
  id: string,
  parts: readonly { PartNumber: number; ETag: string }[],
): Promise<Confirmation & { location: string }> {
  const record = await ownedRecord(ctx, principal, id, ['multipart']);
  const location = `s3://${ctx.bucket}/${record.key}`;
  // A retried completion (the first answer was lost) finds the claim and S3's upload already gone.
  const done = await ctx.records.completion(id);
  if (done) return { id, status: 'completed', ...done, location };
  await completeMultipart(ctx.s3, targetOf(ctx, record), parts);
  return { ...(await confirmUpload(ctx, record, policyFor(ctx, principal))), location };
}

export async function abortMultipartUpload(ctx: PresignContext, principal: Principal, id: string): Promise<void> {
  const record = await ownedRecord(ctx, principal, id, ['multipart']);
  if (await ctx.records.completion(id)) throw new AppError('NOT_FOUND', 'The multipart upload was already completed.');
  await abortMultipart(ctx.s3, targetOf(ctx, record));
  await ctx.records.delete(id);
}

async function target(ctx: PresignContext, principal: Principal, id: string): Promise<MultipartTarget> {
  return targetOf(ctx, await ownedRecord(ctx, principal, id, ['multipart']));
}

function targetOf(ctx: PresignContext, record: UploadRecord): MultipartTarget {
  if (!record.s3UploadId) throw new Error(`multipart record ${record.id} has no S3 upload id`);
  return { bucket: ctx.bucket, key: record.key, uploadId: record.s3UploadId };
}
