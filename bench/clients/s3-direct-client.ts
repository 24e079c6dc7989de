import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BLOCK_BYTES, type ClientResult, type S3DirectJob } from './protocol.ts';
import { timedUploads } from './timed-run.ts';

/**
 * The S3 baseline: the same bytes as the tus client sends, uploaded straight to
 * S3 with @aws-sdk/lib-storage (what an application without our server would
 * do), in its own process. Prints one JSON ClientResult line.
 *
 * Same part size and the same cap on parts in flight as our server:
 * @tus/s3-store's maxConcurrentPartUploads is one semaphore for the whole
 * server, while lib-storage's queueSize is per upload, so a client middleware
 * holds every UploadPart to `job.queueSize` at a time across all uploads.
 */

const job = JSON.parse(process.argv[2] ?? '{}') as S3DirectJob;
const block = randomBytes(BLOCK_BYTES);

// One client for all uploads, as our server shares one S3 client across uploads.
const s3 = new S3Client({
  endpoint: job.endpoint,
  region: job.region,
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

/** At most `limit` UploadPart requests on the wire at once, across every upload of this client. */
function capPartsInFlight(client: S3Client, limit: number): void {
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
  };
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'UploadPartCommand') return next(args);
      await acquire();
      try {
        return await next(args);
      } finally {
        release();
      }
    },
    { step: 'initialize', name: 'benchPartsInFlight' },
  );
}
capPartsInFlight(s3, job.queueSize);

/** `size` bytes of the repeated block, as a byte stream of unknown length (like a request body). */
function body(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
    })(),
    { objectMode: false },
  );
}

async function upload(key: string, size: number): Promise<number> {
  const transfer = new Upload({
    client: s3,
    params: { Bucket: job.bucket, Key: key, Body: body(size), ContentType: 'application/octet-stream' },
    partSize: job.partSize,
    queueSize: job.queueSize,
    leavePartsOnError: false,
  });
  await transfer.done();
  return size;
}

async function main(): Promise<void> {
  const timed = await timedUploads(job, (size, n) => upload(n < 0 ? `${job.keyPrefix}warmup` : `${job.keyPrefix}${n}`, size));
  const result: ClientResult = { ...timed, ids: Array.from({ length: job.concurrency }, (_, n) => `${job.keyPrefix}${n}`) };
  s3.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
