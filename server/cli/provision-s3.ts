/**
 * Provisions the S3 side once per deployment (safe to re-run): creates the
 * originals bucket if missing and sets its lifecycle rules.
 *
 *   STORAGE=s3 S3_BUCKET=… npm run provision
 */
import { loadConfig } from '../../config/schema.ts';
import { createLogger } from '../logger.ts';
import { putUploadLifecycle } from '../storage/s3-lifecycle.ts';
import { createS3Client, ensureBucket } from '../storage/s3-client.ts';

const config = loadConfig(process.env);
const log = createLogger(config.log.level, 'provision');
if (!config.s3) {
  log.error('S3_BUCKET is not set: nothing to provision');
  process.exit(64);
}
const client = createS3Client(config.s3);
try {
  const { bucket } = config.s3;
  log.info({ bucket, state: await ensureBucket(client, bucket, true) }, 'bucket ready');
  await putUploadLifecycle(client, bucket, config.s3.incompleteUploadDays);
  log.info({ bucket, days: config.s3.incompleteUploadDays }, 'lifecycle rules set');
} catch (err) {
  log.error({ err }, 'provisioning failed');
  process.exitCode = 1;
} finally {
  client.destroy();
}
