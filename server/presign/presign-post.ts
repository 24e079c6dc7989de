import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';

export type PresignedPost = { method: 'POST'; url: string; fields: Record<string, string>; expiresAt: string };

/**
 * An HTML-form upload (POST policy): the store checks the key, the exact
 * Content-Type and the body size against the signed policy. The size range is
 * [1, declared size]: the declared size is already within the user's limit, and
 * a body larger than declared is refused before it is stored (RGW: 400
 * EntityTooLarge); a smaller one is caught when the upload is confirmed.
 */
export async function presignPost(
  s3: S3Client,
  target: { bucket: string; key: string; type: string; size: number },
  expiresIn: number,
): Promise<PresignedPost> {
  const { url, fields } = await createPresignedPost(s3 as Parameters<typeof createPresignedPost>[0], {
    Bucket: target.bucket,
    Key: target.key,
    Conditions: [
      ['content-length-range', 1, target.size],
      ['eq', '$Content-Type', target.type],
    ],
    Fields: { 'Content-Type': target.type },
    Expires: expiresIn,
  });
  return { method: 'POST', url, fields, expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() };
}
