import type { ErrorCode } from '../../config/errors.ts';
import type { UploadPolicy } from '../uploads/policy.ts';

/**
 * Where direct-to-S3 uploads are remembered between requests: who owns an id,
 * its key, what was declared, the uploader's limits, S3's multipart upload id,
 * the parts signed so far, and how the upload ended. With Redis every instance
 * reads the same records, so a client can resume a multipart upload, sign parts
 * in parallel or confirm through whichever instance it reaches, and a store
 * notification can complete an upload another instance issued.
 *
 * Contract (one suite runs against every implementation: upload-records-contract.test.ts):
 * - `put` stores a record for `ttlSeconds`; `get` answers undefined for an
 *   unknown or expired id. Owners are checked by the caller (404 either way).
 * - `addPart` records part `partNumber` as `size` bytes (a part signed again
 *   counts at the largest size signed: every URL stays valid until it expires,
 *   so a client cannot stage more than declared) unless the sizes of all distinct parts would then add up to
 *   more than `maxTotal`; it answers the new total, or undefined when refused.
 *   Atomic: parallel calls cannot together exceed `maxTotal`.
 * - `settle` sets the outcome if none is set yet and answers true to exactly
 *   one caller per id, however many settle at once, on however many instances:
 *   the idempotency point of completion. `unsettle` removes an outcome whose
 *   event could not be recorded, so a retry records it.
 * - `delete` forgets an aborted upload: its record and parts (not its outcome).
 * Implementations: Redis (`REDIS_URL`) and in-memory (a single instance only).
 */
export type UploadKind = 'put' | 'post' | 'multipart';

export type UploadRecord = Readonly<{
  id: string;
  userId: string;
  key: string;
  kind: UploadKind;
  /** S3's multipart upload id (multipart only); never shown to the client. */
  s3UploadId?: string | undefined;
  size: number;
  type: string;
  filename?: string | undefined;
  createdAt: string;
  /** The uploader's limits when the upload was issued: a store notification carries no token. */
  policy: UploadPolicy;
}>;

export type UploadOutcome =
  | Readonly<{ status: 'completed'; size: number; type: string; completedAt: string }>
  | Readonly<{ status: 'rejected'; code: ErrorCode; message: string; details?: Record<string, unknown> | undefined }>;

export interface UploadRecords {
  put(record: UploadRecord, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<UploadRecord | undefined>;
  delete(id: string): Promise<void>;
  addPart(id: string, partNumber: number, size: number, maxTotal: number, ttlSeconds: number): Promise<number | undefined>;
  settle(id: string, outcome: UploadOutcome, ttlSeconds: number): Promise<boolean>;
  outcome(id: string): Promise<UploadOutcome | undefined>;
  unsettle(id: string): Promise<void>;
}

type Expiring<T> = { value: T; expires: number };

/**
 * Records in this process (no Redis): uploads can be resumed and confirmed only
 * through this instance, and are forgotten when it restarts. Single instance only.
 */
export class MemoryUploadRecords implements UploadRecords {
  readonly #records = new Map<string, Expiring<UploadRecord>>();
  readonly #parts = new Map<string, Expiring<Map<number, number>>>();
  readonly #outcomes = new Map<string, Expiring<UploadOutcome>>();
  #puts = 0;

  async put(record: UploadRecord, ttlSeconds: number): Promise<void> {
    // Abandoned uploads are never read again: drop expired entries now and then, not on every put.
    if (++this.#puts % 256 === 0) [this.#records, this.#parts, this.#outcomes].forEach(dropExpired);
    this.#records.set(record.id, expiring(record, ttlSeconds));
  }

  async get(id: string): Promise<UploadRecord | undefined> {
    return live(this.#records, id);
  }

  async delete(id: string): Promise<void> {
    this.#records.delete(id);
    this.#parts.delete(id);
  }

  async addPart(id: string, partNumber: number, size: number, maxTotal: number, ttlSeconds: number): Promise<number | undefined> {
    const parts = new Map(live(this.#parts, id));
    parts.set(partNumber, Math.max(parts.get(partNumber) ?? 0, size));
    const total = [...parts.values()].reduce((a, b) => a + b, 0);
    if (total > maxTotal) return undefined;
    this.#parts.set(id, expiring(parts, ttlSeconds));
    return total;
  }

  async settle(id: string, outcome: UploadOutcome, ttlSeconds: number): Promise<boolean> {
    if (live(this.#outcomes, id)) return false;
    this.#outcomes.set(id, expiring(outcome, ttlSeconds));
    return true;
  }

  async outcome(id: string): Promise<UploadOutcome | undefined> {
    return live(this.#outcomes, id);
  }

  async unsettle(id: string): Promise<void> {
    this.#outcomes.delete(id);
  }
}

const expiring = <T>(value: T, ttlSeconds: number): Expiring<T> => ({ value, expires: Date.now() + ttlSeconds * 1000 });

function dropExpired(map: Map<string, Expiring<unknown>>): void {
  const now = Date.now();
  for (const [id, entry] of map) if (entry.expires <= now) map.delete(id);
}

function live<T>(map: Map<string, Expiring<T>>, id: string): T | undefined {
  const entry = map.get(id);
  if (!entry) return undefined;
  if (entry.expires > Date.now()) return entry.value;
  map.delete(id);
  return undefined;
}
