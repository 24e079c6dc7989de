import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { RequestState } from '../http/request-context.ts';

/**
 * A dependency the server needs to serve traffic; `check` throws when it is not
 * usable, and may return details worth showing (e.g. a queue depth).
 */
export type ReadinessCheck = { name: string; check: () => Promise<void | Record<string, unknown>> };
type CheckResult = { status: 'ok' | 'error'; error?: string; [detail: string]: unknown };

const CHECK_TIMEOUT_MS = 2000;

export function healthRoutes(checks: readonly ReadinessCheck[], registry: Registry): Router<RequestState> {
  const router = new Router<RequestState>();
  router.get('/healthz', (ctx) => {
    ctx.state.route = '/healthz';
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.state.route = '/readyz';
    const results = await Promise.all(checks.map(async ({ name, check }) => [name, await runCheck(check)] as const));
    const ready = results.every(([, r]) => r.status === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
  });
  router.get('/metrics', async (ctx) => {
    ctx.state.route = '/metrics';
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

async function runCheck(check: ReadinessCheck['check']): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    return { status: 'ok', ...(await Promise.race([check(), timeout])) };
  } catch (err) {
    return { status: 'error', error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
