import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Manifest, MediaProcessed, MediaRejected } from '../../config/events.ts';
import { writeFileDurably } from '../../server/lib/durable-write.ts';

export type ProcessingStatus = 'pending' | 'processing' | 'ready' | 'rejected' | 'failed';

/**
 * What is known about one upload's processing; the delivery API shows it.
 * No record means `pending` (uploaded, not yet picked up). `result` is the
 * final event, kept so a redelivered job can announce it again without redoing work.
 */
export type FileStatus = {
  uploadId: string;
  userId: string;
  status: ProcessingStatus;
  reason?: string | undefined;
  detail?: string | undefined;
  manifest?: Manifest | undefined;
  result?: MediaProcessed | MediaRejected | undefined;
  updatedAt: string;
};

export interface StatusStore {
  get(uploadId: string): Promise<FileStatus | undefined>;
  put(status: FileStatus): Promise<void>;
}

export const isFinal = (s: FileStatus | undefined): boolean => s?.status === 'ready' || s?.status === 'rejected' || s?.status === 'failed';

export class FileStatusStore implements StatusStore {
  constructor(private readonly dir: string) {}

  async get(uploadId: string): Promise<FileStatus | undefined> {
    const raw = await readFile(this.file(uploadId), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return raw === undefined ? undefined : (JSON.parse(raw) as FileStatus);
  }

  async put(status: FileStatus): Promise<void> {
    await writeFileDurably(this.file(status.uploadId), JSON.stringify(status));
  }

  private file(uploadId: string): string {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
    return path.join(this.dir, `${uploadId}.json`);
  }
}

export class RedisStatusStore implements StatusStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async get(uploadId: string): Promise<FileStatus | undefined> {
    const raw = await this.redis.get(`${this.prefix}status:${uploadId}`);
    return raw ? (JSON.parse(raw) as FileStatus) : undefined;
  }

  async put(status: FileStatus): Promise<void> {
    await this.redis.set(`${this.prefix}status:${status.uploadId}`, JSON.stringify(status));
  }
}
