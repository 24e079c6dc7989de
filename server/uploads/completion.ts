import { type StorageLocation, uploadCompleted } from '../../config/events.ts';
import { originalKey } from '../../config/keys.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { FinishedUpload } from '../tus/tus-handler.ts';

/** What happens when an upload is complete: its `upload.completed` event is recorded durably. */
export function recordCompletion(record: RecordEvent, locate: (key: string) => StorageLocation) {
  return async ({ upload, userId, uploadId }: FinishedUpload): Promise<void> => {
    await record(
      uploadCompleted({
        source: 'tus',
        uploadId,
        userId,
        location: locate(originalKey(userId, uploadId)),
        size: upload.size ?? upload.offset,
        // onUploadCreate made filetype mandatory and normalised.
        declaredType: upload.metadata?.filetype ?? 'application/octet-stream',
        ...(upload.metadata?.filename ? { filename: upload.metadata.filename } : {}),
      }),
    );
  };
}
