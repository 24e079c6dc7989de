import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError } from '../../config/errors.ts';
import type { CompletionResult, UploadRecord, UploadRecords } from './upload-records.ts';

const recordSchema = z.object({
  id: z.string(),
  userId: z.string(),
  key: z.string(),
  kind: z.enum(['put', 'post', 'multipart']),
  s3UploadId: z.string().optional(),
  size: z.number().int().nonnegative(),
  type: z.string(),
  filename: z.string().optional(),
  createdAt: z.string(),
});
const completionSchema = z.object({ size: z.number().int().nonnegative(), type: z.string(), completedAt: z.string() });

/**
 * Upload records in Redis, shared by every instance (contract: upload-records.ts).
 * Keys: `<prefix>presign:<id>` (the record) and `<prefix>presign:done:<id>`
 * (the completion claim, taken with SET NX so exactly one confirmation wins).
 * Redis being unreachable is a 503: the client retries, nothing is half-done.
 */
export class RedisUploadRecords implements UploadRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async put(record: UploadRecord, ttlSeconds: number): Promise<void> {
    await this.#run(() => this.redis.set(this.#key(record.id), JSON.stringify(record), 'EX', ttlSeconds));
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    const raw = await this.#run(() => this.redis.get(this.#key(id)));
    return raw === null ? undefined : recordSchema.parse(JSON.parse(raw));
  }

  async delete(id: string): Promise<void> {
    await this.#run(() => this.redis.del(this.#key(id)));
  }

  async claimCompletion(id: string, result: CompletionResult, ttlSeconds: number): Promise<boolean> {
    const set = await this.#run(() => this.redis.set(this.#doneKey(id), JSON.stringify(result), 'EX', ttlSeconds, 'NX'));
    return set === 'OK';
  }

  async completion(id: string): Promise<CompletionResult | undefined> {
    const raw = await this.#run(() => this.redis.get(this.#doneKey(id)));
    return raw === null ? undefined : completionSchema.parse(JSON.parse(raw));
  }

  async releaseCompletion(id: string): Promise<void> {
    await this.#run(() => this.redis.del(this.#doneKey(id)));
  }

  #key = (id: string) => `${this.prefix}presign:${id}`;
  #doneKey = (id: string) => `${this.prefix}presign:done:${id}`;

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Upload state is temporarily unavailable; retry shortly.', { cause: err });
    }
  }
}
