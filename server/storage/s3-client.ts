import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/schema.ts';
import { s3ClientConfig } from './s3-client-config.ts';

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
