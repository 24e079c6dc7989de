import { S3Store } from '@tus/s3-store';
import { Server } from '@tus/server';
import { announce, requiredEnv } from './announce.ts';

/**
 * The library alone on S3: @tus/server with @tus/s3-store as its README sets
 * it up, with the S3 settings our server uses (part size, parts in flight,
 * path-style, checksums only when required, which this RGW needs).
 */
// @tus/s3-store buffers parts in os.tmpdir(): a directory of the bench run.
process.env.TMPDIR = requiredEnv('BENCH_DIR');
const store = new S3Store({
  partSize: Number(requiredEnv('S3_PART_SIZE')),
  maxConcurrentPartUploads: Number(requiredEnv('S3_MAX_CONCURRENT_PART_UPLOADS')),
  s3ClientConfig: {
    bucket: requiredEnv('S3_BUCKET'),
    endpoint: requiredEnv('S3_ENDPOINT'),
    region: requiredEnv('S3_REGION'),
    forcePathStyle: true,
    credentials: { accessKeyId: requiredEnv('S3_ACCESS_KEY_ID'), secretAccessKey: requiredEnv('S3_SECRET_ACCESS_KEY') },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  },
});
const tus = new Server({ path: '/files', datastore: store });
const server = tus.listen(0, '127.0.0.1', () => announce(server));
