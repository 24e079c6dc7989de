import path from 'node:path';
import type { ClientResult, S3DirectJob } from '../clients/protocol.ts';
import { tempDir } from '../lib/cleanup.ts';
import { cpuSecondsOf, machineCpu, monitorProcess, type ProcUsage } from '../lib/proc-monitor.ts';
import { runClient, startServer, type ServerProcess } from '../lib/process.ts';
import { assertSizes, emptyBucket } from '../lib/s3.ts';
import { collectRgwGarbage, s3ServerPids } from '../lib/services.ts';
import { startOurServer } from '../lib/server-command.ts';
import type { Stack } from '../lib/stack.ts';
import { envNumber } from '../lib/stats.ts';
import type { BenchContext } from '../lib/types.ts';
import { clientJob, MIB, runClientJob, WARMUP_BYTES, type Workload } from '../upload/run-once.ts';

/**
 * One timed transfer into S3: our server or bare @tus/server (fresh process,
 * tus client in its own process), or lib-storage straight to RGW (its own process). Every
 * object is checked with HeadObject, then deleted and garbage-collected so the
 * in-memory RGW never holds more than one run's data.
 */

export type S3VariantName = 'direct' | 'bare-tus' | 'ours';

export type S3Sample = Readonly<{
  variant: S3VariantName;
  workload: string;
  round: number;
  mibPerSecond: number;
  wallSeconds: number;
  /** Our server's process; the direct variant has no server. */
  server: ProcUsage | undefined;
  /** CPU seconds per GiB sent, of each party: the client process, our server (ours only), the S3 server itself (radosgw + OSD). */
  clientCpuSecondsPerGiB: number;
  serverCpuSecondsPerGiB: number | undefined;
  s3ServerCpuSecondsPerGiB: number;
  /** All parties together: on a machine whose cores they share, throughput is at most cores / this. */
  totalCpuSecondsPerGiB: number;
  /** Share of the whole machine's CPU (all cores) busy during the transfer, 0..1. */
  machineBusy: number;
  client: ClientResult;
}>;

/** The server's defaults (config/schema.ts); the baseline must use the same values. */
export const partSize = (): number => envNumber('S3_PART_SIZE', 8 * MIB);
export const partConcurrency = (): number => envNumber('S3_MAX_CONCURRENT_PART_UPLOADS', 8);
const CLIENT_TIMEOUT_MS = 5 * 60_000;
const DIRECT_SCRIPT = path.join(import.meta.dirname, '..', 'clients', 's3-direct-client.ts');

type Transfer = { client: ClientResult; server: ProcUsage | undefined; keys: string[] };

/** A tus server child (ours, or the library alone) uploading into the stack's bucket. */
type TusServer = Readonly<{ start: (tmpDir: string) => Promise<ServerProcess>; token: string | undefined; keyOf: (id: string) => string }>;

function ourServer(ctx: BenchContext, stack: Stack): TusServer {
  return {
    start: (tmpDir) => startOurServer(ctx, 'ours (s3)', { ...stack.env, UPLOAD_TMP_DIR: tmpDir }),
    token: stack.token,
    keyOf: (id) => `${stack.userId}/${id}`,
  };
}

function bareTusServer(ctx: BenchContext, stack: Stack): TusServer {
  const { endpoint, region, accessKeyId, secretAccessKey } = stack.s3Settings;
  const env = {
    S3_ENDPOINT: endpoint,
    S3_REGION: region,
    S3_ACCESS_KEY_ID: accessKeyId,
    S3_SECRET_ACCESS_KEY: secretAccessKey,
    S3_BUCKET: stack.originals,
    S3_PART_SIZE: String(partSize()),
    S3_MAX_CONCURRENT_PART_UPLOADS: String(partConcurrency()),
  };
  const script = path.join(import.meta.dirname, '..', 'servers', 'bare-tus-s3.ts');
  return {
    start: (tmpDir) => startServer({ name: 'bare-tus (s3)', script, cwd: ctx.root, env: { ...env, BENCH_DIR: tmpDir } }),
    token: undefined,
    keyOf: (id) => id,
  };
}

