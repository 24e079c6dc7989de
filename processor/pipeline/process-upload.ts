import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import {
  type Manifest,
  type MediaEvent,
  type MediaProcessed,
  type MediaRejected,
  type REJECTION_REASONS,
  resultEvent,
  type UploadCompleted,
  type Variant,
} from '../../config/events.ts';
import { manifestKey, originalKey, variantKey } from '../../config/keys.ts';
import type { ProcessorConfig } from '../../config/schema.ts';
import type { Logger } from '../../server/logger.ts';
import type { Scanner } from '../scan/scanner.ts';
import type { OpenOriginal } from '../storage/original-reader.ts';
import { IMMUTABLE, type ProcessedStore, REVALIDATE } from '../storage/processed-store.ts';
import type { Quarantine } from '../storage/quarantine.ts';
import { isFinal, type FileStatus, type StatusStore, statusOfUpload } from '../status/status-store.ts';
import { detectType, HEAD_BYTES } from './detect-type.ts';
import { ImageRejectedError, renderVariants } from './render-variants.ts';
import { OriginalMissingError, readStaged, type Staged, stageOriginal } from './stage-original.ts';
import { svgProblem } from './svg-safety.ts';

export type JobDeps = {
  config: ProcessorConfig;
  allowedTypes: readonly string[];
  openOriginal: OpenOriginal;
  scanner: Scanner;
  processed: ProcessedStore;
  quarantine: Quarantine;
  status: StatusStore;
  publish: (event: MediaEvent) => Promise<void>;
  log: Logger;
};

type Reason = (typeof REJECTION_REASONS)[number];
class Rejection extends Error {
  constructor(readonly reason: Reason, readonly detail: string) {
    super(`${reason}: ${detail}`);
  }
}

/**
 * One upload through the pipeline: stage → scan → detect → variants (or a
 * clean copy) → manifest → status → result event. Idempotent: a job whose
 * result is already recorded only announces it again; a job redone after a
 * crash writes the same content-addressed keys. Throws only for what a retry
 * may fix (scanner or storage unavailable); bad content ends as `rejected`.
 */
export async function processUpload(job: UploadCompleted, deps: JobDeps): Promise<FileStatus> {
  const log = deps.log.child({ uploadId: job.uploadId, eventId: job.id });
  const known = await deps.status.get(job.uploadId);
  if (isFinal(known) && known?.result) {
    log.info({ status: known.status }, 'already processed; announcing the recorded result again');
    await deps.publish(known.result);
    return known;
  }
  await deps.status.put(statusOfUpload(job, 'processing'));
  log.info({ size: job.size, declaredType: job.declaredType }, 'processing upload');

  // Checked before reading: @tus/s3-store never writes an object for a zero-length upload.
  if (job.size === 0) return reject(job, new Rejection('empty', 'the file is empty'), deps, log);

  let staged: Staged;
  try {
    staged = await stageOriginal(job.location, deps.openOriginal, deps.config.tmpDir ?? tmpdir(), HEAD_BYTES);
  } catch (err) {
    if (!(err instanceof OriginalMissingError)) throw err;
    log.warn({ err: err.message }, 'original is missing; marking failed');
    const failed = { ...statusOfUpload(job, 'failed'), reason: 'original-missing', detail: err.message };
    await deps.status.put(failed);
    return failed;
  }
  try {
    const manifest = await produce(job, staged, deps);
    const result = resultEvent<MediaProcessed>({ type: 'media.processed', uploadId: job.uploadId, userId: job.userId, manifestKey: manifestKey(job.uploadId), manifest });
    return await finish(job, { ...statusOfUpload(job, 'ready'), manifest, result }, deps, log);
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    return await reject(job, err, deps, log);
  } finally {
    await staged.cleanup();
  }
}

/** Out of the user's namespace into quarantine, then recorded and announced. */
async function reject(job: UploadCompleted, rejection: Rejection, deps: JobDeps, log: Logger): Promise<FileStatus> {
  await deps.quarantine(job.location, originalKey(job.userId, job.uploadId));
  const { reason, detail } = rejection;
  const result = resultEvent<MediaRejected>({ type: 'media.rejected', uploadId: job.uploadId, userId: job.userId, reason, detail });
  return finish(job, { ...statusOfUpload(job, 'rejected'), reason, detail, result }, deps, log);
}

