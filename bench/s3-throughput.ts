import { openStack, type Stack } from './lib/stack.ts';
import { envNumber, maxOf, median, minOf, pairedRatio } from './lib/stats.ts';
import { judge, type BenchContext, type Measurement, type Section, type SectionResult, type Target } from './lib/types.ts';
import { partConcurrency, partSize, runS3Once, type S3Sample, type S3VariantName } from './s3/run-once.ts';
import { MIB, type Workload } from './upload/run-once.ts';

/**
 * Section: upload throughput into S3 (the Ceph RGW test server). Our server
 * (STORAGE=s3, Redis, RabbitMQ on a private vhost, no processor) against a
 * direct @aws-sdk/lib-storage multipart upload of the same bytes with the same
 * part size and the same cap on parts in flight across all uploads, and
 * against bare @tus/server + @tus/s3-store (the library alone), alternated
 * round by round (order rotated). Every process involved (client, our server,
 * radosgw and the OSD) is CPU-accounted per GiB: they share this machine's
 * cores, so where the machine is saturated the throughput ratio follows the
 * ratio of total CPU per GiB.
 *
 * Env: BENCH_S3_SIZE_MB (single upload, MiB, default 1024), BENCH_S3_CONCURRENT
 * (default 50), BENCH_S3_CONCURRENT_MB (each, MiB, default 20), BENCH_S3_ROUNDS
 * (default 3); S3_PART_SIZE and S3_MAX_CONCURRENT_PART_UPLOADS go to both sides.
 * RGW keeps data in memory (4 GiB): every run's objects are deleted and
 * garbage-collected before the next.
 */

const SECTION = 'upload throughput (S3, Ceph RGW)';
const BASELINE: S3VariantName = 'direct';
const VARIANTS: readonly S3VariantName[] = ['direct', 'bare-tus', 'ours'];
const LABEL: Record<S3VariantName, string> = { direct: 'direct lib-storage', 'bare-tus': 'bare-tus', ours: 'ours' };

function workloads(): Workload[] {
  const single = envNumber('BENCH_S3_SIZE_MB', 1024);
  const count = Math.round(envNumber('BENCH_S3_CONCURRENT', 50));
  const each = envNumber('BENCH_S3_CONCURRENT_MB', 20);
  return [
    { key: 'single', label: `s3 1x${single}MiB`, uploadBytes: Math.round(single * MIB), concurrency: 1, rssLimitMiB: 150 },
    { key: 'concurrent', label: `s3 ${count}x${each}MiB`, uploadBytes: Math.round(each * MIB), concurrency: count, rssLimitMiB: 300 },
  ];
}

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length]!);

async function collect(ctx: BenchContext, stack: Stack, loads: Workload[], rounds: number): Promise<S3Sample[]> {
  const samples: S3Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const load of loads) {
      for (const variant of rotate(VARIANTS, round)) {
        ctx.log(`round ${round + 1}/${rounds} ${load.label} ${variant} …`);
        const s = await runS3Once(ctx, stack, variant, load, round);
        const rss = s.server ? `, server peak RSS ${s.server.peakRssMiB.toFixed(0)} MiB` : '';
        const server = s.serverCpuSecondsPerGiB === undefined ? '' : `, server ${s.serverCpuSecondsPerGiB.toFixed(2)}`;
        ctx.log(`  ${s.mibPerSecond.toFixed(0)} MiB/s, ${s.wallSeconds.toFixed(2)} s${rss}; CPU s/GiB: client ${s.clientCpuSecondsPerGiB.toFixed(2)}${server}, RGW+OSD ${s.s3ServerCpuSecondsPerGiB.toFixed(2)}; machine ${(s.machineBusy * 100).toFixed(0)}% busy`);
        samples.push(s);
      }
    }
  }
  return samples;
}

type Metric = Readonly<{ label: string; unit: string; of: (s: S3Sample) => number }>;

