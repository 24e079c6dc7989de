import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { onCleanup } from './cleanup.ts';
import type { BenchContext } from './types.ts';

/**
 * The real services (Redis, RabbitMQ, clamd, Ceph RGW) from test/services/up.sh,
 * started once per bench run and shared by the sections that need them. up.sh
 * is idempotent: services that already run are left alone. The bench never
 * stops them (tests and other developers use the same ones); stop them with
 * `bash test/services/down.sh` when done.
 */

export type ServiceEnv = Readonly<Record<string, string>>;

const run = promisify(execFile);
const SERVICES = ['redis', 'rabbitmq', 'clamd', 's3'] as const;
/** First use may install the Debian packages (~1 min) and build the Ceph cluster. */
const UP_TIMEOUT_MS = 10 * 60_000;
let started: Promise<ServiceEnv> | undefined;

/** Where up.sh keeps its state (the same default as test/services/lib.sh). */
const servicesDir = (): string => process.env.SERVICES_DIR ?? '/tmp/ums-services';
const script = (ctx: BenchContext, name: string): string => path.join(ctx.root, 'test', 'services', name);

export function services(ctx: BenchContext): Promise<ServiceEnv> {
  started ??= startServices(ctx);
  return started;
}

async function startServices(ctx: BenchContext): Promise<ServiceEnv> {
  ctx.log(`services: bash test/services/up.sh ${SERVICES.join(' ')} …`);
  const output = await run('bash', [script(ctx, 'up.sh'), ...SERVICES], { cwd: ctx.root, timeout: UP_TIMEOUT_MS });
  const fresh = SERVICES.filter((s) => new RegExp(`^${s} ready on`, 'm').test(output.stderr));
  if (fresh.length) ctx.log(`services: started ${fresh.join(', ')} (left running; bash test/services/down.sh stops them)`);
  return parseEnvFile(await readFile(output.stdout.trim(), 'utf8'));
}

/** The env file is `export NAME=value` lines (values never quoted). */
export function parseEnvFile(text: string): ServiceEnv {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[match[1]!] = match[2]!;
  return env;
}

export function need(env: ServiceEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} missing from the services env file: did test/services/up.sh start every service?`);
  return value;
}

/**
 * A RabbitMQ vhost of the bench's own (test/services/vhost.sh): its processor
 * queue sees only the bench's uploads, and no test's processor takes its jobs.
 */
export async function privateVhost(ctx: BenchContext, env: ServiceEnv, prefix: string): Promise<{ url: string; remove: () => Promise<void> }> {
  const vhost = `${prefix}-${Date.now().toString(36)}`;
  await run('bash', [script(ctx, 'vhost.sh'), vhost], { cwd: ctx.root, timeout: 120_000 });
  // The vhost's quorum queues would otherwise pile up in the broker run after run.
  const remove = onCleanup(async () => {
    const cmd = 'source "$1" && rabbitmqctl_ delete_vhost "$2" >/dev/null';
    await run('bash', ['-c', cmd, 'delete-vhost', script(ctx, 'lib.sh'), vhost], { cwd: ctx.root, timeout: 120_000 });
  });
  return { url: `${need(env, 'AMQP_URL')}/${vhost}`, remove };
}

let gcWarned = false;

/**
 * RGW deletes object data lazily: its garbage collector frees the RADOS objects
 * of a deleted S3 object only after `rgw_gc_obj_min_wait` (2 h). On the 4 GiB
 * in-memory test cluster a few 1 GiB runs would fill it, so collect right away.
 */
export async function collectRgwGarbage(ctx: BenchContext): Promise<void> {
  const conf = path.join(servicesDir(), 'ceph', 'ceph.conf');
  try {
    await run('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], { timeout: 120_000 });
  } catch (err) {
    if (!gcWarned) ctx.log(`warning: radosgw-admin gc failed (${String(err).split('\n')[0]}); deleted data stays until RGW's own GC`);
    gcWarned = true;
  }
}

/** PIDs of the test S3 server's processes (radosgw and the OSD that stores its data), for CPU accounting. */
export async function s3ServerPids(): Promise<number[]> {
  const dir = path.join(servicesDir(), 'ceph', 'run');
  const pids = await Promise.all(['rgw.pid', 'osd.0.pid'].map((f) => readFile(path.join(dir, f), 'utf8').then(Number, () => Number.NaN)));
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}
