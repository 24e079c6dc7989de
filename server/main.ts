import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { MemoryLocker } from '@tus/server';
import { ConfigError, loadConfig, redactedConfig, type Config } from '../config/schema.ts';
import { buildApp } from './app.ts';
import { createTokenVerifier } from './auth/tokens.ts';
import { createMetrics } from './http/metrics.ts';
import { startExpirySweeper } from './jobs/expiry-sweeper.ts';
import { listen } from './lifecycle/listen.ts';
import { onShutdownSignal } from './lifecycle/signals.ts';
import { createLogger } from './logger.ts';
import { createStorage } from './storage/create-store.ts';
import { createTusHandler } from './tus/tus-handler.ts';

/** The composition root: config → clients → app → listen → shutdown, in named phases. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config.log.level);
  log.info({ config: redactedConfig(config) }, 'configuration loaded');
  if (config.auth.usingDevSecret) {
    log.warn('AUTH_JWT_SECRET is not set: using the public development secret. Anyone can mint tokens. Never expose this server.');
  }

  // Phase: clients
  const { store, location } = createStorage(config);
  await mkdir(location, { recursive: true });
  const metrics = createMetrics();

  // Phase: app
  const tus = createTusHandler({
    store,
    locker: new MemoryLocker(),
    limits: config.limits,
    publicUrl: config.http.publicUrl,
    lockDrainTimeoutMs: config.uploads.lockDrainTimeoutMs,
    metrics,
    onFinished: async () => {},
  });
  const app = buildApp({
    config,
    logger: log,
    metrics,
    verifyToken: createTokenVerifier(config.auth.jwtSecret, config.auth.clockToleranceSeconds),
    tus: tus.middleware,
    readiness: [{ name: 'storage', check: () => access(location, constants.W_OK) }],
  });

  // Phase: listen
  const server = await listen(app.callback(), config.http);
  const address = server.address();
  log.info({ address, storage: config.storage.kind, location }, 'server listening');
  const sweeper = startExpirySweeper({
    sweep: tus.cleanUpExpired,
    intervalMs: config.uploads.sweepIntervalMs,
    log: log.child({ job: 'expiry-sweeper' }),
    onExpired: (n) => metrics.uploadsExpired.inc(n),
  });

  // Phase: shutdown
  onShutdownSignal(log, async () => {
    await server.shutdown(config.shutdownTimeoutMs);
    await sweeper.stop();
  });
}

await main();
