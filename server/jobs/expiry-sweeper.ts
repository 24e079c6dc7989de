import type { Logger } from '../logger.ts';

type SweepOptions = { sweep: () => Promise<number>; log: Logger; onExpired: (count: number) => void };

/** One sweep: removes unfinished uploads past their expiry and logs the count. Throws on failure. */
export async function sweepOnce(opts: SweepOptions): Promise<number> {
  const started = Date.now();
  const expired = await opts.sweep();
  opts.onExpired(expired);
  opts.log.info({ expired, ms: Date.now() - started }, 'expired uploads swept');
  return expired;
}

/**
 * Sweeps every `intervalMs`, one sweep at a time: a slow sweep delays the next
 * one instead of overlapping it, and a failed one is logged and retried next time.
 */
export function startExpirySweeper(opts: SweepOptions & { intervalMs: number }): { stop: () => Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= sweepOnce(opts).then(
      () => {
        running = undefined;
      },
      (err: unknown) => {
        running = undefined;
        opts.log.error({ err }, 'expired upload sweep failed');
      },
    );
  };
  const timer = opts.intervalMs > 0 ? setInterval(run, opts.intervalMs) : undefined;
  timer?.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
