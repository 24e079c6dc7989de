import path from 'node:path';
import type { PresignJob, PresignResult } from './clients/protocol.ts';
import { monitorProcess } from './lib/proc-monitor.ts';
import { runClient } from './lib/process.ts';
import { startOurServer } from './lib/server-command.ts';
import { openStack } from './lib/stack.ts';
import { envNumber, median, pairedRatio, percentile } from './lib/stats.ts';
import { judge, type BenchContext, type Measurement, type Section, type SectionResult, type Target } from './lib/types.ts';

/**
 * Section 4: presigning. Many keep-alive clients (one process of their own)
 * call `GET /api/upload-url` on our server (STORAGE=s3, Redis) back to back;
 * the baseline is the AWS presigner (`getSignedUrl`, same command, same
 * signed headers) called in as many loops in the same kind of process, so the
 * ratio is what the route adds (HTTP, auth, policy, the Redis record).
 * Alternated round by round, each after a warm-up.
 *
 * Env: BENCH_PRESIGN_CONCURRENCY (default 32), BENCH_PRESIGN_SECONDS (measured
 * per round, default 3), BENCH_PRESIGN_ROUNDS (default 3).
 */

const SECTION = 'presigning (GET /api/upload-url)';
const CLIENT_SCRIPT = path.join(import.meta.dirname, 'clients', 'presign-client.ts');
const WARMUP_SECONDS = 1;

type Round = Readonly<{
  mode: PresignJob['mode'];
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU ms per URL (warm-up included): the client process's, and our server's (route only). */
  clientCpuMsPerUrl: number;
  serverCpuMsPerUrl: number | undefined;
}>;

function summarize(mode: PresignJob['mode'], r: PresignResult, serverCpuSeconds?: number): Round {
  const perUrl = (cpuSeconds: number, urls: number) => (cpuSeconds * 1000) / urls;
  return {
    mode,
    perSecond: r.count / r.seconds,
    p50: median(r.latenciesMs),
    p99: percentile(r.latenciesMs, 99),
    clientCpuMsPerUrl: perUrl(r.clientCpuSeconds, r.count),
    serverCpuMsPerUrl: serverCpuSeconds === undefined ? undefined : perUrl(serverCpuSeconds, r.warmupCount + r.count),
  };
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const concurrency = Math.round(envNumber('BENCH_PRESIGN_CONCURRENCY', 32));
  const seconds = envNumber('BENCH_PRESIGN_SECONDS', 3);
  const rounds = Math.round(envNumber('BENCH_PRESIGN_ROUNDS', 3));
  const stack = await openStack(ctx, 'presign');
  try {
    const server = await startOurServer(ctx, 'ours (presign)', stack.env);
    try {
      const { endpoint, region, accessKeyId, secretAccessKey } = stack.s3Settings;
      const job = (mode: PresignJob['mode']): PresignJob => ({
        mode,
        url: `http://127.0.0.1:${server.port}`,
        token: stack.token,
        s3: { endpoint, region, bucket: stack.originals },
        concurrency,
        warmupSeconds: WARMUP_SECONDS,
        seconds,
      });
      const once = async (mode: PresignJob['mode']): Promise<Round> => {
        const monitor = mode === 'route' ? monitorProcess(server.pid) : undefined;
        const env = { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey };
        let serverCpu: number | undefined;
        try {
          const result = await runClient<PresignResult>({ name: `client(presign ${mode})`, script: CLIENT_SCRIPT, cwd: ctx.root, env, args: [JSON.stringify(job(mode))] }, 120_000);
          serverCpu = monitor?.stop().cpuSeconds;
          return summarize(mode, result, serverCpu);
        } finally {
          if (serverCpu === undefined) monitor?.stop(); // its sampling timer would keep the bench alive
        }
      };
      ctx.log(`${SECTION}: ${concurrency} clients, ${rounds} round(s) of ${WARMUP_SECONDS} s warm-up + ${seconds} s`);
      const results: Round[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const mode of round % 2 === 0 ? (['route', 'sdk'] as const) : (['sdk', 'route'] as const)) {
          const r = await once(mode);
          const cpu = `CPU per URL: client ${r.clientCpuMsPerUrl.toFixed(3)} ms${r.serverCpuMsPerUrl === undefined ? '' : `, server ${r.serverCpuMsPerUrl.toFixed(3)} ms`}`;
          ctx.log(`round ${round + 1}/${rounds} ${mode}: ${r.perSecond.toFixed(0)} URLs/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ${cpu}`);
          results.push(r);
        }
      }
      return { measurements: measurements(results, concurrency), raw: { concurrency, seconds, rounds: results } };
    } finally {
      await server.stop();
    }
  } finally {
    await stack.close();
  }
}

function measurements(results: Round[], concurrency: number): Measurement[] {
  const of = (mode: PresignJob['mode'], f: (r: Round) => number) => results.filter((r) => r.mode === mode).map(f);
  const m = (name: string, unit: string, f: (r: Round) => number, target?: Target): Measurement[] => {
    const sdk = of('sdk', f);
    const route = of('route', f);
    const ratio = pairedRatio(route, sdk);
    return [
      { section: SECTION, name: `bare presigner ${name}`, value: median(sdk), unit, ratio: 1, baseline: 'bare presigner', target: undefined, pass: undefined },
      { section: SECTION, name: `GET /api/upload-url ${name}`, value: median(route), unit, ratio, baseline: 'bare presigner', target, pass: judge(target, median(route), ratio) },
    ];
  };
  return [
    ...m(`URLs per second (${concurrency} in flight)`, 'URL/s', (r) => r.perSecond, { on: 'value', op: '>=', limit: 2000 }),
    ...m('latency p50', 'ms', (r) => r.p50),
    ...m('latency p99', 'ms', (r) => r.p99),
    ...m('CPU per URL (client process; the route also has its server)', 'ms', (r) => r.clientCpuMsPerUrl),
    {
      section: SECTION,
      name: 'GET /api/upload-url server CPU per URL',
      value: median(of('route', (r) => r.serverCpuMsPerUrl ?? Number.NaN)),
      unit: 'ms',
      ratio: undefined,
      baseline: undefined,
      target: undefined,
      pass: undefined,
    },
  ];
}

export const presign: Section = { name: 'presign', run };
