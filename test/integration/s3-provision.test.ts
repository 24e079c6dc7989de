import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetBucketLifecycleConfigurationCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { testS3Client } from '../helpers/s3.ts';
import { startServer, TEST_SECRET } from '../helpers/server.ts';
import { s3Env, uniqueBucket } from '../helpers/services.ts';

const s3 = testS3Client();
const run = (env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ['--import=tsx', 'server/cli/provision-s3.ts'], {
    env: { PATH: process.env.PATH, AUTH_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', ...env },
  });

test('npm run provision creates the bucket and sets the upload lifecycle rules; re-running is safe', async (t) => {
  const bucket = uniqueBucket('ums-prov');
  await run({ ...s3Env(bucket), S3_INCOMPLETE_UPLOAD_DAYS: '3' });
  await run({ ...s3Env(bucket), S3_INCOMPLETE_UPLOAD_DAYS: '3' });
  await t.notThrowsAsync(s3.send(new HeadBucketCommand({ Bucket: bucket })));
  const { Rules = [] } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
  const byId = Object.fromEntries(Rules.map((r) => [r.ID, r]));
  t.is(byId['abort-incomplete-multipart-uploads']?.AbortIncompleteMultipartUpload?.DaysAfterInitiation, 3);
  t.is(byId['expire-unfinished-tus-uploads']?.Expiration?.Days, 3);
  t.deepEqual(byId['expire-unfinished-tus-uploads']?.Filter?.Tag, { Key: 'Tus-Completed', Value: 'false' });
});

test('production never creates a missing bucket silently: start-up fails naming it', async (t) => {
  const bucket = uniqueBucket('ums-missing');
  const err = await t.throwsAsync(startServer({ ...s3Env(bucket), NODE_ENV: 'production', SCAN_DISABLED: 'true' }));
  t.regex(err.message, new RegExp(`bucket ${bucket} does not exist`));
  await t.throwsAsync(s3.send(new HeadBucketCommand({ Bucket: bucket })));
});

test('development creates the bucket at start-up and says so', async (t) => {
  const bucket = uniqueBucket('ums-dev');
  const server = await startServer({ ...s3Env(bucket), NODE_ENV: 'development' });
  t.teardown(() => server.stop());
  t.truthy(server.logs.find((l) => l.msg.startsWith('created the originals bucket') && l.bucket === bucket));
  await t.notThrowsAsync(s3.send(new HeadBucketCommand({ Bucket: bucket })));
});
