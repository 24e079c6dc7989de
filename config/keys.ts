/**
 * Object key layout shared by the server and the processor. Upload ids are
 * server-generated (128 random bits, hex) and user ids are restricted to a
 * path-safe alphabet, so a key can never escape its user's namespace.
 */
import { randomBytes } from 'node:crypto';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Token subjects we accept as namespace names: no slashes, no leading dot, bounded. */
const USER_ID = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,127}$/;

export const newUploadId = (): string => randomBytes(16).toString('hex');
export const isUploadId = (value: string): boolean => UPLOAD_ID.test(value);
export const isUserId = (value: string): boolean => USER_ID.test(value);

/** Where an upload's bytes live, relative to the originals root (directory or bucket). */
export const originalKey = (userId: string, uploadId: string): string => `${userId}/${uploadId}`;

export function parseOriginalKey(key: string): { userId: string; uploadId: string } | undefined {
  const [userId, uploadId, ...rest] = key.split('/');
  if (rest.length > 0 || !userId || !uploadId || !isUserId(userId) || !isUploadId(uploadId)) return undefined;
  return { userId, uploadId };
}
