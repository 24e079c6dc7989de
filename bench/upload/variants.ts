import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { signToken } from '../../server/auth/tokens.ts';
import type { ClientJob } from '../clients/protocol.ts';
import { startServer, type ServerProcess } from '../lib/process.ts';
import { startOurServer } from '../lib/server-command.ts';
import { need, privateVhost, services, type ServiceEnv } from '../lib/services.ts';
import type { BenchContext } from '../lib/types.ts';

/**
 * The three servers the upload section compares. Each runs in its own child
 * process (same node, same tsx loader) so their RSS and CPU are comparable.
 */

export type VariantName = 'fs-baseline' | 'bare-tus' | 'ours';

export type Variant = Readonly<{
  name: VariantName;
  mode: ClientJob['mode'];
  start: (dataDir: string) => Promise<ServerProcess>;
  /** Where the client sends its first request. */
  endpoint: (port: number) => string;
  token: string | undefined;
}>;

const SERVERS_DIR = path.join(import.meta.dirname, '..', 'servers');

function fsBaseline(root: string): Variant {
  return {
    name: 'fs-baseline',
    mode: 'raw',
    token: undefined,
    endpoint: (port) => `http://127.0.0.1:${port}`,
    start: (dir) => startServer({ name: 'fs-baseline', script: path.join(SERVERS_DIR, 'fs-baseline.ts'), cwd: root, env: { BENCH_DIR: dir } }),
  };
}

function bareTus(root: string): Variant {
  return {
    name: 'bare-tus',
    mode: 'tus',
    token: undefined,
    endpoint: (port) => `http://127.0.0.1:${port}/files`,
    start: (dir) => startServer({ name: 'bare-tus', script: path.join(SERVERS_DIR, 'bare-tus.ts'), cwd: root, env: { BENCH_DIR: dir } }),
  };
}

/**
 * The real server, started as the production image starts it (startOurServer)
 * and configured as at scale: AMQP_URL set, so the processor runs in its own process and this
 * one never loads sharp or the scanner. Its events go to a private vhost that
 * no processor consumes (removed at the end of the run).
 */
async function ours(ctx: BenchContext, svc: ServiceEnv, amqpUrl: string): Promise<Variant> {
  const secret = `bench-secret-${randomBytes(24).toString('hex')}`;
  const token = await signToken(secret, { userId: 'bench-user', ttlSeconds: 24 * 3600 });
  const env = (dir: string) => ({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dir,
    AUTH_JWT_SECRET: secret,
    AMQP_URL: amqpUrl,
    // Production config names a scanner in both processes; only the processor uses it.
    CLAMD_HOST: need(svc, 'CLAMD_HOST'),
    CLAMD_PORT: need(svc, 'CLAMD_PORT'),
    // 'info' is the production default, and the "server listening" line is logged at info.
    LOG_LEVEL: 'info',
  });
  return {
    name: 'ours',
    mode: 'tus',
    token,
    endpoint: (port) => `http://127.0.0.1:${port}/files`,
    start: (dir) => startOurServer(ctx, 'ours', env(dir)),
  };
}

export async function allVariants(ctx: BenchContext): Promise<Variant[]> {
  const svc = await services(ctx);
  const vhost = await privateVhost(ctx, svc, 'bench-upload');
  return [fsBaseline(ctx.root), bareTus(ctx.root), await ours(ctx, svc, vhost.url)];
}
