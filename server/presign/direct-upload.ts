import { AppError } from '../../config/errors.ts';
import { newUploadId, originalKey } from '../../config/keys.ts';
import type { Principal } from '../auth/tokens.ts';
import { assertSizeAllowed, assertTypeAllowed } from '../uploads/policy.ts';
import { type Confirmation, confirmUpload } from './confirm-upload.ts';
import { ownedRecord, policyFor, type PresignContext } from './presign-context.ts';
import { type PresignedPost, presignPost } from './presign-post.ts';
import { type PresignedPut, presignPut } from './presign-put.ts';
import type { UploadRecord } from './upload-records.ts';

export type DeclaredFile = { filename?: string | undefined; type: string; size: number };

/** S3 takes at most 5 GiB in one PUT or POST; larger files go through multipart. */
const SINGLE_REQUEST_MAX = 5 * 1024 ** 3;

/**
 * Checks a declared file against the caller's policy (the tus limits narrowed
 * by the token) and reserves an id and key for it. Returns the normalised type.
 */
export function admit(ctx: PresignContext, principal: Principal, file: DeclaredFile): { id: string; key: string; type: string } {
  const policy = policyFor(ctx, principal);
  assertSizeAllowed(policy, file.size);
  const type = assertTypeAllowed(policy, file.type);
  const id = newUploadId();
  return { id, key: originalKey(principal.userId, id), type };
}

/** A presigned PUT (or, with `form`, a POST policy) for one new file; the caller confirms it afterwards. */
export async function issueUploadUrl(
  ctx: PresignContext,
  principal: Principal,
  file: DeclaredFile & { form: boolean },
): Promise<(PresignedPut | PresignedPost) & { id: string }> {
  const { id, key, type } = admit(ctx, principal, file);
  if (file.size > SINGLE_REQUEST_MAX) {
    throw new AppError('UPLOAD_TOO_LARGE', `A single request takes at most ${SINGLE_REQUEST_MAX} bytes; use /api/multipart for larger files.`, {
      details: { maxSize: SINGLE_REQUEST_MAX },
    });
  }
  const record: UploadRecord = {
    id,
    userId: principal.userId,
    key,
    kind: file.form ? 'post' : 'put',
    size: file.size,
    type,
    filename: file.filename,
    createdAt: new Date().toISOString(),
  };
  await ctx.records.put(record, ctx.recordTtlSeconds);
  const target = { bucket: ctx.bucket, key, type, size: file.size };
  const signed = file.form ? await presignPost(ctx.s3, target, ctx.expiresInSeconds) : await presignPut(ctx.s3, target, ctx.expiresInSeconds);
  return { id, ...signed };
}

/** `POST /api/uploads/:id/complete` for PUT and POST-form uploads. */
export async function confirmDirectUpload(ctx: PresignContext, principal: Principal, id: string): Promise<Confirmation> {
  const record = await ownedRecord(ctx, principal, id, ['put', 'post']);
  return confirmUpload(ctx, record, policyFor(ctx, principal));
}
