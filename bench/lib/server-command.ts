import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './cleanup.ts';
import { startServer, type ServerProcess } from './process.ts';
import type { BenchContext } from './types.ts';

/**
 * Our server, started the way the production image starts it
 * (docker/Dockerfile): the Node flags of its CMD (`["node", ...flags,
 * "--import", "tsx", "server/main.ts"]`), the ENV of its final stage, and an
 * empty temporary directory, so tsx compiles the sources afresh as in a new
 * container. bench/lib/process.ts adds `--import=tsx` itself; `env` (the
 * bench's settings) wins over the image's.
 */
export async function startOurServer(ctx: BenchContext, name: string, env: Record<string, string>): Promise<ServerProcess> {
  const image = await imageLaunch(ctx.root);
  const tmp = await tempDir(ctx.tmpRoot, 'server-tmp-');
  try {
    const script = path.join(ctx.root, 'server', 'main.ts');
    // BENCH_SERVER_NODE_ARGS adds flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile our server.
    const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
    const server = await startServer({ name, script, nodeArgs: [...image.nodeArgs, ...extra], cwd: ctx.root, env: { ...image.env, TMPDIR: tmp.dir, ...env } });
    return { ...server, stop: () => server.stop().finally(() => tmp.remove()) };
  } catch (err) {
    await tmp.remove();
    throw err;
  }
}

async function imageLaunch(root: string): Promise<{ nodeArgs: string[]; env: Record<string, string> }> {
  const dockerfile = await readFile(path.join(root, 'docker', 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replaceAll(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const finalStage = instructions.slice(instructions.findLastIndex((l) => /^FROM\s/i.test(l)));
  const cmd = finalStage.findLast((l) => /^CMD\s/i.test(l))?.replace(/^CMD\s+/i, '');
  const argv = cmd?.startsWith('[') ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'server/main.ts') {
    throw new Error(`docker/Dockerfile: expected CMD ["node", …, "server/main.ts"], found ${cmd ?? 'none'}`);
  }
  const nodeArgs = argv.slice(1, -1);
  const tsx = nodeArgs.findIndex((a, i) => a === '--import' && nodeArgs[i + 1] === 'tsx');
  if (tsx >= 0) nodeArgs.splice(tsx, 2);
  const env: Record<string, string> = {};
  for (const line of finalStage.filter((l) => /^ENV\s/i.test(l))) {
    for (const pair of line.replace(/^ENV\s+/i, '').split(/\s+/)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!m) throw new Error(`docker/Dockerfile: cannot read ENV ${pair}`);
      env[m[1]!] = m[2]!;
    }
  }
  return { nodeArgs: nodeArgs.filter((a) => a !== '--import=tsx'), env };
}
