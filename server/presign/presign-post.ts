import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { expiryOf, type SignedTarget } from './presign-put.ts';

export type PresignedPost = { method: 'POST'; url: string; fields: Record<string, string>; expiresAt: string };

/**
 * An HTML-form upload (POST policy): the store checks the key, the exact
 * Content-Type and, with `content-length-range`, the body size against the
 * signed policy, so a larger (or smaller) file is refused before it is stored.
 * The file must be the form's last field.
 */
export async function presignPost(signer: S3Client, target: SignedTarget, expiresIn: number): Promise<PresignedPost> {
  // The package pins its own copy of @aws-sdk/client-s3, whose S3Client type differs only nominally.
  const { url, fields } = await createPresignedPost(signer as unknown as Parameters<typeof createPresignedPost>[0], {
    Bucket: target.bucket,
    Key: target.key,
    Conditions: [
      ['content-length-range', target.size, target.size],
      ['eq', '$Content-Type', target.type],
    ],
    Fields: { 'Content-Type': target.type },
    Expires: expiresIn,
  });
  return { method: 'POST', url, fields, expiresAt: expiryOf(expiresIn) };
}
