import { AppError } from '../../config/errors.ts';
import type { Principal } from '../auth/tokens.ts';
import { admit, type DeclaredFile } from './direct-upload.ts';
import { abortMultipart, completeMultipart, createMultipart, listParts, type MultipartTarget, type SignedPart, signPart, type UploadedPart } from './multipart.ts';
import { ownedRecord, type PresignContext } from './presign-context.ts';
import { type Confirmation, settleUpload } from './settle-upload.ts';
import { MAX_PART, MAX_PARTS, MIB, MIN_PART } from './s3-limits.ts';
import type { UploadRecord } from './upload-records.ts';

export type StartedMultipart = { id: string; uploadId: string; key: string; partSize: number };

/**
 * Multipart uploads as a user sees them: addressed by our upload id (the one
 * `/api/files/:id` knows; returned as `uploadId` too, the name Uppy passes
 * back), owned by one user, resumable from any instance because S3's own upload
 * id lives in the shared record and never reaches the client.
 */
export async function startMultipart(ctx: PresignContext, principal: Principal, file: DeclaredFile): Promise<StartedMultipart> {
  const admitted = admit(ctx, principal, file, 'multipart');
  const s3UploadId = await createMultipart(ctx.s3, { bucket: ctx.bucket, key: admitted.key, type: admitted.type });
  await ctx.records.put({ ...admitted, s3UploadId }, ctx.recordTtlSeconds);
  const partSize = Math.max(ctx.partSize, Math.ceil(file.size / MAX_PARTS / MIB) * MIB);
  return { id: admitted.id, uploadId: admitted.id, key: admitted.key, partSize };
}

/**
 * A URL for part `number` of `size` bytes. The part number must fit the
 * declared size (no more parts than 5 MiB pieces of it), and the sizes of all
 * distinct parts signed so far may not add up to more than the declared size,
 * so a client cannot stage more bytes than it announced.
 */
export async function signMultipartPart(ctx: PresignContext, principal: Principal, id: string, part: { number: number; size: number }): Promise<SignedPart> {
  const record = await ownedRecord(ctx, principal, id, ['multipart']);
  const lastPart = Math.min(MAX_PARTS, Math.max(1, Math.ceil(record.size / MIN_PART)));
  if (part.number > lastPart) {
    throw new AppError('VALIDATION_FAILED', `A file of ${record.size} bytes has at most ${lastPart} parts of at least ${MIN_PART} bytes.`, { details: { maxPartNumber: lastPart } });
  }
  if (part.size > MAX_PART) throw new AppError('VALIDATION_FAILED', `A part is at most ${MAX_PART} bytes.`);
  if ((await ctx.records.addPart(id, part.number, part.size, record.size, ctx.recordTtlSeconds)) === undefined) {
    throw new AppError('UPLOAD_TOO_LARGE', `The parts would add up to more than the ${record.size} bytes declared.`, { details: { declaredSize: record.size } });
  }
  return signPart(ctx.signer, targetOf(ctx, record), part, ctx.expiresInSeconds);
}

export async function listMultipartParts(ctx: PresignContext, principal: Principal, id: string): Promise<UploadedPart[]> {
  return listParts(ctx.s3, targetOf(ctx, await ownedRecord(ctx, principal, id, ['multipart'])));
}

export async function completeMultipartUpload(
  ctx: PresignContext,
  principal: Principal,
  id: string,
  parts: readonly { PartNumber: number; ETag: string }[],
): Promise<Confirmation & { location: string }> {
  const record = await ownedRecord(ctx, principal, id, ['multipart']);
  // A retried completion (the first answer was lost) finds the outcome, and S3's upload gone.
  if (!(await ctx.records.outcome(id))) {
    await completeMultipart(ctx.s3, targetOf(ctx, record), parts).catch((err: unknown) => {
      // Gone at S3: completed by a request whose answer was lost (then the object is there), or aborted.
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
    });
  }
  const confirmed = await settleUpload(ctx, record).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'UPLOAD_NOT_RECEIVED') throw new AppError('NOT_FOUND', 'The multipart upload was aborted.', { cause: err });
    throw err;
  });
  return { ...confirmed, location: `/api/files/${id}` };
}

export async function abortMultipartUpload(ctx: PresignContext, principal: Principal, id: string): Promise<void> {
  const record = await ownedRecord(ctx, principal, id, ['multipart']);
  if (await ctx.records.outcome(id)) throw new AppError('NOT_FOUND', 'The multipart upload was already completed.');
  await abortMultipart(ctx.s3, targetOf(ctx, record));
  await ctx.records.delete(id);
}

function targetOf(ctx: PresignContext, record: UploadRecord): MultipartTarget {
  if (!record.s3UploadId) throw new Error(`multipart record ${record.id} has no S3 upload id`);
  return { bucket: ctx.bucket, key: record.key, uploadId: record.s3UploadId };
}
