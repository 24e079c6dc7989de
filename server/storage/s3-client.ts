import { CreateBucketCommand, HeadBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/schema.ts';

/** Client settings shared by the tus store, provisioning, presigning and the processor. */
export function s3ClientConfig(s3: S3Config): S3ClientConfig {
  return {
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    // A copy: the SDK annotates the credentials object, and config is frozen.
    ...(s3.credentials ? { credentials: { ...s3.credentials } } : {}),
    // Many S3-compatible stores reject the SDK's default aws-chunked checksum trailers.
    requestChecksumCalculation: s3.checksumMode,
    responseChecksumValidation: s3.checksumMode,
  };
}

export const createS3Client = (s3: S3Config) => new S3Client(s3ClientConfig(s3));

/** Resolves when the bucket exists; creates it only when `create` is set (development). */
export async function ensureBucket(client: S3Client, bucket: string, create: boolean): Promise<'exists' | 'created'> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw err;
    if (!create) {
      throw new Error(`bucket ${bucket} does not exist; create it with "npm run provision" or set S3_CREATE_BUCKETS=true`, { cause: err });
    }
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return 'created';
  }
}
