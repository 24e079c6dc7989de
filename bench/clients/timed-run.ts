import { performance } from 'node:perf_hooks';
import type { ClientResult } from './protocol.ts';

/**
 * The timed part every upload client shares: one untimed warm-up upload, then
 * `concurrency` uploads of `uploadBytes` at once, with wall time, per-upload
 * time and the client's own CPU. `upload(size, n)` returns the bytes sent;
 * the warm-up is number -1.
 */
export async function timedUploads(
  job: Readonly<{ uploadBytes: number; concurrency: number; warmupBytes: number }>,
  upload: (size: number, n: number) => Promise<number>,
): Promise<Omit<ClientResult, 'ids'>> {
  if (job.warmupBytes > 0) await upload(job.warmupBytes, -1);
  const timed = async (n: number) => {
    const started = performance.now();
    const bytes = await upload(job.uploadBytes, n);
    return { bytes, ms: performance.now() - started };
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const done = await Promise.all(Array.from({ length: job.concurrency }, (_, n) => timed(n)));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    bytes: done.reduce((sum, d) => sum + d.bytes, 0),
    ms,
    uploads: done.length,
    uploadMs: done.map((d) => Math.round(d.ms)),
    clientCpuSeconds: (used.user + used.system) / 1e6,
  };
}
