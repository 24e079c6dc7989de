import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export type SignedTarget = Readonly<{ bucket: string; key: string; type: string; size: number }>;
export type PresignedPut = { method: 'PUT'; url: string; headers: { 'Content-Type': string; 'If-None-Match': '*' }; expiresAt: string };

/**
 * A presigned PUT whose signature covers Content-Type and Content-Length, so the
 * store itself refuses another type or size (403 SignatureDoesNotMatch). The
 * presigner leaves both unsigned unless asked (`signableHeaders`); neither is an
 * x-amz-* header, so neither moves into the query string: the client sends them
 * as headers. Content-Length is not listed for the client to set: browsers refuse
 * to set it themselves and send the body's length anyway.
 * `If-None-Match: *` is signed too: the URL can create the object once and never
 * replace it, so the bytes that were verified and scanned stay the bytes stored.
 */
export async function presignPut(signer: S3Client, target: SignedTarget, expiresIn: number): Promise<PresignedPut> {
  const command = new PutObjectCommand({ Bucket: target.bucket, Key: target.key, ContentType: target.type, ContentLength: target.size, IfNoneMatch: '*' });
  const url = await getSignedUrl(signer, command, { expiresIn, signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']) });
  return { method: 'PUT', url, headers: { 'Content-Type': target.type, 'If-None-Match': '*' }, expiresAt: expiryOf(expiresIn) };
}

export const expiryOf = (expiresIn: number): string => new Date(Date.now() + expiresIn * 1000).toISOString();
