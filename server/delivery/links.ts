import type { FileStatus } from '../../processor/status/status-store.ts';

export type SignedLink = { url: string; expiresAt: string };

/**
 * Where clients fetch a file's bytes. Variants are public and immutable (the
 * CDN, or this server in embedded mode); originals are private and offered
 * only as short-lived signed links.
 */
export type DeliveryLinks = {
  variant(key: string): Promise<string>;
  original(status: FileStatus): Promise<SignedLink>;
};

/** `attachment; filename=…` that is safe to put in a header whatever the user named the file. */
export function attachment(filename: string | undefined): string {
  if (!filename) return 'attachment';
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
