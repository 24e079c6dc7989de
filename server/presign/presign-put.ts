import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export type PresignedPut = { method: 'PUT'; url: string; headers: { 'Content-Type': string; 'Content-Length': string }; expiresAt: string };

/**
 * A presigned PUT whose signature covers Content-Type and Content-Length, so the
 * store itself refuses another type or size (403 SignatureDoesNotMatch on
 * RGW and AWS). The presigner leaves content-type unsigned unless asked
 * (`signableHeaders`); neither header is an x-amz-* header, so neither is
 * hoisted into the query string and the client must send both as headers.
 */
export async function presignPut(
  s3: S3Client,
  target: { bucket: string; key: string; type: string; size: number },
  expiresIn: number,
): Promise<PresignedPut> {
  const command = new PutObjectCommand({ Bucket: target.bucket, Key: target.key, ContentType: target.type, ContentLength: target.size });
  const url = await getSignedUrl(s3, command, { expiresIn, signableHeaders: new Set(['content-type', 'content-length']) });
  return {
    method: 'PUT',
    url,
    headers: { 'Content-Type': target.type, 'Content-Length': String(target.size) },
    expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
  };
}
