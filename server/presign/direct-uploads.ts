import type { Principal } from '../auth/tokens.ts';
import type { DeclaredFile, IssuedUpload } from './direct-upload.ts';
import type { SignedPart, UploadedPart } from './multipart.ts';
import type { StartedMultipart } from './multipart-upload.ts';
import type { CreatedObject } from './s3-event-records.ts';
import type { Confirmation } from './settle-upload.ts';
import type { StoreCompletion } from './store-completion.ts';

/**
 * Direct-to-S3 uploads as the HTTP routes and the store-events consumer see
 * them. Types only: the routes are built for every server, while the
 * implementation (and the AWS SDK behind it) is loaded by the composition root
 * only with STORAGE=s3.
 */
export interface DirectUploads {
  issueUploadUrl(principal: Principal, file: DeclaredFile & { method: 'PUT' | 'POST' }): Promise<IssuedUpload>;
  confirm(principal: Principal, id: string): Promise<Confirmation>;
  startMultipart(principal: Principal, file: DeclaredFile): Promise<StartedMultipart>;
  listParts(principal: Principal, id: string): Promise<UploadedPart[]>;
  signPart(principal: Principal, id: string, part: { number: number; size: number }): Promise<SignedPart>;
  completeMultipart(principal: Principal, id: string, parts: readonly { PartNumber: number; ETag: string }[]): Promise<Confirmation & { location: string }>;
  abortMultipart(principal: Principal, id: string): Promise<void>;
  /** A store notification: an object was created in the bucket. */
  objectCreated(object: CreatedObject): Promise<StoreCompletion>;
}
