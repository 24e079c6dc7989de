import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { originalKey } from '../../config/keys.ts';
import { attachment, type DeliveryLinks } from './links.ts';

/**
 * S3 mode: variants from the CDN in front of the processed bucket, or, without
 * one, presigned GETs of the processed objects; originals always as presigned
 * GETs that force a download (an uploaded HTML file must not render on the
 * storage origin).
 */
export function s3Links(opts: { s3: S3Client; bucket: string; processedBucket: string; cdnBaseUrl: string | undefined; expiresSeconds: number }): DeliveryLinks {
  const presign = (command: GetObjectCommand) => getSignedUrl(opts.s3, command, { expiresIn: opts.expiresSeconds });
  return {
    variant: async (key) =>
      opts.cdnBaseUrl ? `${opts.cdnBaseUrl}/${key}` : presign(new GetObjectCommand({ Bucket: opts.processedBucket, Key: key })),
    original: async (status) => {
      const expiresAt = new Date(Date.now() + opts.expiresSeconds * 1000).toISOString();
      const url = await presign(
        new GetObjectCommand({
          Bucket: opts.bucket,
          Key: originalKey(status.userId, status.uploadId),
          ResponseContentDisposition: attachment(status.filename),
          ResponseContentType: 'application/octet-stream',
          ResponseCacheControl: 'private, no-store',
        }),
      );
      return { url, expiresAt };
    },
  };
}