const THROUGHPUT: Metric = { label: 'throughput', unit: 'MiB/s', of: (s) => s.mibPerSecond };
const RSS: Metric = { label: 'server peak RSS', unit: 'MiB', of: (s) => s.server?.peakRssMiB ?? Number.NaN };
const IDLE_RSS: Metric = { label: 'server RSS at start', unit: 'MiB', of: (s) => s.server?.startRssMiB ?? Number.NaN };
const SERVER_CPU: Metric = { label: 'server CPU per GiB', unit: 'cpu-s/GiB', of: (s) => s.serverCpuSecondsPerGiB ?? Number.NaN };
const CLIENT_CPU: Metric = { label: 'client CPU per GiB', unit: 'cpu-s/GiB', of: (s) => s.clientCpuSecondsPerGiB };
const S3_CPU: Metric = { label: 'RGW+OSD CPU per GiB', unit: 'cpu-s/GiB', of: (s) => s.s3ServerCpuSecondsPerGiB };
const TOTAL_CPU: Metric = { label: 'CPU per GiB, all processes', unit: 'cpu-s/GiB', of: (s) => s.totalCpuSecondsPerGiB };

function measure(samples: S3Sample[], load: Workload, metric: Metric, variant: S3VariantName, opts: { against?: S3VariantName; target?: Target } = {}): Measurement {
  const series = (name: S3VariantName) => samples.filter((s) => s.workload === load.key && s.variant === name).map(metric.of);
  const values = series(variant);
  const value = median(values);
  const ratio = opts.against ? pairedRatio(values, series(opts.against)) : undefined;
  return {
    section: SECTION,
    name: `${load.label} ${LABEL[variant]} ${metric.label}`,
    value,
    unit: metric.unit,
    ratio,
    baseline: opts.against ? LABEL[opts.against] : undefined,
    target: opts.target,
    pass: judge(opts.target, value, ratio),
    min: minOf(values),
    max: maxOf(values),
  };
}

function workloadMeasurements(samples: S3Sample[], load: Workload): Measurement[] {
  const vsDirect = { against: BASELINE };
  return [
    measure(samples, load, THROUGHPUT, 'direct', vsDirect),
    measure(samples, load, THROUGHPUT, 'bare-tus', vsDirect),
    measure(samples, load, THROUGHPUT, 'ours', { ...vsDirect, target: { on: 'ratio', op: '>=', limit: 0.8 } }),
    measure(samples, load, THROUGHPUT, 'ours', { against: 'bare-tus' }),
    ...(load.key === 'single' ? [measure(samples, load, IDLE_RSS, 'ours')] : []),
    measure(samples, load, RSS, 'bare-tus'),
    measure(samples, load, RSS, 'ours', { target: { on: 'value', op: '<=', limit: load.rssLimitMiB } }),
    measure(samples, load, CLIENT_CPU, 'direct'),
    measure(samples, load, SERVER_CPU, 'bare-tus'),
    measure(samples, load, SERVER_CPU, 'ours', { against: 'bare-tus' }),
    measure(samples, load, S3_CPU, 'direct'),
    measure(samples, load, S3_CPU, 'ours'),
    ...VARIANTS.map((v) => measure(samples, load, TOTAL_CPU, v, vsDirect)),
  ];
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const loads = workloads();
  const rounds = Math.round(envNumber('BENCH_S3_ROUNDS', 3));
  const stack = await openStack(ctx, 's3');
  try {
    ctx.log(`${SECTION}: ${loads.map((l) => l.label).join(', ')}; ${rounds} round(s); parts ${partSize() / MIB} MiB x ${partConcurrency()} in flight; buckets ${stack.originals}`);
    const samples = await collect(ctx, stack, loads, rounds);
    return { measurements: loads.flatMap((load) => workloadMeasurements(samples, load)), raw: { rounds, workloads: loads, partSize: partSize(), partConcurrency: partConcurrency(), samples } };
  } finally {
    await stack.close();
  }
}

export const s3Throughput: Section = { name: 's3-throughput', run };
