/**
 * Object key layout shared by the server and the processor. Upload ids are
 * server-generated (a v4 UUID's 122 random bits, as 32 hex digits) and user ids are restricted to a
 * path-safe alphabet, so a key can never escape its user's namespace.
 */
import { randomUUID } from 'node:crypto';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Token subjects we accept as namespace names: no slashes, no leading dot, bounded. */
const USER_ID = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,127}$/;

// randomUUID draws from a buffered entropy pool; randomBytes(16) made a getrandom call per id.
export const newUploadId = (): string => randomUUID().replaceAll('-', '');
export const isUploadId = (value: string): boolean => UPLOAD_ID.test(value);
export const isUserId = (value: string): boolean => USER_ID.test(value);

/** Where an upload's bytes live, relative to the originals root (directory or bucket). */
export const originalKey = (userId: string, uploadId: string): string => `${userId}/${uploadId}`;

export function parseOriginalKey(key: string): { userId: string; uploadId: string } | undefined {
  const [userId, uploadId, ...rest] = key.split('/');
  if (rest.length > 0 || !userId || !uploadId || !isUserId(userId) || !isUploadId(uploadId)) return undefined;
  return { userId, uploadId };
}

/** Quarantined originals keep their key under this prefix; a user id cannot start with a dot. */
export const QUARANTINE_PREFIX = '.quarantine/';
export const quarantineKey = (originalKey: string): string => `${QUARANTINE_PREFIX}${originalKey}`;

/**
 * Processed files: `media/<upload id>/<content hash>-<label>.<ext>`. The hash of
 * the bytes makes each key immutable (cacheable forever) and makes reprocessing
 * write the same keys instead of new objects. The manifest alone is mutable.
 */
export const variantKey = (uploadId: string, contentSha256: string, label: string, ext: string): string =>
  `media/${uploadId}/${contentSha256.slice(0, 20)}-${label}.${ext}`;
export const manifestKey = (uploadId: string): string => `media/${uploadId}/manifest.json`;
