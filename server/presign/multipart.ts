import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../config/errors.ts';
import { expiryOf } from './presign-put.ts';
import { s3ErrorCode } from './s3-errors.ts';

/**
 * The S3 side of browser-driven multipart uploads (the protocol of Uppy's
 * @uppy/aws-s3 multipart mode): the server starts the upload, signs one URL per
 * part, lists what S3 has, and completes or aborts. Part bytes never pass
 * through the server.
 */
export type MultipartTarget = { bucket: string; key: string; uploadId: string };
export type UploadedPart = { PartNumber: number; Size: number; ETag: string };

export async function createMultipart(s3: S3Client, target: { bucket: string; key: string; type: string }): Promise<string> {
  const res = await s3.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ContentType: target.type }));
  if (!res.UploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
  return res.UploadId;
}

export type SignedPart = { url: string; expires: number; expiresAt: string };

/**
 * A URL for one part of exactly `size` bytes: Content-Length is signed, so the
 * store refuses a part of another size. Part sizes are the client's choice
 * (S3 wants 5 MiB or more for all but the last).
 */
export async function signPart(signer: S3Client, target: MultipartTarget, part: { number: number; size: number }, expiresIn: number): Promise<SignedPart> {
  const command = new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId: target.uploadId, PartNumber: part.number, ContentLength: part.size });
  const url = await getSignedUrl(signer, command, { expiresIn, signableHeaders: new Set(['content-length']) });
  return { url, expires: expiresIn, expiresAt: expiryOf(expiresIn) };
}

/** Every part S3 holds ("which parts do you have?"), across ListParts pages of 1,000. */
export async function listParts(s3: S3Client, target: MultipartTarget): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  do {
    const res = await s3
      .send(new ListPartsCommand({ Bucket: target.bucket, Key: target.key, UploadId: target.uploadId, PartNumberMarker: marker }))
      .catch(noSuchUpload);
    for (const p of res.Parts ?? []) {
      if (p.PartNumber !== undefined && p.ETag) parts.push({ PartNumber: p.PartNumber, Size: p.Size ?? 0, ETag: p.ETag });
    }
    marker = res.IsTruncated ? res.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}

/** Assembles the object. S3's refusals (unknown part, wrong ETag, part too small) are the client's to fix: 400. */
export async function completeMultipart(s3: S3Client, target: MultipartTarget, parts: readonly { PartNumber: number; ETag: string }[]): Promise<void> {
  const sorted = [...parts].sort((a, b) => a.PartNumber - b.PartNumber);
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: target.uploadId, MultipartUpload: { Parts: sorted } }),
    );
  } catch (err) {
    const code = s3ErrorCode(err);
    if (code === 'NoSuchUpload') throw new AppError('NOT_FOUND', 'The multipart upload was completed or aborted.', { cause: err });
    if (code && ['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML', 'InvalidRequest'].includes(code)) {
      throw new AppError('MULTIPART_INVALID', undefined, { cause: err, details: { s3Code: code } });
    }
    throw err;
  }
}

export async function abortMultipart(s3: S3Client, target: MultipartTarget): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: target.uploadId })).catch((err: unknown) => {
    // Aborting twice is not an error for the client: the upload is gone either way.
    if (s3ErrorCode(err) !== 'NoSuchUpload') throw err;
  });
}

function noSuchUpload(err: unknown): never {
  if (s3ErrorCode(err) === 'NoSuchUpload') throw new AppError('NOT_FOUND', 'The multipart upload was completed or aborted.', { cause: err });
  throw err;
}
