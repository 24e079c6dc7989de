import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../config/errors.ts';
import { isUploadId } from '../../config/keys.ts';
import type { Principal } from '../auth/tokens.ts';
import type { RecordUploadCompleted } from '../uploads/completion.ts';
import type { UploadKind, UploadRecord, UploadRecords } from './upload-records.ts';

/** What every direct-upload operation needs; built once by the composition root. */
export type PresignContext = Readonly<{
  /** The server's own S3 client (HeadObject, multipart calls, deletes). */
  s3: S3Client;
  /** Signs the URLs clients use: the same client, or one for S3_PUBLIC_ENDPOINT. */
  signer: S3Client;
  /** The originals bucket: the same one tus writes to. */
  bucket: string;
  records: UploadRecords;
  limits: Readonly<{ maxUploadSize: number; allowedTypes: readonly string[] }>;
  expiresInSeconds: number;
  /** Suggested multipart part size (S3_PART_SIZE, grown for huge files to stay within 10,000 parts). */
  partSize: number;
  /**
   * How long records and outcomes are kept: as long as the bucket's lifecycle
   * rule keeps unfinished multipart uploads (S3_INCOMPLETE_UPLOAD_DAYS).
   */
  recordTtlSeconds: number;
  recordCompleted: RecordUploadCompleted;
}>;

/**
 * The caller's record for `id`. Unknown, expired, another user's, or of another
 * kind all answer the same 404, so ids of other users cannot be probed.
 */
export async function ownedRecord(ctx: PresignContext, principal: Principal, id: string, kinds: readonly UploadKind[]): Promise<UploadRecord> {
  const record = isUploadId(id) ? await ctx.records.get(id) : undefined;
  if (!record || record.userId !== principal.userId || !kinds.includes(record.kind)) throw new AppError('NOT_FOUND');
  return record;
}
