import { originalKey } from '../../config/keys.ts';
import type { DeliveryLinks } from './links.ts';
import type { PathSigner } from './signed-path.ts';

export const ORIGINALS_PATH = '/originals';

/**
 * File-store mode: this server delivers both, variants under `/media/`
 * (or the CDN in front of it) and originals under a signed `/originals/` path.
 */
export function fileLinks(opts: { baseUrl: string; cdnBaseUrl: string | undefined; signer: PathSigner; expiresSeconds: number }): DeliveryLinks {
  return {
    variant: async (key) => `${opts.cdnBaseUrl ?? opts.baseUrl}/${key}`,
    original: async (status) => {
      const expiresAt = new Date(Date.now() + opts.expiresSeconds * 1000);
      const signed = opts.signer.sign(`${ORIGINALS_PATH}/${originalKey(status.userId, status.uploadId)}`, expiresAt);
      return { url: `${opts.baseUrl}${signed}`, expiresAt: expiresAt.toISOString() };
    },
  };
}
