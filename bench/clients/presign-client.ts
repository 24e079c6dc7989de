import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { PresignJob, PresignResult } from './protocol.ts';

/**
 * Load generator for presigning, in its own process. `route`: `concurrency`
 * keep-alive clients calling GET /api/upload-url back to back. `sdk` (the
 * baseline): the same number of loops calling the AWS presigner directly with
 * the same command and options as the server. Both warm up first, then count
 * completions and per-call latency for `seconds`. Prints one JSON line.
 */

const job = JSON.parse(process.argv[2] ?? '{}') as PresignJob;
const SIZE = 1024 * 1024;
const TYPE = 'image/jpeg';

function routeCall(): () => Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(`/api/upload-url?${new URLSearchParams({ filename: 'photo.jpg', type: TYPE, size: String(SIZE) })}`, job.url);
  const headers = { Authorization: `Bearer ${job.token}` };
  return () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('error', reject);
          res.once('end', () => {
            const body = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200 || !body.includes('"url"')) reject(new Error(`GET /api/upload-url: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
            else resolve();
          });
        })
        .once('error', reject);
    });
}

function sdkCall(): () => Promise<void> {
  const s3 = new S3Client({
    endpoint: job.s3.endpoint,
    region: job.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  let n = 0;
  return async () => {
    // As server/presign/presign-put.ts signs it (PRESIGN_EXPIRES_SECONDS defaults to 300).
    const command = new PutObjectCommand({ Bucket: job.s3.bucket, Key: `bench-user/presign-${n++}`, ContentType: TYPE, ContentLength: SIZE });
    const url = await getSignedUrl(s3, command, { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']) });
    if (!url.includes('X-Amz-Signature=')) throw new Error(`not a presigned URL: ${url}`);
  };
}

async function drive(call: () => Promise<void>, seconds: number, latencies: number[] | undefined): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      await call();
      latencies?.push(performance.now() - started);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  return done;
}

async function main(): Promise<void> {
  const call = job.mode === 'route' ? routeCall() : sdkCall();
  const warmupCount = await drive(call, job.warmupSeconds, undefined);
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const count = await drive(call, job.seconds, latencies);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const result: PresignResult = { warmupCount, count, seconds, latenciesMs: latencies.map((l) => Math.round(l * 100) / 100), clientCpuSeconds: (used.user + used.system) / 1e6 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0); // keep-alive sockets and SDK handles would otherwise hold the process
}

await main();
