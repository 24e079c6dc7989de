import { PutBucketLifecycleConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Bucket lifecycle rules for the originals bucket, so abandoned uploads cost
 * nothing forever even if no server runs the expiry sweep:
 * - abort multipart uploads still incomplete after `days` (their parts are billed
 *   but invisible in listings);
 * - expire the `.info`/`.part` objects @tus/s3-store tags `Tus-Completed=false`
 *   (unfinished uploads) after `days`.
 */
export async function putUploadLifecycle(client: S3Client, bucket: string, days: number): Promise<void> {
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'abort-incomplete-multipart-uploads',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: days },
          },
          {
            ID: 'expire-unfinished-tus-uploads',
            Status: 'Enabled',
            Filter: { Tag: { Key: 'Tus-Completed', Value: 'false' } },
            Expiration: { Days: days },
          },
        ],
      },
    }),
  );
}
