import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { startServer, tokenFor, tusHeaders, type TestServer } from '../helpers/server.ts';
import { dropRedisPrefix, serviceEnv } from '../helpers/services.ts';
import { randomFile, sha256, tusUpload } from '../helpers/tus-client.ts';

/**
 * Random bytes behind a fixed text line: random data alone now and then starts with some format's
 * magic bytes (thousands of files here), and the processor would rightly quarantine it.
 */
const opaque = (size: number) => Buffer.concat([Buffer.from('ums load test\n'), randomFile(size - 14)]);

// Load and soak against one file-store server with Redis locks, outbox and status (shared Redis, own key prefix),
// processing in-process. SOAK_SECONDS lengthens the soak (at most 600).
const SOAK_SECONDS = Math.min(600, Number(process.env.SOAK_SECONDS ?? 60));
const CONCURRENT = 100;
const MB = 1024 * 1024;
/**
 * Bounds: peak RSS under the 100-upload burst; growth from the first to the last third of the soak
 * (after a warm-up) of RSS and of the JS heap in use. Measured over a 300 s soak (21,000 uploads):
 * RSS rises in allocator steps of ~15 MiB during the first 80 s (up to +45 MiB in a 60 s run on a
 * busy machine), then stays at ~305 MiB; the heap in use stays at 32–43 MiB throughout.
 */
const MAX_RSS_MB = 450;
const MAX_SOAK_RSS_GROWTH_MB = 80;
const MAX_SOAK_HEAP_GROWTH_MB = 16;
const WARM_UP_MS = 10_000;
const USER = 'lola';
const prefix = `load${Date.now().toString(36)}:`;
let server: TestServer;
let redis: Redis;
let token: string;
/** Every upload made here: its id and the sha256 of what was sent. */
const uploads = new Map<string, { sha: string; size: number }>();

test.before(async () => {
  server = await startServer({ STORAGE: 'file', REDIS_URL: serviceEnv('REDIS_URL'), REDIS_KEY_PREFIX: prefix });
  redis = new Redis(serviceEnv('REDIS_URL'));
  token = await tokenFor(USER, { ttlSeconds: 3600 });
});
test.after.always(async () => {
  await server?.stop();
  await dropRedisPrefix(redis, prefix);
});

const MiB = 1024 * 1024;
const rssMiB = async () => Number((await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(server.child.pid)])).stdout.trim()) / 1024;
const heapUsedMiB = async () => {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1]) / MiB;
};

/** Samples the server's RSS (and, with `heap`, its JS heap in use) every `everyMs` until stopped. */
function sample(everyMs: number, heap = false) {
  const samples: { at: number; rss: number; heap: number }[] = [];
  const timer = setInterval(() => {
    void Promise.all([rssMiB(), heap ? heapUsedMiB() : 0]).then(([rss, heapUsed]) => samples.push({ at: Date.now(), rss, heap: heapUsed }));
  }, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function upload(data: Buffer, chunkSize?: number): Promise<void> {
  const { url } = await tusUpload(data, { endpoint: server.url, token, ...(chunkSize ? { chunkSize } : {}) });
  uploads.set(new URL(url).pathname.split('/').pop()!, { sha: sha256(data), size: data.length });
}

/** Nothing leaked or lost: no lock keys, every upload complete and byte-identical, every one processed. */
async function assertNothingLeaked(t: ExecutionContext, ids: string[]) {
  t.deepEqual(await redis.keys(`${prefix}lock:*`), [], 'no lock left in Redis');
  for (const id of ids) {
    const { sha, size } = uploads.get(id)!;
    const head = await fetch(`${server.url}/files/${id}`, { method: 'HEAD', headers: tusHeaders(token) });
    t.is(head.headers.get('upload-offset'), String(size), `${id} complete (HEAD ${head.status} ${head.headers.get('x-request-id')})`);
    t.is(sha256(await readFile(path.join(server.dataDir, 'uploads', USER, id))), sha, `${id} byte-identical`);
  }
  // Every finish event reached the (in-process) processor: each upload ends up ready.
  const deadline = Date.now() + 60_000;
  let pending = ids;
  while (pending.length > 0 && Date.now() < deadline) {
    const states = await redis.mget(...pending.map((id) => `${prefix}status:${id}`));
    pending = pending.filter((_, i) => (JSON.parse(states[i] ?? 'null') as { status?: string } | null)?.status !== 'ready');
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  t.deepEqual(pending, [], 'every upload was processed: no event lost');
}

test.serial(`${CONCURRENT} concurrent 1 MB uploads: all succeed byte-identical, no lock left, memory bounded`, async (t) => {
  t.timeout(180_000);
  const rss = sample(200);
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: CONCURRENT }, () => upload(opaque(MB))));
  rss.stop();
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason).slice(0, 200));
  t.deepEqual(failed, [], 'no upload failed');
  t.is(uploads.size, CONCURRENT);
  const peak = Math.max(...rss.samples.map((s) => s.rss));
  t.log(`${CONCURRENT} uploads in ${Date.now() - started} ms; server peak RSS ${Math.round(peak)} MiB over ${rss.samples.length} samples`);
  t.true(peak < MAX_RSS_MB, `peak RSS ${Math.round(peak)} MiB`);
  await assertNothingLeaked(t, [...uploads.keys()]);
});

test.serial(`soak: ${SOAK_SECONDS} s of continuous uploads, zero errors, memory flat, nothing leaked`, async (t) => {
  t.timeout((SOAK_SECONDS + 180) * 1000);
  const before = new Set(uploads.keys());
  const errors: string[] = [];
  const memory = sample(1000, true);
  const start = Date.now();
  const end = start + SOAK_SECONDS * 1000;
  // Three clients in a loop, files of 32 to 512 KiB sent in 128 KiB PATCHes: several lock cycles per upload.
  const client = async () => {
    while (Date.now() < end) {
      await upload(opaque(32 * 1024 + Math.floor(Math.random() * 480 * 1024)), 128 * 1024).catch((err: unknown) => errors.push(String(err).slice(0, 200)));
    }
  };
  await Promise.all(Array.from({ length: 3 }, client));
  memory.stop();
  const soaked = [...uploads.keys()].filter((id) => !before.has(id));
  t.deepEqual(errors, [], 'no upload failed');
  t.true(soaked.length > SOAK_SECONDS, `throughput: ${soaked.length} uploads`);
  const measured = memory.samples.filter((s) => s.at >= start + WARM_UP_MS);
  const third = Math.floor(measured.length / 3);
  const growth = (key: 'rss' | 'heap') => {
    const [first, last] = [measured.slice(0, third), measured.slice(-third)].map((part) => median(part.map((s) => s[key])));
    t.log(`${key}: median ${Math.round(first!)} MiB in the first third, ${Math.round(last!)} MiB in the last`);
    return last! - first!;
  };
  t.log(`${soaked.length} uploads in ${SOAK_SECONDS} s`);
  t.true(growth('rss') < MAX_SOAK_RSS_GROWTH_MB, `RSS growth under ${MAX_SOAK_RSS_GROWTH_MB} MiB`);
  t.true(growth('heap') < MAX_SOAK_HEAP_GROWTH_MB, `heap growth under ${MAX_SOAK_HEAP_GROWTH_MB} MiB`);
  await assertNothingLeaked(t, soaked);
});
