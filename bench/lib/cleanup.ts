import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Everything the bench must undo (child processes, temporary directories),
 * run in reverse order at the end, on failure, and on SIGINT/SIGTERM.
 */
type Undo = () => Promise<void>;

const pending = new Map<number, Undo>();
let nextId = 0;

/** Registers an undo step; the returned function runs it now and forgets it. */
export function onCleanup(undo: Undo): () => Promise<void> {
  const id = nextId++;
  pending.set(id, undo);
  return async () => {
    if (!pending.delete(id)) return;
    await undo();
  };
}

export async function cleanupAll(): Promise<void> {
  const steps = [...pending.entries()].reverse();
  pending.clear();
  for (const [, undo] of steps) {
    await undo().catch((err: unknown) => process.stderr.write(`cleanup failed: ${String(err)}\n`));
  }
}

let installed = false;

/** Cleans up and exits on Ctrl-C or termination, so no server or temp dir is left behind. */
export function installSignalCleanup(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** A temporary directory removed by the returned function (or by cleanupAll). */
export async function tempDir(parent: string, prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(parent, prefix));
  const remove = onCleanup(() => rm(dir, { recursive: true, force: true }));
  return { dir, remove };
}

export const systemTmp = (): string => tmpdir();
