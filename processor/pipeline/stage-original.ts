import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StorageLocation } from '../../config/events.ts';
import type { OpenOriginal } from '../storage/original-reader.ts';

/** A local, read-only view of an original for the steps that need random access (sharp, re-reads). */
export type Staged = { path: string; size: number; sha256: string; head: Buffer; cleanup: () => Promise<void> };

/** The original is gone (removed or already quarantined by an earlier attempt): nothing to retry. */
export class OriginalMissingError extends Error {}

/**
 * Local originals are used in place; S3 originals are streamed to a temporary
 * file (never into memory). Either way the content hash is computed on the way.
 */
export async function stageOriginal(location: StorageLocation, open_: OpenOriginal, tmpDir: string, headBytes: number): Promise<Staged> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const local = location.kind === 'file';
  const target = local ? undefined : path.join(tmpDir, `ums-original-${randomBytes(8).toString('hex')}`);
  try {
    const source = await open_(location);
    if (local) {
      await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
        for await (const _ of chunks); // only hashed on the way
      });
    } else {
      await pipeline(source, meter, createWriteStream(target!));
    }
  } catch (err) {
    if (target) await rm(target, { force: true });
    const code = (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name;
    if (code === 'ENOENT' || code === 'NoSuchKey' || code === 'NotFound') throw new OriginalMissingError(`original not found: ${JSON.stringify(location)}`);
    throw err;
  }
  const file = local ? location.path : target!;
  return {
    path: file,
    size,
    sha256: hash.digest('hex'),
    head: await readHead(file, headBytes),
    cleanup: async () => {
      if (target) await rm(target, { force: true });
    },
  };
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export const readStaged = (staged: Staged) => createReadStream(staged.path);
