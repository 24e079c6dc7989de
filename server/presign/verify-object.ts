import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../config/errors.ts';
import { parseOriginalKey } from '../../config/keys.ts';
import { assertSizeAllowed, assertTypeAllowed, normaliseType, type UploadPolicy } from '../uploads/policy.ts';
import { s3Status } from './s3-errors.ts';
import type { UploadRecord } from './upload-records.ts';

export type VerifiedObject = Readonly<{ size: number; type: string }>;

/**
 * Checks what really reached the store, whatever the presigned URL enforced
 * (a store may ignore a signed header, a policy may be lax, a part may be
 * bigger than expected): the object exists under the caller's key, its size is
 * within the caller's limit and equals the declared size, and its type is the
 * declared one and allowed. An object that fails is deleted, so nothing
 * unverified stays in the originals bucket, and the error says why (413, 415
 * or 422). An object not there yet is a 409 and nothing is deleted.
 */
export async function verifyObject(s3: S3Client, bucket: string, record: UploadRecord, userId: string, policy: UploadPolicy): Promise<VerifiedObject> {
  const owner = parseOriginalKey(record.key);
  if (!owner || owner.userId !== userId || owner.uploadId !== record.id) throw new AppError('NOT_FOUND');

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: record.key })).catch((err: unknown) => {
    if (s3Status(err) === 404) throw new AppError('UPLOAD_NOT_RECEIVED', undefined, { cause: err });
    throw err;
  });
  const size = head.ContentLength ?? 0;
  const type = normaliseType(head.ContentType ?? '');
  try {
    assertSizeAllowed(policy, size);
    if (size !== record.size) {
      throw new AppError('UPLOAD_MISMATCH', `The stored file is ${size} bytes, not the ${record.size} declared; it was deleted.`, {
        details: { declaredSize: record.size, storedSize: size },
      });
    }
    if (type !== record.type) {
      throw new AppError('UPLOAD_MISMATCH', `The stored file has type ${type ?? 'none'}, not the ${record.type} declared; it was deleted.`, {
        details: { declaredType: record.type, storedType: type ?? null },
      });
    }
    assertTypeAllowed(policy, type);
  } catch (err) {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: record.key }));
    throw err;
  }
  return { size, type };
}
