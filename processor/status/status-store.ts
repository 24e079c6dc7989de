import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Manifest, MediaProcessed, MediaRejected, UploadCompleted } from '../../config/events.ts';
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
  /** When the upload completed (its event's time): the order of a user's file list. */
  uploadedAt: string;
  filename?: string | undefined;
  size: number;
  declaredType: string;
  status: ProcessingStatus;
  reason?: string | undefined;
  detail?: string | undefined;
  manifest?: Manifest | undefined;
  result?: MediaProcessed | MediaRejected | undefined;
  updatedAt: string;
};

export type StatusPage = { items: FileStatus[]; next: string | undefined };

export interface StatusStore {
  get(uploadId: string): Promise<FileStatus | undefined>;
  put(status: FileStatus): Promise<void>;
  /** A user's files, newest upload first; `cursor` is the `next` of the previous page. */
  listByUser(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<StatusPage>;
}

/** Cursors are offsets into the newest-first list, opaque to clients. */
const offsetOf = (cursor: string | undefined): number => {
  const n = Number(cursor ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

/** The record of an upload in a given state, from its completion event. */
export const statusOfUpload = (job: UploadCompleted, status: ProcessingStatus): FileStatus => ({
  uploadId: job.uploadId,
  userId: job.userId,
  uploadedAt: job.occurredAt,
  filename: job.filename,
  size: job.size,
  declaredType: job.declaredType,
  status,
  updatedAt: new Date().toISOString(),
});

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
    await writeFileDurably(path.join(this.dir, 'by-user', status.userId, status.uploadId), '');
  }

  async listByUser(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<StatusPage> {
    const ids = await readdir(path.join(this.dir, 'by-user', userId)).catch(() => [] as string[]);
    const all = (await Promise.all(ids.filter((id) => !id.startsWith('.')).map((id) => this.get(id)))).filter((s): s is FileStatus => s !== undefined);
    all.sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt) || b.uploadId.localeCompare(a.uploadId));
    const offset = offsetOf(page.cursor);
    const items = all.slice(offset, offset + page.limit);
    return { items, next: offset + page.limit < all.length ? String(offset + page.limit) : undefined };
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
    await this.redis
      .multi()
      .set(`${this.prefix}status:${status.uploadId}`, JSON.stringify(status))
      .zadd(`${this.prefix}status-by-user:${status.userId}`, Date.parse(status.uploadedAt), status.uploadId)
      .exec();
  }

  async listByUser(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<StatusPage> {
    const offset = offsetOf(page.cursor);
    const ids = await this.redis.zrevrange(`${this.prefix}status-by-user:${userId}`, String(offset), String(offset + page.limit));
    const raws = ids.length > 0 ? await this.redis.mget(...ids.slice(0, page.limit).map((id) => `${this.prefix}status:${id}`)) : [];
    const items = raws.flatMap((raw) => (raw ? [JSON.parse(raw) as FileStatus] : []));
    return { items, next: ids.length > page.limit ? String(offset + page.limit) : undefined };
  }
}

/** The status store the server and the processor share: Redis when configured, else files under DATA_DIR. */
export function createStatusStore(opts: { redis: Redis | undefined; keyPrefix: string | undefined; dataDir: string }): StatusStore {
  return opts.redis && opts.keyPrefix !== undefined ? new RedisStatusStore(opts.redis, opts.keyPrefix) : new FileStatusStore(path.resolve(opts.dataDir, 'status'));
}
