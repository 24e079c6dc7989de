import path from 'node:path';
import type { ClientJob, ClientResult } from '../clients/protocol.ts';
import { tempDir } from '../lib/cleanup.ts';
import { dataBytesUnder, settleDisk } from '../lib/disk.ts';
import { monitorProcess, type ProcUsage } from '../lib/proc-monitor.ts';
import { runClient } from '../lib/process.ts';
import type { BenchContext } from '../lib/types.ts';
import type { Variant } from './variants.ts';

/** One timed transfer: fresh server, fresh data dir, one client process, then everything removed. */

export type Workload = Readonly<{
  key: string;
  label: string;
  uploadBytes: number;
  concurrency: number;
  /** Peak server RSS target for our server, MiB. */
  rssLimitMiB: number;
}>;

export type Sample = Readonly<{
  variant: string;
  workload: string;
  round: number;
  mibPerSecond: number;
  wallSeconds: number;
  server: ProcUsage;
  /** Server CPU seconds per GiB received (warm-up included in both). */
  cpuSecondsPerGiB: number;
  client: ClientResult;
}>;

export const MIB = 1024 * 1024;
export const WARMUP_BYTES = 8 * MIB;
const CLIENT_SCRIPT = path.join(import.meta.dirname, '..', 'clients', 'upload-client.ts');
const CLIENT_TIMEOUT_MS = 5 * 60_000;

export function clientJob(partial: Omit<ClientJob, 'dir'> & Partial<Pick<ClientJob, 'dir'>>): ClientJob {
  return { dir: undefined, ...partial };
}

export async function runClientJob(ctx: BenchContext, job: ClientJob): Promise<ClientResult> {
  return runClient<ClientResult>({ name: `client(${job.mode})`, script: CLIENT_SCRIPT, cwd: ctx.root, env: {}, args: [JSON.stringify(job)] }, CLIENT_TIMEOUT_MS);
}

async function assertOnDisk(dir: string, expected: number, who: string): Promise<void> {
  const stored = await dataBytesUnder(dir);
  if (stored !== expected) throw new Error(`${who}: ${stored} bytes on disk, expected ${expected}`);
}

export async function runOnce(ctx: BenchContext, variant: Variant, workload: Workload, round: number): Promise<Sample> {
  const data = await tempDir(ctx.tmpRoot, `${variant.name}-`);
  try {
    const server = await variant.start(data.dir);
    let usage: ProcUsage;
    let client: ClientResult;
    try {
      const monitor = monitorProcess(server.pid);
      const job = clientJob({
        mode: variant.mode,
        url: variant.endpoint(server.port),
        token: variant.token,
        uploadBytes: workload.uploadBytes,
        concurrency: workload.concurrency,
        warmupBytes: WARMUP_BYTES,
      });
      try {
        client = await runClientJob(ctx, job);
      } finally {
        usage = monitor.stop();
      }
    } finally {
      await server.stop();
    }
    await assertOnDisk(data.dir, client.bytes + WARMUP_BYTES, `${variant.name} ${workload.label}`);
    const receivedGiB = (client.bytes + WARMUP_BYTES) / (1024 * MIB);
    return {
      variant: variant.name,
      workload: workload.key,
      round,
      mibPerSecond: client.bytes / MIB / (client.ms / 1000),
      wallSeconds: client.ms / 1000,
      server: usage,
      cpuSecondsPerGiB: usage.cpuSeconds / receivedGiB,
      client,
    };
  } finally {
    await data.remove();
    await settleDisk();
  }
}

/** Plain local disk write speed (no HTTP), as context for the baseline. */
export async function diskWriteMiBps(ctx: BenchContext, bytes: number): Promise<number> {
  const data = await tempDir(ctx.tmpRoot, 'disk-');
  try {
    const job = clientJob({
      mode: 'disk',
      url: '',
      token: undefined,
      uploadBytes: bytes,
      concurrency: 1,
      warmupBytes: 0,
      dir: data.dir,
    });
    const result = await runClientJob(ctx, job);
    await assertOnDisk(data.dir, bytes, 'disk write');
    return result.bytes / MIB / (result.ms / 1000);
  } finally {
    await data.remove();
    await settleDisk();
  }
}
