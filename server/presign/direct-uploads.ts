import type { Principal } from '../auth/tokens.ts';
import type { Confirmation } from './confirm-upload.ts';
import type { DeclaredFile } from './direct-upload.ts';
import type { UploadedPart } from './multipart.ts';
import type { PresignedPost } from './presign-post.ts';
import type { PresignedPut } from './presign-put.ts';

/**
 * Direct-to-S3 uploads as the HTTP routes see them. Types only: the routes are
 * built for every server, while the implementation (and the AWS SDK behind it)
 * is loaded by the composition root only with STORAGE=s3.
 */
export interface DirectUploads {
  issueUploadUrl(principal: Principal, file: DeclaredFile & { form: boolean }): Promise<(PresignedPut | PresignedPost) & { id: string }>;
  confirm(principal: Principal, id: string): Promise<Confirmation>;
  startMultipart(principal: Principal, file: DeclaredFile): Promise<{ id: string; uploadId: string; key: string }>;
  listParts(principal: Principal, id: string): Promise<UploadedPart[]>;
  signPart(principal: Principal, id: string, partNumber: number): Promise<{ url: string; expires: number; expiresAt: string }>;
  completeMultipart(principal: Principal, id: string, parts: readonly { PartNumber: number; ETag: string }[]): Promise<Confirmation & { location: string }>;
  abortMultipart(principal: Principal, id: string): Promise<void>;
}
