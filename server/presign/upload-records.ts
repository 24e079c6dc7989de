/**
 * Where direct-to-S3 uploads are remembered between requests: who owns an id,
 * its key, what was declared, and (multipart) S3's upload id. Any server
 * instance reads the same records (Redis), so a client can resume a multipart
 * upload or confirm a PUT through whichever instance it reaches.
 *
 * Contract:
 * - `put` stores a record for `ttlSeconds`; records of abandoned uploads vanish
 *   on their own, about when the bucket's lifecycle rule aborts their parts.
 * - `get` answers undefined for an unknown or expired id (never another user's:
 *   owners are checked by the caller, which answers 404 either way).
 * - `claimCompletion` is the idempotency point: it answers true to exactly one
 *   caller per id, however many confirm at once, on however many instances.
 *   `releaseCompletion` undoes a claim whose event could not be recorded, so a
 *   retry can record it.
 * Implementations: Redis (`REDIS_URL`) and in-memory (one instance only).
 */
export type UploadKind = 'put' | 'post' | 'multipart';

export type UploadRecord = Readonly<{
  id: string;
  userId: string;
  key: string;
  kind: UploadKind;
  /** S3's multipart upload id (multipart only). */
  s3UploadId?: string | undefined;
  size: number;
  type: string;
  filename?: string | undefined;
  createdAt: string;
}>;

export type CompletionResult = Readonly<{ size: number; type: string; completedAt: string }>;

export interface UploadRecords {
  put(record: UploadRecord, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<UploadRecord | undefined>;
  delete(id: string): Promise<void>;
  /** True for the first caller only; later callers get false and read the result with `completion`. */
  claimCompletion(id: string, result: CompletionResult, ttlSeconds: number): Promise<boolean>;
  completion(id: string): Promise<CompletionResult | undefined>;
  releaseCompletion(id: string): Promise<void>;
}

/** Embedded mode (no Redis): records live in this process, so uploads resume only on this instance. */
export class MemoryUploadRecords implements UploadRecords {
  readonly #records = new Map<string, { value: UploadRecord; expires: number }>();
  readonly #completions = new Map<string, { value: CompletionResult; expires: number }>();

  async put(record: UploadRecord, ttlSeconds: number): Promise<void> {
    this.#records.set(record.id, { value: record, expires: Date.now() + ttlSeconds * 1000 });
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    return live(this.#records, id);
  }

  async delete(id: string): Promise<void> {
    this.#records.delete(id);
  }

  async claimCompletion(id: string, result: CompletionResult, ttlSeconds: number): Promise<boolean> {
    if (live(this.#completions, id)) return false;
    this.#completions.set(id, { value: result, expires: Date.now() + ttlSeconds * 1000 });
    return true;
  }

  async completion(id: string): Promise<CompletionResult | undefined> {
    return live(this.#completions, id);
  }

  async releaseCompletion(id: string): Promise<void> {
    this.#completions.delete(id);
  }
}

function live<T>(map: Map<string, { value: T; expires: number }>, id: string): T | undefined {
  const entry = map.get(id);
  if (entry && entry.expires <= Date.now()) map.delete(id);
  return entry && entry.expires > Date.now() ? entry.value : undefined;
}
