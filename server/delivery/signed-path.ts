import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-signed, expiring paths: the file-store counterpart of an S3 presigned
 * GET, for private files this server delivers itself. The key is derived from
 * the JWT secret, so a signature can never pass as a token or the reverse.
 */
export type PathSigner = {
  /** `path?expires=<unix s>&sig=<hex>` */
  sign(path: string, expiresAt: Date): string;
  verify(path: string, expires: string | undefined, sig: string | undefined, now?: Date): boolean;
};

export function createPathSigner(secret: string): PathSigner {
  const key = createHmac('sha256', secret).update('ums signed paths v1').digest();
  const mac = (path: string, expires: string) => createHmac('sha256', key).update(`${path}\n${expires}`).digest();
  return {
    sign(path, expiresAt) {
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      return `${path}?expires=${expires}&sig=${mac(path, expires).toString('hex')}`;
    },
    verify(path, expires, sig, now = new Date()) {
      if (!expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) return false;
      if (Number(expires) * 1000 < now.getTime()) return false;
      return timingSafeEqual(mac(path, expires), Buffer.from(sig, 'hex'));
    },
  };
}
