import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestState } from '../../server/http/request-context.ts';
import { healthRoutes, type ReadinessCheck } from '../../server/routes/health.ts';

/** The processor's own metrics: what a job costs and how it ended. */
export function createProcessorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    jobs: new Counter({ name: 'processor_jobs_total', help: 'jobs handled, by outcome (ok: a result was recorded; error: retried later)', labelNames: ['outcome'] as const, registers: [registry] }),
    jobSeconds: new Histogram({ name: 'processor_job_duration_seconds', help: 'time per job, scan and variants included', buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] }),
  };
}
export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>;

/** Counts and times each job around the real handler. */
export function measured<E>(metrics: ProcessorMetrics, handle: (event: E) => Promise<void>): (event: E) => Promise<void> {
  return async (event) => {
    const stop = metrics.jobSeconds.startTimer();
    try {
      await handle(event);
      metrics.jobs.inc({ outcome: 'ok' });
    } catch (err) {
      metrics.jobs.inc({ outcome: 'error' });
      throw err;
    } finally {
      stop();
    }
  };
}

/**
 * `/healthz`, `/readyz` and `/metrics` for the processor, the same routes the
 * server has, so orchestrators and Prometheus treat both processes alike.
 */
export async function startHealthServer(opts: { port: number; host: string; checks: readonly ReadinessCheck[]; registry: Registry }): Promise<Server> {
  const app = new Koa<RequestState>();
  app.silent = true;
  const routes = healthRoutes(opts.checks, opts.registry);
  app.use(routes.routes());
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, resolve));
  return server;
}

export const addressOf = (server: Server) => server.address() as AddressInfo;