async function viaTusServer(ctx: BenchContext, spec: TusServer, load: Workload): Promise<Transfer> {
  // Part buffers (@tus/s3-store writes each part to a temp file) go to a directory of this run.
  const tmp = await tempDir(ctx.tmpRoot, 's3-parts-');
  try {
    const server = await spec.start(tmp.dir);
    try {
      const monitor = monitorProcess(server.pid);
      const job = clientJob({ mode: 'tus', url: `http://127.0.0.1:${server.port}/files`, token: spec.token, uploadBytes: load.uploadBytes, concurrency: load.concurrency, warmupBytes: WARMUP_BYTES });
      const client = await runClientJob(ctx, job).catch((err: unknown) => {
        monitor.stop(); // its sampling timer would keep the bench alive
        throw err;
      });
      const usage = monitor.stop();
      return { client, server: usage, keys: (client.ids ?? []).map(spec.keyOf) };
    } finally {
      await server.stop();
    }
  } finally {
    await tmp.remove();
  }
}

async function direct(ctx: BenchContext, stack: Stack, load: Workload, round: number): Promise<Transfer> {
  const { endpoint, region, accessKeyId, secretAccessKey } = stack.s3Settings;
  const job: S3DirectJob = {
    endpoint,
    region,
    bucket: stack.originals,
    keyPrefix: `direct/${load.key}-${round}-`,
    uploadBytes: load.uploadBytes,
    concurrency: load.concurrency,
    warmupBytes: WARMUP_BYTES,
    partSize: partSize(),
    queueSize: partConcurrency(),
  };
  const env = { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey };
  const client = await runClient<ClientResult>({ name: 'client(s3-direct)', script: DIRECT_SCRIPT, cwd: ctx.root, env, args: [JSON.stringify(job)] }, CLIENT_TIMEOUT_MS);
  return { client, server: undefined, keys: client.ids ?? [] };
}

export async function runS3Once(ctx: BenchContext, stack: Stack, variant: S3VariantName, load: Workload, round: number): Promise<S3Sample> {
  try {
    const s3Pids = await s3ServerPids();
    const s3CpuBefore = cpuSecondsOf(s3Pids);
    const machineBefore = machineCpu();
    const { client, server, keys } =
      variant === 'direct' ? await direct(ctx, stack, load, round) : await viaTusServer(ctx, variant === 'ours' ? ourServer(ctx, stack) : bareTusServer(ctx, stack), load);
    const machineAfter = machineCpu();
    const s3Cpu = cpuSecondsOf(s3Pids) - s3CpuBefore;
    if (keys.length !== load.concurrency) throw new Error(`${variant} ${load.label}: ${keys.length} uploads reported, expected ${load.concurrency}`);
    await assertSizes(stack.s3, stack.originals, keys, load.uploadBytes, `${variant} ${load.label}`);
    const sentGiB = (client.bytes + WARMUP_BYTES) / (1024 * MIB);
    const timedGiB = client.bytes / (1024 * MIB);
    const perGiB = { client: client.clientCpuSeconds / timedGiB, server: server ? server.cpuSeconds / sentGiB : undefined, s3: s3Cpu / sentGiB };
    return {
      variant,
      workload: load.key,
      round,
      mibPerSecond: client.bytes / MIB / (client.ms / 1000),
      wallSeconds: client.ms / 1000,
      server,
      clientCpuSecondsPerGiB: perGiB.client,
      serverCpuSecondsPerGiB: perGiB.server,
      s3ServerCpuSecondsPerGiB: perGiB.s3,
      totalCpuSecondsPerGiB: perGiB.client + (perGiB.server ?? 0) + perGiB.s3,
      // Includes server start-up and warm-up (ours) or client start-up: context, not a figure to compare closely.
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      client,
    };
  } finally {
    await emptyBucket(stack.s3, stack.originals);
    await collectRgwGarbage(ctx);
  }
}
