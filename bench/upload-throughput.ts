import { filesystemOf } from './lib/disk.ts';
import { envNumber, maxOf, median, minOf, pairedRatio } from './lib/stats.ts';
import { judge, type BenchContext, type Measurement, type Section, type SectionResult, type Target } from './lib/types.ts';
import { diskWriteMiBps, MIB, runOnce, type Sample, type Workload } from './upload/run-once.ts';
import { allVariants, type Variant, type VariantName } from './upload/variants.ts';

/**
 * Section 1: upload throughput into the local file store. The same bytes go to
 * the fs baseline (bare node:http → file), bare @tus/server and our server,
 * interleaved round by round (order rotated) so machine noise hits all alike.
 *
 * Env: BENCH_SIZE_MB (single upload, MiB, default 1024), BENCH_ROUNDS (default 5),
 * BENCH_CONCURRENT (default 50), BENCH_CONCURRENT_MB (each, MiB, default 20).
 * Units are binary (MiB, MiB/s); the RSS targets 150 and 300 are MiB. Every run
 * gets a fresh server process and data dir, both removed (and `sync`ed) after.
 * On VMs with free-page reporting (this Firecracker guest), memory freed by the
 * previous run returns to the host within ~2 s, so page-cache writes start from
 * cold guest pages in every run alike; the "local disk write" line shows that
 * cost for one sequential writer without HTTP.
 */

const SECTION = 'upload throughput (file store)';
const BASELINE: VariantName = 'fs-baseline';

function workloads(): Workload[] {
  const single = envNumber('BENCH_SIZE_MB', 1024);
  const count = envNumber('BENCH_CONCURRENT', 50);
  const each = envNumber('BENCH_CONCURRENT_MB', 20);
  return [
    { key: 'single', label: `1x${single}MiB`, uploadBytes: Math.round(single * MIB), concurrency: 1, rssLimitMiB: 150 },
    { key: 'concurrent', label: `${count}x${each}MiB`, uploadBytes: Math.round(each * MIB), concurrency: count, rssLimitMiB: 300 },
  ];
}

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

async function collect(ctx: BenchContext, variants: Variant[], loads: Workload[], rounds: number): Promise<{ samples: Sample[]; disk: number[] }> {
  const samples: Sample[] = [];
  const disk: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const load of loads) {
      for (const variant of rotate(variants, round)) {
        ctx.log(`round ${round + 1}/${rounds} ${load.label} ${variant.name} …`);
        const sample = await runOnce(ctx, variant, load, round);
        ctx.log(`  ${sample.mibPerSecond.toFixed(0)} MiB/s, ${sample.wallSeconds.toFixed(2)} s, peak RSS ${sample.server.peakRssMiB.toFixed(0)} MiB, server CPU ${sample.server.cpuSeconds.toFixed(2)} s`);
        samples.push(sample);
      }
    }
    disk.push(await diskWriteMiBps(ctx, loads[0]!.uploadBytes));
    ctx.log(`round ${round + 1}/${rounds} disk write (no HTTP): ${disk.at(-1)!.toFixed(0)} MiB/s`);
  }
  return { samples, disk };
}

type Metric = Readonly<{ label: string; unit: string; of: (s: Sample) => number }>;

const METRICS = {
  throughput: { label: 'throughput', unit: 'MiB/s', of: (s) => s.mibPerSecond },
  wall: { label: 'wall time', unit: 's', of: (s) => s.wallSeconds },
  idleRss: { label: 'server RSS at start', unit: 'MiB', of: (s) => s.server.startRssMiB },
  rss: { label: 'server peak RSS', unit: 'MiB', of: (s) => s.server.peakRssMiB },
  cpu: { label: 'server CPU per GiB', unit: 'cpu-s/GiB', of: (s) => s.cpuSecondsPerGiB },
} satisfies Record<string, Metric>;

function measure(
  samples: Sample[],
  load: Workload,
  metric: Metric,
  variant: VariantName,
  against: VariantName,
  target?: Target,
): Measurement {
  const series = (name: VariantName) => samples.filter((s) => s.workload === load.key && s.variant === name).map(metric.of);
  const values = series(variant);
  const value = median(values);
  const ratio = pairedRatio(values, series(against));
  return {
    section: SECTION,
    name: `${load.label} ${variant} ${metric.label}`,
    value,
    unit: metric.unit,
    ratio,
    baseline: against,
    target,
    pass: judge(target, value, ratio),
    min: minOf(values),
    max: maxOf(values),
  };
}

function workloadMeasurements(samples: Sample[], load: Workload): Measurement[] {
  const all: VariantName[] = ['fs-baseline', 'bare-tus', 'ours'];
  const { throughput, wall, idleRss, rss, cpu } = METRICS;
  return [
    ...all.map((v) => measure(samples, load, throughput, v, BASELINE, v === 'ours' ? { on: 'ratio', op: '>=', limit: 0.5 } : undefined)),
    measure(samples, load, throughput, 'ours', 'bare-tus', { on: 'ratio', op: '>=', limit: 0.95 }),
    ...all.map((v) => measure(samples, load, wall, v, BASELINE)),
    ...(load.key === 'single' ? all.map((v) => measure(samples, load, idleRss, v, BASELINE)) : []),
    ...all.map((v) => measure(samples, load, rss, v, BASELINE, v === 'ours' ? { on: 'value', op: '<=', limit: load.rssLimitMiB } : undefined)),
    ...all.map((v) => measure(samples, load, cpu, v, BASELINE)),
    measure(samples, load, cpu, 'ours', 'bare-tus'),
  ];
}

function diskMeasurement(disk: number[], samples: Sample[], load: Workload): Measurement {
  const baseline = samples.filter((s) => s.workload === load.key && s.variant === BASELINE).map((s) => s.mibPerSecond);
  return {
    section: SECTION,
    name: `context: ${load.label} local disk write (1 writer, no HTTP)`,
    value: median(disk),
    unit: 'MiB/s',
    ratio: pairedRatio(disk, baseline),
    baseline: BASELINE,
    target: undefined,
    pass: undefined,
    min: minOf(disk),
    max: maxOf(disk),
  };
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const loads = workloads();
  const rounds = Math.round(envNumber('BENCH_ROUNDS', 5));
  const variants = await allVariants(ctx);
  const filesystem = await filesystemOf(ctx.tmpRoot);
  ctx.log(`${SECTION}: ${loads.map((l) => l.label).join(', ')}; ${rounds} round(s); data on ${filesystem}`);
  const { samples, disk } = await collect(ctx, variants, loads, rounds);
  const measurements = [...loads.flatMap((load) => workloadMeasurements(samples, load)), diskMeasurement(disk, samples, loads[0]!)];
  return { measurements, raw: { filesystem, rounds, workloads: loads, samples, diskMiBps: disk } };
}

export const uploadThroughput: Section = { name: 'upload-throughput', run };
