/**
 * Provisions the S3 side once per deployment (safe to re-run): creates the
 * originals and processed buckets if missing, sets the originals bucket's
 * lifecycle rules, with CORS_ORIGINS its CORS rules for direct uploads, and
 * with STORE_EVENTS_PUSH_ENDPOINT (Ceph RGW) its ObjectCreated notifications.
 *
 *   STORAGE=s3 S3_BUCKET=… npm run provision
 */
import { loadConfig } from '../../config/schema.ts';
import { createLogger } from '../logger.ts';
import { putUploadCors } from '../storage/s3-cors.ts';
import { putUploadLifecycle } from '../storage/s3-lifecycle.ts';
import { putStoreNotifications } from '../storage/s3-notifications.ts';
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
  const origins = config.http.corsOrigins;
  if (origins.length > 0) {
    await putUploadCors(client, bucket, origins);
    log.info({ bucket, origins }, 'CORS rules set for direct uploads');
  } else {
    log.warn({ bucket }, 'CORS_ORIGINS is not set: browsers cannot upload to the bucket directly (presigned URLs, multipart)');
  }
  const pushEndpoint = config.s3.storeEventsPushEndpoint;
  if (pushEndpoint) {
    const topic = await putStoreNotifications(client, config.s3, pushEndpoint);
    log.info({ bucket, topic }, 'ObjectCreated notifications go to RabbitMQ');
  }
  const processed = config.processor.processedBucket;
  if (processed) log.info({ bucket: processed, state: await ensureBucket(client, processed, true) }, 'processed bucket ready');
} catch (err) {
  log.error({ err }, 'provisioning failed');
  process.exitCode = 1;
} finally {
  client.destroy();
}
