import type { AddressInfo } from 'node:net';
import { redactedConfig, type Config } from '../config/schema.ts';
import { loadConfigOrExit } from './lifecycle/load-config.ts';
import { buildApp } from './app.ts';
import { createTokenVerifier } from './auth/tokens.ts';
import { createDelivery } from './delivery/create-delivery.ts';
import { createMetrics } from './http/metrics.ts';
import { type Infrastructure, openInfrastructure } from './infrastructure.ts';
import { startExpirySweeper } from './jobs/expiry-sweeper.ts';
import { listen } from './lifecycle/listen.ts';
import { onShutdownSignal } from './lifecycle/signals.ts';
import { createLogger, type Logger } from './logger.ts';
import type { DirectUploads } from './presign/direct-uploads.ts';
import { createTusHandler } from './tus/tus-handler.ts';
import { type RecordUploadCompleted, tusCompletion, uploadCompletionRecorder } from './uploads/completion.ts';

/** The composition root: config → clients → app → listen → shutdown, in named phases. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const log = createLogger(config.log.level);
  log.info({ config: redactedConfig(config) }, 'configuration loaded');
  if (config.auth.usingDevSecret) {
    log.warn('AUTH_JWT_SECRET is not set: using the public development secret. Anyone can mint tokens. Never expose this server.');
  }
  // @tus/s3-store buffers parts in os.tmpdir(), which follows TMPDIR; this is its only knob.
  if (config.storage.tmpDir) process.env.TMPDIR = config.storage.tmpDir;

  // Phase: clients
  const metrics = createMetrics();
  const infra = await openInfrastructure(config, log, metrics).catch((err: unknown) => {
    log.fatal({ err }, 'cannot start: a dependency is unavailable');
    process.exit(1);
  });

  // Phase: app
  const delivery = await createDelivery(config, infra);
  const completion = { record: infra.events.record, locate: infra.locate, status: delivery.status };
  const tus = createTusHandler({
    store: infra.store,
    locker: infra.locker,
    limits: config.limits,
    publicUrl: config.http.publicUrl,
    lockDrainTimeoutMs: config.uploads.lockDrainTimeoutMs,
    metrics,
    ...tusCompletion(completion),
  });
  const directUploads = await openDirectUploads(config, log, infra, uploadCompletionRecorder(completion));
  const app = buildApp({
    config,
    logger: log,
    metrics,
    verifyToken: createTokenVerifier(config.auth.jwtSecret, config.auth.clockToleranceSeconds),
    tus: tus.middleware,
    readiness: infra.readiness,
    delivery: { middleware: delivery.middleware, files: { status: delivery.status, links: delivery.links, store: infra.store } },
    // Loaded only when enabled, like the demo itself.
    demo: config.demoEnabled ? (await import('./demo/create-demo.ts')).createDemo(config, log) : undefined,
    directUploads,
  });

  // Phase: listen
  const server = await listen(app.callback(), config.http);
  const processor = await startEmbeddedProcessor(config, log, infra);
  const storeEvents = directUploads && (await startStoreEvents(config, log, directUploads));
  infra.events.start();
  log.info(
    { address: server.address(), storage: infra.storageLocation, locks: config.redis ? 'redis' : 'memory', queue: config.amqp ? 'rabbitmq' : 'in-process' },
    'server listening',
  );
  if (config.demoEnabled) {
    const { port } = server.address() as AddressInfo;
    log.info({ url: `${config.http.publicUrl ?? `http://${config.http.host}:${port}`}/demo` }, 'client demo (development only)');
  }
  const sweeper = startExpirySweeper({
    sweep: tus.cleanUpExpired,
    intervalMs: config.uploads.sweepIntervalMs,
    log: log.child({ job: 'expiry-sweeper' }),
    onExpired: (n) => metrics.uploadsExpired.inc(n),
  });

  // Phase: shutdown
  onShutdownSignal(log, async () => {
    await server.shutdown(config.shutdownTimeoutMs);
    await storeEvents?.close();
    await sweeper.stop();
    await infra.close();
    await processor?.close();
  });
}

/** Direct-to-S3 uploads, with STORAGE=s3 only: loaded then, like the S3 store (the presigners bring the AWS SDK). */
async function openDirectUploads(config: Config, log: Logger, infra: Infrastructure, recordCompleted: RecordUploadCompleted): Promise<DirectUploads | undefined> {
  if (!infra.s3 || !infra.s3Signer || !config.s3) return undefined;
  if (!infra.redis) log.warn('direct uploads keep their state in memory without REDIS_URL: run one instance only, and expect unfinished ones to be lost on restart');
  const { openDirectUploads } = await import('./presign/open-direct-uploads.ts');
  return openDirectUploads(config, config.s3, { s3: infra.s3, signer: infra.s3Signer, redis: infra.redis, recordCompleted });
}

/** With STORE_EVENTS_QUEUE: the store's ObjectCreated notifications complete direct uploads too. */
async function startStoreEvents(config: Config, log: Logger, uploads: DirectUploads) {
  if (!config.storeEvents || !config.amqp) return undefined;
  const { startStoreEventsConsumer } = await import('./queue/store-events-consumer.ts');
  return startStoreEventsConsumer({ url: config.amqp.url, queue: config.storeEvents.queue, handle: uploads.objectCreated, log: log.child({ consumer: 'store-events' }) });
}

/** Embedded mode (no AMQP_URL): the processor runs in this process, fed by the in-process queue. */
async function startEmbeddedProcessor(config: Config, log: Logger, infra: Infrastructure) {
  const queue = infra.events.inProcessQueue;
  if (!queue) return undefined;
  // Loaded only here: a server whose processor runs elsewhere never loads sharp and the scanner.
  const { createProcessor } = await import('../processor/create-processor.ts');
  const processor = await createProcessor(config, log, { redis: infra.redis, publish: (e) => queue.publish(e) });
  queue.consume(['upload.completed'], (e) => (e.type === 'upload.completed' ? processor.handle(e) : Promise.resolve()), config.processor.concurrency);
  log.info({ concurrency: config.processor.concurrency }, 'processor running in-process');
  return processor;
}

await main();
