import { ConfigError, loadConfig, type Config } from '../../config/schema.ts';

/** For composition roots: the validated config, or a message naming each bad variable and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
}
