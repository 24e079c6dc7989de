import { AppError } from '../../config/errors.ts';
import { newUploadId, originalKey } from '../../config/keys.ts';
import type { Principal } from '../auth/tokens.ts';
import { assertSizeAllowed, assertTypeAllowed, makePolicy } from '../uploads/policy.ts';
import { ownedRecord, type PresignContext } from './presign-context.ts';
import { type PresignedPost, presignPost } from './presign-post.ts';
import { type PresignedPut, presignPut } from './presign-put.ts';
import { type Confirmation, settleUpload } from './settle-upload.ts';
import type { UploadKind, UploadRecord } from './upload-records.ts';

export type DeclaredFile = Readonly<{ filename?: string | undefined; type: string; size: number }>;
export type IssuedUpload = (PresignedPut | PresignedPost) & { id: string; key: string };

/** S3 takes at most 5 GiB in one PUT or POST; larger files go through multipart. */
const SINGLE_REQUEST_MAX = 5 * 1024 ** 3;

/**
 * Checks a declared file against the caller's policy (the tus limits narrowed
 * by the token) and reserves an id, and the key derived from it, for it: the
 * server chooses every key, under the caller's prefix.
 */
export function admit(ctx: PresignContext, principal: Principal, file: DeclaredFile, kind: UploadKind): UploadRecord {
  const policy = makePolicy(ctx.limits, principal);
  assertSizeAllowed(policy, file.size);
  const type = assertTypeAllowed(policy, file.type);
  const id = newUploadId();
  return {
    id,
    userId: principal.userId,
    key: originalKey(principal.userId, id),
    kind,
    size: file.size,
    type,
    filename: file.filename,
    createdAt: new Date().toISOString(),
    policy,
  };
}

/** A presigned PUT (or a POST policy for an HTML form) for one new file; confirmed afterwards. */
export async function issueUploadUrl(ctx: PresignContext, principal: Principal, file: DeclaredFile & { method: 'PUT' | 'POST' }): Promise<IssuedUpload> {
  const record = admit(ctx, principal, file, file.method === 'POST' ? 'post' : 'put');
  if (file.size > SINGLE_REQUEST_MAX) {
    throw new AppError('UPLOAD_TOO_LARGE', `One request takes at most ${SINGLE_REQUEST_MAX} bytes; use /api/multipart for larger files.`, {
      details: { maxSize: SINGLE_REQUEST_MAX },
    });
  }
  await ctx.records.put(record, ctx.recordTtlSeconds);
  const target = { bucket: ctx.bucket, key: record.key, type: record.type, size: record.size };
  const signed = file.method === 'POST' ? await presignPost(ctx.signer, target, ctx.expiresInSeconds) : await presignPut(ctx.signer, target, ctx.expiresInSeconds);
  return { id: record.id, key: record.key, ...signed };
}

/** `POST /api/uploads/:id/complete` for PUT and POST-form uploads. */
export async function confirmDirectUpload(ctx: PresignContext, principal: Principal, id: string): Promise<Confirmation> {
  return settleUpload(ctx, await ownedRecord(ctx, principal, id, ['put', 'post']));
}
