import { redactedConfig } from '../config/schema.ts';
import { loadConfigOrExit } from '../server/lifecycle/load-config.ts';
import { RabbitPublisher } from '../server/events/rabbit-publisher.ts';
import { onShutdownSignal } from '../server/lifecycle/signals.ts';
import { createLogger } from '../server/logger.ts';
import { connectRedis } from '../server/redis/client.ts';
import { connectBroker, startConsumer } from './consumer/rabbit-consumer.ts';
import { createProcessor } from './create-processor.ts';
import { addressOf, createProcessorMetrics, measured, startHealthServer } from './health/health-server.ts';

const fail = (message: string): never => {
  throw new Error(message);
};

/** The processor as its own process (`npm run processor`): consumes the RabbitMQ work queue. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const log = createLogger(config.log.level, 'processor');
  if (!config.amqp) {
    log.fatal('AMQP_URL is not set: the standalone processor consumes RabbitMQ (in embedded mode the server runs it in-process)');
    process.exit(78);
  }
  log.info({ config: redactedConfig(config) }, 'configuration loaded');

  const redis = config.redis ? await connectRedis(config.redis.url, 'processor', log) : undefined;
  const publisher = RabbitPublisher.connect(config.amqp.url, log);
  const processor = await createProcessor(config, log, { redis, publish: (e) => publisher.publish(e) });
  const connection = connectBroker(config.amqp.url, log);
  const metrics = createProcessorMetrics();
  const consumer = await startConsumer({
    connection,
    concurrency: config.processor.concurrency,
    handle: measured(metrics, processor.handle),
    onGiveUp: processor.markFailed,
    log,
  });
  const health = await startHealthServer({
    port: config.processor.healthPort,
    host: config.http.host,
    registry: metrics.registry,
    checks: [
      { name: 'broker', check: async () => void (connection.ready || fail('not connected to RabbitMQ')) },
      { name: 'scanner', check: () => processor.scanner.check() },
      ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
    ],
  });
  log.info(
    { concurrency: config.processor.concurrency, scanner: config.processor.clamd ? 'clamd' : 'none', health: addressOf(health) },
    'processor consuming',
  );

  onShutdownSignal(log, async () => {
    health.close();
    await consumer.close();
    await connection.close();
    await publisher.close();
    await processor.close();
    await redis?.quit();
  });
}

await main();
