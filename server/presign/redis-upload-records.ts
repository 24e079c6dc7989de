import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../config/errors.ts';
import type { UploadOutcome, UploadRecord, UploadRecords } from './upload-records.ts';

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
  policy: z.object({ maxSize: z.number(), typeRules: z.array(z.array(z.string())) }),
});
const outcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('completed'), size: z.number().int().nonnegative(), type: z.string(), completedAt: z.string() }),
  z.object({
    status: z.literal('rejected'),
    code: z.string().refine((c): c is ErrorCode => c in ERROR_CATALOGUE),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
]);

/**
 * Counts the part at the largest size ever signed for it (an earlier, larger URL stays valid), then
 * refuses (and undoes) it if all parts together exceed the maximum.
 */
const ADD_PART = `
local previous = redis.call('hget', KEYS[1], ARGV[1])
redis.call('hset', KEYS[1], ARGV[1], math.max(tonumber(previous or 0), tonumber(ARGV[2])))
local total = 0
for _, size in ipairs(redis.call('hvals', KEYS[1])) do total = total + tonumber(size) end
if total > tonumber(ARGV[3]) then
  if previous then redis.call('hset', KEYS[1], ARGV[1], previous) else redis.call('hdel', KEYS[1], ARGV[1]) end
  return -1
end
redis.call('expire', KEYS[1], ARGV[4])
return total`;

/**
 * Upload records in Redis, shared by every instance (contract: upload-records.ts).
 * Keys under `<prefix>direct:<id>`: the record (JSON), `:parts` (hash of part
 * number → signed size) and `:outcome` (set with SET NX: one settler wins).
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
    await this.#run(() => this.redis.del(this.#key(id), this.#key(id, 'parts')));
  }

  async addPart(id: string, partNumber: number, size: number, maxTotal: number, ttlSeconds: number): Promise<number | undefined> {
    const total = await this.#run(() => this.redis.eval(ADD_PART, 1, this.#key(id, 'parts'), partNumber, size, maxTotal, ttlSeconds));
    return total === -1 ? undefined : Number(total);
  }

  async settle(id: string, outcome: UploadOutcome, ttlSeconds: number): Promise<boolean> {
    const set = await this.#run(() => this.redis.set(this.#key(id, 'outcome'), JSON.stringify(outcome), 'EX', ttlSeconds, 'NX'));
    return set === 'OK';
  }

  async outcome(id: string): Promise<UploadOutcome | undefined> {
    const raw = await this.#run(() => this.redis.get(this.#key(id, 'outcome')));
    return raw === null ? undefined : outcomeSchema.parse(JSON.parse(raw));
  }

  async unsettle(id: string): Promise<void> {
    await this.#run(() => this.redis.del(this.#key(id, 'outcome')));
  }

  #key = (id: string, part?: 'parts' | 'outcome') => `${this.prefix}direct:${id}${part ? `:${part}` : ''}`;

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Upload state is temporarily unavailable; retry shortly.', { cause: err });
    }
  }
}
