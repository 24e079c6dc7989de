import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { onCleanup } from './cleanup.ts';
import { collectRgwGarbage, need, type ServiceEnv } from './services.ts';
import type { BenchContext } from './types.ts';

/** The bench's own S3 calls against the test RGW: buckets, clean-up, size checks. */

/** Settings both our server and the direct client get, so they talk to RGW alike. */
export function s3Settings(env: ServiceEnv) {
  return {
    endpoint: need(env, 'S3_ENDPOINT'),
    region: env.S3_REGION ?? 'us-east-1',
    accessKeyId: need(env, 'S3_ACCESS_KEY_ID'),
    secretAccessKey: need(env, 'S3_SECRET_ACCESS_KEY'),
  };
}
export type S3Settings = ReturnType<typeof s3Settings>;

export function s3Client(s: S3Settings): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    // This RGW rejects the SDK's default aws-chunked checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** New buckets named `<prefix>-…` and `<prefix>-…-out`, emptied and deleted at clean-up. */
export async function freshBuckets(ctx: BenchContext, s3: S3Client, prefix: string): Promise<{ originals: string; processed: string; remove: () => Promise<void> }> {
  const originals = unique(prefix);
  const processed = `${originals}-out`;
  for (const bucket of [originals, processed]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const remove = onCleanup(async () => {
    for (const bucket of [originals, processed]) {
      await emptyBucket(s3, bucket);
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
    await collectRgwGarbage(ctx);
  });
  return { originals, processed, remove };
}

/**
 * Aborts open multipart uploads and deletes every object. One DeleteObject per
 * key: DeleteObjects needs a Content-MD5 the SDK no longer sends by default.
 */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of open.Uploads ?? []) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }));
  let deleted = 0;
  for (let token: string | undefined, more = true; more; ) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!);
    await Promise.all(keys.map((Key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
    deleted += keys.length;
    token = page.NextContinuationToken;
    more = page.IsTruncated === true && token !== undefined;
  }
  return deleted;
}

/** Fails unless every key exists with exactly `size` bytes (HeadObject). */
export async function assertSizes(s3: S3Client, bucket: string, keys: readonly string[], size: number, who: string): Promise<void> {
  const sizes = await Promise.all(keys.map(async (Key) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))).ContentLength));
  const wrong = keys.filter((_, i) => sizes[i] !== size);
  if (wrong.length) throw new Error(`${who}: ${wrong.length} of ${keys.length} objects not ${size} bytes (e.g. ${wrong[0]}: ${sizes[keys.indexOf(wrong[0]!)]})`);
}
