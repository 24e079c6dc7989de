import { createReadStream, ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Part } from '@aws-sdk/client-s3';
import { type MetadataValue, S3Store } from '@tus/s3-store';
import { isTransientStorageError } from './storage-errors.ts';

/** Attempts per part, and the pause before each retry (doubled every time). */
const PART_ATTEMPTS = 3;
const RETRY_BASE_MS = 200;

/**
 * `@tus/s3-store` made safe against failing part uploads (tested through a
 * fault-injecting proxy in test/faults/s3-part-errors.test.ts):
 *
 * - The AWS SDK does not retry requests whose body is a stream, and every part
 *   is a stream (of a temporary file). A part that meets a 5xx or a dropped
 *   connection is retried here (3 attempts), from a fresh read of the file.
 * - Parts upload concurrently. When one fails for good, later ones may still
 *   succeed, leaving a gap (parts 2 and 3 without part 1). The library sums
 *   every listed part as the offset, so the client would resume past bytes that
 *   were never stored, and the completed object would be silently corrupt. Here
 *   only the parts 1..n without a gap count; the next PATCH overwrites the
 *   stray parts (S3 replaces a part uploaded again under the same number) and
 *   completion names only the parts it lists.
 */
export class ResilientS3Store extends S3Store {
  protected override async uploadPart(metadata: MetadataValue, body: ReadStream | Readable | Buffer, partNumber: number): Promise<string> {
    return retryPart(body, (fresh) => super.uploadPart(metadata, fresh, partNumber));
  }

  protected override async uploadIncompletePart(id: string, body: ReadStream | Readable): Promise<string> {
    return retryPart(body, (fresh) => super.uploadIncompletePart(id, fresh as ReadStream | Readable));
  }

  protected override async retrieveParts(id: string, partNumberMarker?: string): Promise<Part[]> {
    const parts = await super.retrieveParts(id, partNumberMarker);
    // The library calls this recursively for further pages; only the outermost call has them all.
    return partNumberMarker ? parts : contiguousParts(parts);
  }
}

/** Parts 1, 2, … up to the first gap (the list comes sorted by part number). */
export function contiguousParts(parts: Part[]): Part[] {
  const gap = parts.findIndex((p, i) => p.PartNumber !== i + 1);
  return gap === -1 ? parts : parts.slice(0, gap);
}

async function retryPart<T>(body: ReadStream | Readable | Buffer, send: (body: ReadStream | Readable | Buffer) => Promise<T>): Promise<T> {
  // Only a file can be read again; the SDK retries buffers itself, and any other stream gets one attempt.
  const reopen = body instanceof ReadStream ? () => createReadStream(body.path) : undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(attempt === 1 ? body : reopen!());
    } catch (err) {
      if (!reopen || attempt >= PART_ATTEMPTS || !isTransientStorageError(err)) throw err;
      if (body instanceof ReadStream) body.destroy();
      await sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
    }
  }
}
