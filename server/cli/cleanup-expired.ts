/**
 * Removes unfinished uploads past their expiry once: the same sweep the server
 * runs every EXPIRY_SWEEP_INTERVAL_SECONDS. Safe to run beside running servers.
 *
 *   npm run cleanup
 */
import { loadConfig } from '../../config/schema.ts';
import { sweepOnce } from '../jobs/expiry-sweeper.ts';
import { createLogger } from '../logger.ts';
import { createStorage } from '../storage/create-store.ts';

const config = loadConfig(process.env);
const log = createLogger(config.log.level, 'cleanup');
const { store } = await createStorage(config);
try {
  const expired = await sweepOnce({ sweep: () => store.deleteExpired(), log, onExpired: () => {} });
  process.stdout.write(`${expired} expired upload(s) removed\n`);
} catch (err) {
  log.error({ err }, 'cleanup failed');
  process.exitCode = 1;
}
