import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { serviceEnv } from './services.ts';

export function testS3Client(): S3Client {
  return new S3Client({
    endpoint: serviceEnv('S3_ENDPOINT'),
    region: process.env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Deletes a test's bucket with everything in it (objects one by one: few, and no DeleteObjects checksum quirks). */
export async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  const { Uploads = [] } = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  await Promise.all(Uploads.map((u) => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }))));
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    await Promise.all((page.Contents ?? []).map((o) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))));
    token = page.NextContinuationToken;
  } while (token);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** sha256 and size of an object, streamed. */
export async function objectDigest(s3: S3Client, bucket: string, key: string): Promise<{ sha256: string; size: number }> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function openMultipartUploads(s3: S3Client, bucket: string): Promise<number> {
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return res.Uploads?.length ?? 0;
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

export async function getObject(s3: S3Client, bucket: string, key: string): Promise<{ body: Buffer; contentType?: string; cacheControl?: string }> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Buffer[] = [];
  for await (const c of res.Body as Readable) chunks.push(c as Buffer);
  return { body: Buffer.concat(chunks), contentType: res.ContentType, cacheControl: res.CacheControl };
}
