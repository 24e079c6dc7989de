import { type StorageLocation, type UploadCompleted, uploadCompleted } from '../../config/events.ts';
import { originalKey } from '../../config/keys.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { FinishedUpload } from '../tus/tus-handler.ts';

/** A finished upload, whichever way its bytes came (tus, or straight to S3). */
export type CompletedUpload = Readonly<{
  source: UploadCompleted['source'];
  userId: string;
  uploadId: string;
  size: number;
  declaredType: string;
  filename?: string | undefined;
}>;
export type RecordUploadCompleted = (upload: CompletedUpload) => Promise<void>;

/**
 * What happens when an upload is complete, for every upload path: its
 * `upload.completed` event is recorded durably in the outbox.
 */
export function uploadCompletionRecorder(record: RecordEvent, locate: (key: string) => StorageLocation): RecordUploadCompleted {
  return async ({ filename, ...upload }) => {
    await record(
      uploadCompleted({
        ...upload,
        location: locate(originalKey(upload.userId, upload.uploadId)),
        ...(filename ? { filename } : {}),
      }),
    );
  };
}

/** The tus `onFinished` hook: a finished tus upload, told to the shared recorder. */
export function recordCompletion(record: RecordEvent, locate: (key: string) => StorageLocation) {
  const completed = uploadCompletionRecorder(record, locate);
  return async ({ upload, userId, uploadId }: FinishedUpload): Promise<void> => {
    await completed({
      source: 'tus',
      uploadId,
      userId,
      size: upload.size ?? upload.offset,
      // onUploadCreate made filetype mandatory and normalised.
      declaredType: upload.metadata?.filetype ?? 'application/octet-stream',
      filename: upload.metadata?.filename ?? undefined,
    });
  };
}
