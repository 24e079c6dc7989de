import path from 'node:path';
import type { Redis } from 'ioredis';
import type { MediaEvent, UploadCompleted } from '../config/events.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../server/logger.ts';
import { createS3Client, ensureBucket } from '../server/storage/s3-client.ts';
import { processUpload } from './pipeline/process-upload.ts';
import { ClamdScanner } from './scan/clamd-scanner.ts';
import { NoScanner } from './scan/no-scanner.ts';
import type { Scanner } from './scan/scanner.ts';
import { originalReader } from './storage/original-reader.ts';
import { FileProcessedStore, type ProcessedStore, S3ProcessedStore } from './storage/processed-store.ts';
import { quarantineMover } from './storage/quarantine.ts';
import { createStatusStore, type StatusStore, statusOfUpload } from './status/status-store.ts';

export type Processor = {
  handle: (event: UploadCompleted) => Promise<void>;
  /** Records a job that failed on every attempt. */
  markFailed: (event: UploadCompleted, err: Error) => Promise<void>;
  scanner: Scanner;
  status: StatusStore;
  close: () => Promise<void>;
};

/**
 * Builds the processor from config, for its own process or in-process in
 * embedded mode: where originals are read, where variants and quarantined
 * files go, where status lives, which scanner runs, where results are announced.
 */
export async function createProcessor(config: Config, log: Logger, deps: { redis?: Redis | undefined; publish: (e: MediaEvent) => Promise<void> }): Promise<Processor> {
  const s3 = config.s3 ? createS3Client(config.s3) : undefined;
  let processed: ProcessedStore;
  if (config.storage.kind === 's3' && s3 && config.s3 && config.processor.processedBucket) {
    const bucket = config.processor.processedBucket;
    if ((await ensureBucket(s3, bucket, config.s3.createBuckets)) === 'created') log.warn({ bucket }, 'created the processed bucket (S3_CREATE_BUCKETS)');
    processed = new S3ProcessedStore(s3, bucket);
  } else {
    processed = new FileProcessedStore(path.resolve(config.storage.dataDir, 'processed'));
  }
  const status = createStatusStore({ redis: deps.redis, keyPrefix: config.redis?.keyPrefix, dataDir: config.storage.dataDir });

  const clamd = config.processor.clamd;
  const scanner: Scanner = clamd ? await ClamdScanner.create(clamd) : new NoScanner();
  if (!clamd) {
    log.warn(
      config.isProduction
        ? 'SCAN_DISABLED=true: uploads are NOT scanned for viruses'
        : '*** NO VIRUS SCANNER: CLAMD_HOST/CLAMD_SOCKET is not set. Files are marked "not-scanned" and must not be trusted. ***',
    );
  }

  const jobDeps = {
    config: config.processor,
    allowedTypes: config.limits.allowedTypes,
    openOriginal: originalReader(s3),
    scanner,
    processed,
    quarantine: quarantineMover({ s3, fileRoot: path.resolve(config.storage.dataDir) }),
    status,
    publish: deps.publish,
    log: log.child({ component: 'processor' }),
  };
  return {
    handle: async (event) => void (await processUpload(event, jobDeps)),
    markFailed: async (event, err) => {
      await status.put({ ...statusOfUpload(event, 'failed'), reason: 'processing-failed', detail: err.message.slice(0, 500) });
    },
    scanner,
    status,
    close: async () => s3?.destroy(),
  };
}
