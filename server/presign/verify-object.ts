import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../config/errors.ts';
import { originalKey } from '../../config/keys.ts';
import { assertSizeAllowed, assertTypeAllowed, normaliseType } from '../uploads/policy.ts';
import { s3Status } from './s3-errors.ts';
import type { UploadRecord } from './upload-records.ts';

export type VerifiedObject = Readonly<{ size: number; type: string }>;

/**
 * Checks what really reached the store, whatever the presigned URL or policy
 * enforced (a store may ignore a signed header, an object may be written by
 * other means): the object is at the key of the record's owner, its size is
 * within the uploader's limit and equals the declared size, its type is allowed
 * and is the declared one. An object that fails is deleted, so nothing
 * unverified stays in the originals bucket, and the error says why (413, 415 or
 * 422). An object not there yet is a 409 and nothing is deleted.
 */
export async function verifyObject(s3: S3Client, bucket: string, record: UploadRecord): Promise<VerifiedObject> {
  // Records are written by the server with the key it chose; this guards against a record that was not.
  if (record.key !== originalKey(record.userId, record.id)) throw new AppError('NOT_FOUND');

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: record.key })).catch((err: unknown) => {
    if (s3Status(err) === 404) throw new AppError('UPLOAD_NOT_RECEIVED', undefined, { cause: err });
    throw err;
  });
  const size = head.ContentLength ?? 0;
  const type = normaliseType(head.ContentType ?? '');
  try {
    assertSizeAllowed(record.policy, size);
    if (size !== record.size) {
      throw new AppError('UPLOAD_MISMATCH', `The stored file is ${size} bytes, not the ${record.size} declared; it was deleted.`, {
        details: { declaredSize: record.size, storedSize: size },
      });
    }
    if (type) assertTypeAllowed(record.policy, type);
    if (type !== record.type) {
      throw new AppError('UPLOAD_MISMATCH', `The stored file has type ${type ?? '(none)'}, not the ${record.type} declared; it was deleted.`, {
        details: { declaredType: record.type, storedType: type ?? null },
      });
    }
  } catch (err) {
    await deleteObject(s3, bucket, record.key);
    throw err;
  }
  return { size, type };
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
