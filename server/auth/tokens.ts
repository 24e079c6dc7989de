import type { webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { isUserId } from '../../config/keys.ts';
import { AppError } from '../../config/errors.ts';

/** The authenticated caller, as every route and tus hook sees it. */
export type Principal = Readonly<{
  userId: string;
  /** From the optional `max_size` claim: narrows the server's limit, never widens it. */
  maxSize: number | undefined;
  /** From the optional `allowed_types` claim (array or comma-separated string of MIME patterns). */
  allowedTypes: readonly string[] | undefined;
}>;

const mimePattern = z.string().toLowerCase().regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/);

const claimsSchema = z.object({
  sub: z.string().refine(isUserId, 'sub must be 1-128 characters of A-Z a-z 0-9 . _ @ - and not start with a dot'),
  exp: z.number(),
  max_size: z.number().int().positive().optional(),
  allowed_types: z
    .union([z.array(z.string()), z.string().transform((s) => s.split(',').map((p) => p.trim()))])
    .pipe(z.array(mimePattern).min(1))
    .optional(),
});

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Tokens verified recently, kept so a client's next request skips the HMAC and the claims check. */
const VERIFIED_CACHE_SIZE = 10_000;

export function createTokenVerifier(secret: string, clockToleranceSeconds: number): TokenVerifier {
  // Imported once: given the raw secret, jose imports it as a CryptoKey on every call.
  const key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  // Token → what verifying it yielded. Only tokens that passed every check get in, keyed by their
  // exact text (a changed byte is another key); `exp` is checked again on every hit, as jose does.
  const verified = new Map<string, { principal: Principal; exp: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known && Date.now() / 1000 < known.exp + clockToleranceSeconds) return known.principal;
    const { principal, exp } = await verifyToken(token, await key, clockToleranceSeconds);
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { principal, exp });
    return principal;
  };
}

async function verifyToken(token: string, key: webcrypto.CryptoKey, clockToleranceSeconds: number): Promise<{ principal: Principal; exp: number }> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: clockToleranceSeconds,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', undefined, { cause: err });
    throw new AppError('UNAUTHENTICATED', 'The bearer token is invalid.', { cause: err });
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new AppError('UNAUTHENTICATED', `The bearer token has invalid claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const principal = Object.freeze({ userId: claims.data.sub, maxSize: claims.data.max_size, allowedTypes: claims.data.allowed_types });
  return { principal, exp: claims.data.exp };
}

export type TokenRequest = { userId: string; ttlSeconds: number; maxSize?: number | undefined; allowedTypes?: readonly string[] | undefined };

/** Issues a token the verifier accepts; used by the development token command and by tests. */
export async function signToken(secret: string, req: TokenRequest): Promise<string> {
  if (!isUserId(req.userId)) throw new Error(`not a valid user id: ${req.userId}`);
  return new SignJWT({
    ...(req.maxSize !== undefined ? { max_size: req.maxSize } : {}),
    ...(req.allowedTypes ? { allowed_types: [...req.allowedTypes] } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(req.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + req.ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
