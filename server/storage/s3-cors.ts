import { PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Bucket CORS for browsers uploading straight to S3 (presigned PUT, POST form,
 * multipart parts) from the API's own origins (`CORS_ORIGINS`). ETag is exposed
 * because a multipart client must read each part's ETag to complete the upload.
 */
export async function putUploadCors(client: S3Client, bucket: string, origins: readonly string[]): Promise<void> {
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            ID: 'direct-uploads',
            AllowedOrigins: [...origins],
            AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    }),
  );
}
