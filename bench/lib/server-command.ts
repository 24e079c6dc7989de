import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The Node flags the production image starts the server with (the last `CMD` of
 * docker/Dockerfile, `["node", ...flags, "--import", "tsx", "server/main.ts"]`),
 * so the bench measures the server as it is deployed, not as a bare `node`
 * would run it. bench/lib/process.ts adds `--import=tsx` itself.
 */
export async function serverNodeFlags(root: string): Promise<string[]> {
  const dockerfile = await readFile(path.join(root, 'docker', 'Dockerfile'), 'utf8');
  const cmd = [...dockerfile.matchAll(/^CMD\s+(\[.*\])\s*$/gm)].at(-1)?.[1];
  const argv = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'server/main.ts') {
    throw new Error(`docker/Dockerfile: expected CMD ["node", …, "server/main.ts"], found ${cmd ?? 'none'}`);
  }
  const flags = argv.slice(1, -1);
  const tsx = flags.findIndex((a, i) => a === '--import' && flags[i + 1] === 'tsx');
  if (tsx >= 0) flags.splice(tsx, 2);
  return flags.filter((a) => a !== '--import=tsx');
}