async function produce(job: UploadCompleted, staged: Staged, deps: JobDeps): Promise<Manifest> {
  if (staged.size === 0) throw new Rejection('empty', 'the file is empty');
  // Scan first: malware is reported as such whatever its type (EICAR in a zip, a script named .png).
  const verdict = await deps.scanner.scan(readStaged(staged));
  if (verdict.status === 'infected') throw new Rejection('infected', verdict.signatures.join(', '));
  if (verdict.status === 'unscannable') throw new Rejection('unscannable', verdict.detail);
  const detection = await detectType(staged.head, job.declaredType, deps.allowedTypes);
  if (!detection.ok) throw new Rejection(detection.reason, detection.detail);

  const base = {
    uploadId: job.uploadId,
    userId: job.userId,
    declaredType: job.declaredType,
    detectedType: detection.type,
    typeMismatch: detection.mismatch,
    scan: verdict.status,
  } satisfies Partial<Manifest>;

  if (detection.kind === 'svg') {
    if (staged.size > deps.config.svg.maxBytes) throw new Rejection('too-large', `SVG over ${deps.config.svg.maxBytes} bytes`);
    const problem = svgProblem(await readFile(staged.path, 'utf8'));
    if (problem) throw new Rejection('unsafe-content', `SVG contains a ${problem}`);
  }
  const rasterize = detection.kind === 'image' ? canDecode(detection.type) : detection.kind === 'svg' && deps.config.svg.rasterize;
  if (!rasterize) {
    const copy = await publishCopy(job, staged, detection.type, detection.ext, deps.processed);
    return { ...base, variants: [copy] };
  }
  try {
    const rendered = await renderVariants(staged.path, deps.config.images);
    const variants: Variant[] = [];
    for (const v of rendered.variants) {
      const key = variantKey(job.uploadId, v.sha256, v.label, v.format);
      if (!(await deps.processed.exists(key))) await deps.processed.put(key, v.data, { contentType: v.contentType, cacheControl: IMMUTABLE });
      variants.push({ label: v.label, width: v.width, height: v.height, format: v.format, contentType: v.contentType, key, size: v.data.length });
    }
    return { ...base, width: rendered.width, height: rendered.height, variants };
  } catch (err) {
    if (err instanceof ImageRejectedError) throw new Rejection(err.reason, err.message);
    throw err;
  }
}

/** Non-images that passed every check are published as they are. */
async function publishCopy(job: UploadCompleted, staged: Staged, type: string, ext: string, processed: ProcessedStore): Promise<Variant> {
  const key = variantKey(job.uploadId, staged.sha256, 'original', ext);
  if (!(await processed.exists(key))) await processed.put(key, await readFile(staged.path), { contentType: type, cacheControl: IMMUTABLE });
  return { label: 'original', format: ext, contentType: type, key, size: staged.size };
}

async function finish(job: UploadCompleted, status: FileStatus, deps: JobDeps, log: Logger): Promise<FileStatus> {
  if (status.manifest) {
    await deps.processed.put(manifestKey(job.uploadId), Buffer.from(JSON.stringify(status.manifest)), { contentType: 'application/json', cacheControl: REVALIDATE });
  }
  // Status before the event: a crash in between makes the redelivered job re-announce, not redo.
  await deps.status.put(status);
  await deps.publish(status.result!);
  log.info({ status: status.status, reason: status.reason, variants: status.manifest?.variants.length }, 'upload processed');
  return status;
}

const SHARP_INPUT: Record<string, keyof sharp.FormatEnum> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/avif': 'heif',
  'image/heic': 'heif',
  'image/heif': 'heif',
  'image/svg+xml': 'svg',
};

/** Whether this sharp build decodes the type (prebuilt sharp reads AVIF but not HEIC). */
function canDecode(type: string): boolean {
  const format = SHARP_INPUT[type];
  if (!format) return false;
  const input = sharp.format[format]?.input;
  if (!input?.file) return false;
  return !(type === 'image/heic' || type === 'image/heif') || (input.fileSuffix ?? []).includes('.heic');
}
