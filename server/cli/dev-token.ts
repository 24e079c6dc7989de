/**
 * Prints a bearer token for a user, signed with the configured secret.
 * Development only: production tokens come from your identity provider.
 *
 *   npm run token -- alice [--ttl 3600] [--max-size 10485760] [--types image/*,application/pdf]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/schema.ts';
import { signToken } from '../auth/tokens.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { ttl: { type: 'string', default: '3600' }, 'max-size': { type: 'string' }, types: { type: 'string' } },
});
const config = loadConfig(process.env);
if (config.isProduction) {
  process.stderr.write('npm run token is for development only (NODE_ENV=production).\n');
  process.exit(1);
}
const userId = positionals[0];
if (!userId) {
  process.stderr.write('usage: npm run token -- <user> [--ttl seconds] [--max-size bytes] [--types image/*,application/pdf]\n');
  process.exit(64);
}
const token = await signToken(config.auth.jwtSecret, {
  userId,
  ttlSeconds: Number(values.ttl),
  maxSize: values['max-size'] ? Number(values['max-size']) : undefined,
  allowedTypes: values.types?.split(','),
});
process.stdout.write(`${token}\n`);
