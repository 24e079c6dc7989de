import { AppError } from '../../config/errors.ts';

/**
 * What one user may upload: the server's limits narrowed by the token's optional
 * claims. Shared by every upload path (tus, presigned) so they agree.
 */
export type UploadPolicy = Readonly<{
  maxSize: number;
  /** Every list must contain a pattern matching the declared type (server list, then token list). */
  typeRules: readonly (readonly string[])[];
}>;

export function makePolicy(
  server: { maxUploadSize: number; allowedTypes: readonly string[] },
  claims: { maxSize?: number | undefined; allowedTypes?: readonly string[] | undefined },
): UploadPolicy {
  return Object.freeze({
    maxSize: Math.min(server.maxUploadSize, claims.maxSize ?? Number.POSITIVE_INFINITY),
    typeRules: claims.allowedTypes ? [server.allowedTypes, claims.allowedTypes] : [server.allowedTypes],
  });
}

export function mimeMatches(pattern: string, type: string): boolean {
  const [pType, pSub] = pattern.split('/');
  const [tType, tSub] = type.split('/');
  return pType === tType && (pSub === '*' || pSub === tSub);
}

/** A declared MIME type, normalised: parameters dropped, lower case, `type/subtype` only. */
export function normaliseType(declared: string): string | undefined {
  const type = declared.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : undefined;
}

export function assertSizeAllowed(policy: UploadPolicy, size: number): void {
  if (size > policy.maxSize) {
    throw new AppError('UPLOAD_TOO_LARGE', `The upload is ${size} bytes; the limit is ${policy.maxSize} bytes.`, {
      details: { maxSize: policy.maxSize },
    });
  }
}

/** Returns the normalised type, or throws when it is missing, malformed or not allowed. */
export function assertTypeAllowed(policy: UploadPolicy, declared: string | null | undefined): string {
  if (!declared) throw new AppError('FILETYPE_REQUIRED');
  const type = normaliseType(declared);
  if (!type) throw new AppError('TYPE_NOT_ALLOWED', 'The declared file type is not a valid MIME type.');
  if (!policy.typeRules.every((rules) => rules.some((p) => mimeMatches(p, type)))) {
    throw new AppError('TYPE_NOT_ALLOWED', `Files of type ${type} are not allowed.`, {
      details: { type, allowed: policy.typeRules.at(-1) },
    });
  }
  return type;
}
