import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** Sum of the sizes of the data files under `dir` (recursively), skipping `.json` sidecars. */
export async function dataBytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.json')) continue;
    total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * Flushes dirty pages so the next run starts with a clean page cache state
 * (runs delete their files first, so there is little left to write).
 */
export async function settleDisk(): Promise<void> {
  await promisify(execFile)('sync');
}

/** The filesystem type holding `dir`, for the report (tmpfs would measure memory, not disk). */
export async function filesystemOf(dir: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('df', ['--output=fstype,source', dir]);
    return stdout.trim().split('\n').at(-1)?.trim().replace(/\s+/g, ' ') ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
