import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/schema.ts';

/** Client settings shared by the tus store, provisioning, presigning and the processor. */
export function s3ClientConfig(s3: S3Config): S3ClientConfig {
  return {
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    // A copy: the SDK annotates the credentials object, and config is frozen.
    ...(s3.credentials ? { credentials: { ...s3.credentials } } : {}),
    // Many S3-compatible stores reject the SDK's default aws-chunked checksum trailers.
    requestChecksumCalculation: s3.checksumMode,
    responseChecksumValidation: s3.checksumMode,
  };
}
