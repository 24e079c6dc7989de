import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type { Config, S3Config } from '../../config/schema.ts';
import type { RecordUploadCompleted } from '../uploads/completion.ts';
import { confirmDirectUpload, issueUploadUrl } from './direct-upload.ts';
import type { DirectUploads } from './direct-uploads.ts';
import { abortMultipartUpload, completeMultipartUpload, listMultipartParts, signMultipartPart, startMultipart } from './multipart-upload.ts';
import type { PresignContext } from './presign-context.ts';
import { RedisUploadRecords } from './redis-upload-records.ts';
import { completeFromStore } from './store-completion.ts';
import { MemoryUploadRecords } from './upload-records.ts';

/**
 * Direct uploads over the originals bucket, with records in Redis when
 * configured (any instance can resume or confirm an upload) or in this
 * process's memory (one instance only). URLs come from `signer`, the client
 * of the endpoint browsers use (S3_PUBLIC_ENDPOINT).
 */
export function openDirectUploads(
  config: Config,
  s3Config: S3Config,
  deps: { s3: S3Client; signer: S3Client; redis: Redis | undefined; recordCompleted: RecordUploadCompleted },
): DirectUploads {
  const ctx: PresignContext = {
    s3: deps.s3,
    signer: deps.signer,
    bucket: s3Config.bucket,
    records: deps.redis && config.redis ? new RedisUploadRecords(deps.redis, config.redis.keyPrefix) : new MemoryUploadRecords(),
    limits: config.limits,
    expiresInSeconds: s3Config.presignExpiresSeconds,
    partSize: s3Config.partSize,
    recordTtlSeconds: s3Config.incompleteUploadDays * 24 * 3600,
    recordCompleted: deps.recordCompleted,
  };
  return {
    issueUploadUrl: (principal, file) => issueUploadUrl(ctx, principal, file),
    confirm: (principal, id) => confirmDirectUpload(ctx, principal, id),
    startMultipart: (principal, file) => startMultipart(ctx, principal, file),
    listParts: (principal, id) => listMultipartParts(ctx, principal, id),
    signPart: (principal, id, part) => signMultipartPart(ctx, principal, id, part),
    completeMultipart: (principal, id, parts) => completeMultipartUpload(ctx, principal, id, parts),
    abortMultipart: (principal, id) => abortMultipartUpload(ctx, principal, id),
    objectCreated: (object) => completeFromStore(ctx, object),
  };
}
