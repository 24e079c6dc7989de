import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Middleware } from 'koa';
import type { Config } from '../../config/schema.ts';
import { createStatusStore, type StatusStore } from '../../processor/status/status-store.ts';
import type { Infrastructure } from '../infrastructure.ts';
import { fileLinks } from './file-links.ts';
import type { DeliveryLinks } from './links.ts';
import { serveOriginal } from './serve-original.ts';
import { serveProcessed } from './serve-processed.ts';
import { createPathSigner } from './signed-path.ts';

export type Delivery = {
  status: StatusStore;
  links: DeliveryLinks;
  /** What this server delivers itself (file-store mode); a CDN and S3 do it otherwise. */
  middleware: Middleware[];
};

/** The delivery side for the configured storage: status records, links, and (file mode) the files. */
export async function createDelivery(config: Config, infra: Pick<Infrastructure, 'redis' | 's3Signer'>): Promise<Delivery> {
  const status = createStatusStore({ redis: infra.redis, keyPrefix: config.redis?.keyPrefix, dataDir: config.storage.dataDir });
  const { cdnBaseUrl, signedUrlExpiresSeconds: expiresSeconds } = config.delivery;
  if (config.storage.kind === 's3') return { status, links: await s3DeliveryLinks(config, infra.s3Signer), middleware: [] };

  const signer = createPathSigner(config.auth.jwtSecret);
  const dataDir = path.resolve(config.storage.dataDir);
  return {
    status,
    // Without PUBLIC_URL links are root-relative: right for same-origin pages, the usual embedded setup.
    links: fileLinks({ baseUrl: config.http.publicUrl ?? '', cdnBaseUrl, signer, expiresSeconds }),
    middleware: [serveProcessed(path.join(dataDir, 'processed')), serveOriginal({ uploadsDir: path.join(dataDir, 'uploads'), signer, status })],
  };
}

/** `signer` is the client of the endpoint browsers use (S3_PUBLIC_ENDPOINT). */
async function s3DeliveryLinks(config: Config, signer: S3Client | undefined): Promise<DeliveryLinks> {
  const bucket = config.s3?.bucket;
  const processedBucket = config.processor.processedBucket;
  if (!signer || !bucket || !processedBucket) throw new Error('STORAGE=s3 without an S3 client or buckets');
  // Loaded only in S3 mode, like the S3 store itself.
  const { s3Links } = await import('./s3-links.ts');
  return s3Links({ s3: signer, bucket, processedBucket, cdnBaseUrl: config.delivery.cdnBaseUrl, expiresSeconds: config.delivery.signedUrlExpiresSeconds });
}
