import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, installSignalCleanup, systemTmp, tempDir } from './lib/cleanup.ts';
import { renderTable, summarize } from './lib/table.ts';
import type { BenchContext, Measurement, Section } from './lib/types.ts';
import { latency } from './latency.ts';
import { presign } from './presign.ts';
import { processing } from './processing.ts';
import { s3Throughput } from './s3-throughput.ts';
import { uploadThroughput } from './upload-throughput.ts';

/**
 * `npm run bench`: runs each section, prints one table (stdout) and writes
 * bench/results/latest.json. Progress goes to stderr. Missed targets are
 * reported as FAIL but never change the exit code; only a broken run does.
 * BENCH_SECTIONS=name,name runs a subset.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS_DIR = path.join(import.meta.dirname, 'results');

const SECTIONS: readonly Section[] = [uploadThroughput, s3Throughput, processing, presign, latency];

function selectedSections(): Section[] {
  const wanted = process.env.BENCH_SECTIONS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!wanted?.length) return [...SECTIONS];
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length) throw new Error(`unknown BENCH_SECTIONS: ${unknown.join(', ')} (known: ${SECTIONS.map((s) => s.name).join(', ')})`);
  return SECTIONS.filter((s) => wanted.includes(s.name));
}

function machine() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAvgAtStart: os.loadavg(),
  };
}

/** The commit measured, and whether the working tree had changes on top of it. */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  installSignalCleanup();
  const startedAt = new Date();
  const host = { ...machine(), revision: revision() };
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const measurements: Measurement[] = [];
  const raw: Record<string, unknown> = {};
  try {
    const tmp = await tempDir(systemTmp(), 'ums-bench-');
    const ctx: BenchContext = { root: ROOT, tmpRoot: tmp.dir, log };
    for (const section of selectedSections()) {
      log(`section ${section.name}`);
      const result = await section.run(ctx);
      measurements.push(...result.measurements);
      raw[section.name] = result.raw;
    }
  } finally {
    await cleanupAll();
  }
  const finishedAt = new Date();
  process.stdout.write(renderTable(measurements));
  process.stdout.write(summarize(measurements));
  const report = { startedAt, finishedAt, seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000, machine: host, measurements, raw };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`done in ${report.seconds.toFixed(0)} s; wrote ${path.relative(ROOT, path.join(RESULTS_DIR, 'latest.json'))}`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
