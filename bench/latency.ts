import path from 'node:path';
import { loadConfig } from '../config/schema.ts';
import { photoLike } from './lib/images.ts';
import { startWorker } from './lib/process.ts';
import { startOurServer } from './lib/server-command.ts';
import { openStack, type Stack } from './lib/stack.ts';
import { envNumber, median, pairedRatio, percentile } from './lib/stats.ts';
import type { BenchContext, Measurement, Section, SectionResult } from './lib/types.ts';
import { subscribeResults, type ResultSubscriber } from './latency/events.ts';
import { tusUpload } from './latency/tus-upload.ts';

/**
 * Section 5: end-to-end latency, from the final PATCH's response to the
 * `media.processed` event, through the real pieces as deployed: our server
 * (S3 on RGW, Redis outbox, RabbitMQ on a private vhost), the standalone
 * processor (clamd scan, sharp variants, processed bucket) and a subscriber of
 * the bench's own. The baseline is the processor's own time for the same
 * upload (its "processing upload" → "upload processed" log lines), so the
 * ratio shows what the outbox, the broker and the hops add.
 *
 * Env: BENCH_LATENCY_UPLOADS (sequential, default 12), BENCH_LATENCY_CONCURRENT
 * (uploads at once, default 4), BENCH_LATENCY_BATCHES (default 2).
 */

const SECTION = 'end-to-end latency (final PATCH -> media.processed)';
const RESULT_TIMEOUT_MS = 60_000;
const WARMUP_UPLOADS = 2;

type Sample = Readonly<{ uploadId: string; e2eMs: number; processingMs: number }>;

/** Start and end of each job from the processor's JSON log lines. */
function processorTimes() {
  const jobs = new Map<string, { start?: number; end?: number }>();
  const onLine = (line: string) => {
    let entry: { msg?: string; uploadId?: string; time?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (!entry.uploadId || !entry.time) return;
    const job = jobs.get(entry.uploadId) ?? {};
    if (entry.msg === 'processing upload') job.start = Date.parse(entry.time);
    if (entry.msg === 'upload processed') job.end = Date.parse(entry.time);
    jobs.set(entry.uploadId, job);
  };
  const processingMs = (uploadId: string): number => {
    const job = jobs.get(uploadId);
    return job?.start !== undefined && job.end !== undefined ? job.end - job.start : Number.NaN;
  };
  return { onLine, processingMs };
}

type Rig = Readonly<{ upload: (n: number) => Promise<Sample> }>;

async function startRig(ctx: BenchContext, stack: Stack, photo: Buffer): Promise<{ rig: Rig; results: ResultSubscriber; stop: () => Promise<void> }> {
  const times = processorTimes();
  const env = { ...stack.env, PROCESSOR_TMP_DIR: ctx.tmpRoot };
  const processor = await startWorker({ name: 'processor', script: path.join(ctx.root, 'processor', 'main.ts'), cwd: ctx.root, env, onLine: times.onLine }, 'processor consuming');
  const server = await startOurServer(ctx, 'ours (e2e)', env);
  const results = await subscribeResults(stack.amqpUrl);
  const endpoint = `http://127.0.0.1:${server.port}/files`;
  const upload = async (n: number): Promise<Sample> => {
    const { uploadId, finishedAt } = await tusUpload(endpoint, stack.token, photo, `bench-${n}.jpg`);
    const arrival = await results.waitFor(uploadId, RESULT_TIMEOUT_MS);
    if (arrival.type !== 'media.processed') throw new Error(`upload ${uploadId}: ${arrival.type}, expected media.processed`);
    // The "upload processed" line is logged just after the event is published; give it a moment.
    for (let i = 0; i < 50 && Number.isNaN(times.processingMs(uploadId)); i++) await new Promise((r) => setTimeout(r, 20));
    return { uploadId, e2eMs: arrival.at - finishedAt, processingMs: times.processingMs(uploadId) };
  };
  const stop = async () => {
    await results.close();
    await server.stop();
    await processor.stop();
  };
  return { rig: { upload }, results, stop };
}

function measurements(label: string, samples: Sample[]): Measurement[] {
  const e2e = samples.map((s) => s.e2eMs);
  const proc = samples.map((s) => s.processingMs);
  const overhead = samples.map((s) => s.e2eMs - s.processingMs);
  const m = (name: string, value: number, ratio?: number): Measurement => ({
    section: SECTION,
    name: `${label} ${name}`,
    value,
    unit: 'ms',
    ratio,
    baseline: ratio === undefined ? undefined : 'processor own time',
    target: undefined,
    pass: undefined,
  });
  return [
    m('processor own time p50', median(proc)),
    m('end-to-end p50', median(e2e), pairedRatio(e2e, proc)),
    m('end-to-end p95', percentile(e2e, 95), percentile(e2e, 95) / percentile(proc, 95)),
    m('overhead (end-to-end - own time) p50', median(overhead)),
    m('overhead p95', percentile(overhead, 95)),
  ];
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const sequential = Math.round(envNumber('BENCH_LATENCY_UPLOADS', 12));
  const atOnce = Math.round(envNumber('BENCH_LATENCY_CONCURRENT', 4));
  const batches = Math.round(envNumber('BENCH_LATENCY_BATCHES', 2));
  const photo = await photoLike(640, 480);
  const stack = await openStack(ctx, 'e2e');
  try {
    const { rig, stop } = await startRig(ctx, stack, photo);
    try {
      ctx.log(`${SECTION}: ${(photo.length / 1024).toFixed(0)} KiB 640x480 JPEG; ${WARMUP_UPLOADS} warm-up, ${sequential} one at a time, ${batches} x ${atOnce} at once`);
      for (let i = 0; i < WARMUP_UPLOADS; i++) await rig.upload(-1 - i);
      const seq: Sample[] = [];
      for (let i = 0; i < sequential; i++) seq.push(await rig.upload(i));
      ctx.log(`one at a time: end-to-end p50 ${median(seq.map((s) => s.e2eMs)).toFixed(0)} ms, processor ${median(seq.map((s) => s.processingMs)).toFixed(0)} ms`);
      const conc: Sample[] = [];
      for (let b = 0; b < batches; b++) conc.push(...(await Promise.all(Array.from({ length: atOnce }, (_, i) => rig.upload(1000 + b * atOnce + i)))));
      ctx.log(`${atOnce} at once: end-to-end p50 ${median(conc.map((s) => s.e2eMs)).toFixed(0)} ms, processor ${median(conc.map((s) => s.processingMs)).toFixed(0)} ms`);
      return {
        measurements: [...measurements('1 at a time:', seq), ...measurements(`${atOnce} at once (processor concurrency ${loadConfig(stack.env).processor.concurrency}):`, conc)],
        raw: { imageBytes: photo.length, sequential: seq, concurrent: conc },
      };
    } finally {
      await stop();
    }
  } finally {
    await stack.close();
  }
}

export const latency: Section = { name: 'latency', run };
