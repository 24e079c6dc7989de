import { type StorageLocation, type UploadCompleted, uploadCompleted } from '../../config/events.ts';
import { originalKey } from '../../config/keys.ts';
import { type StatusStore, statusOfUpload } from '../../processor/status/status-store.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { FinishedUpload, SeenComplete } from '../tus/tus-handler.ts';

/** A finished upload, whichever way its bytes came (tus, or straight to S3). */
export type CompletedUpload = Readonly<{
  source: UploadCompleted['source'];
  userId: string;
  uploadId: string;
  size: number;
  declaredType: string;
  filename?: string | undefined;
}>;
/**
 * Records a completion; with `ifMissing`, only when none was recorded yet (no
 * status record: every completion writes one first). True when it recorded.
 */
export type RecordUploadCompleted = (upload: CompletedUpload, opts?: { ifMissing?: boolean }) => Promise<boolean>;

export type CompletionDeps = {
  record: RecordEvent;
  locate: (key: string) => StorageLocation;
  status: StatusStore;
};

/**
 * What happens when an upload is complete, for every upload path: it is listed
 * as `pending` (so the files API shows it before a processor picks it up), then
 * its `upload.completed` event is recorded durably in the outbox.
 */
export function uploadCompletionRecorder({ record, locate, status }: CompletionDeps): RecordUploadCompleted {
  return async ({ filename, ...upload }, { ifMissing = false } = {}) => {
    const known = await status.get(upload.uploadId);
    if (known && ifMissing) return false;
    const event = uploadCompleted({
      ...upload,
      location: locate(originalKey(upload.userId, upload.uploadId)),
      ...(filename ? { filename } : {}),
    });
    // Before the event, so no processor can have moved it past `pending`; a repeat never downgrades it.
    if (!known) await status.put(statusOfUpload(event, 'pending'));
    await record(event);
    return true;
  };
}

/**
 * Completion of tus uploads, told to the shared recorder:
 * - `onFinished`: the final PATCH's hook.
 * - `onCompleteSeen`: a HEAD found the upload complete. If its completion was
 *   never recorded (the final PATCH stored its last byte, then failed to record,
 *   e.g. on a full disk: the client saw an error, but HEAD now says "done"),
 *   it is recorded now, so the event is not lost. Unless this process is still
 *   recording it (the library runs the hook after releasing the upload's lock).
 */
export function tusCompletion(deps: CompletionDeps) {
  const completed = uploadCompletionRecorder(deps);
  const recording = new Set<string>();
  const recordTus = async ({ upload, userId, uploadId }: FinishedUpload, ifMissing: boolean): Promise<boolean> => {
    recording.add(uploadId);
    try {
      return await completed(
        {
          source: 'tus',
          uploadId,
          userId,
          size: upload.size ?? upload.offset,
          // onUploadCreate made filetype mandatory and normalised.
          declaredType: upload.metadata?.filetype ?? 'application/octet-stream',
          filename: upload.metadata?.filename ?? undefined,
        },
        { ifMissing },
      );
    } finally {
      recording.delete(uploadId);
    }
  };
  return {
    onFinished: async (finished: FinishedUpload): Promise<void> => void (await recordTus(finished, false)),
    /**
     * Resolves true when it recorded a completion that was missing. The status is looked up first:
     * almost always there, and then the upload is never read again.
     */
    onCompleteSeen: async ({ load, ...seen }: SeenComplete): Promise<boolean> => {
      if (recording.has(seen.uploadId) || (await deps.status.get(seen.uploadId))) return false;
      return recordTus({ ...seen, upload: await load() }, true);
    },
  };
}
