import { AppError } from '../../config/errors.ts';
import { parseOriginalKey } from '../../config/keys.ts';
import type { PresignContext } from './presign-context.ts';
import type { CreatedObject } from './s3-event-records.ts';
import { settleUpload } from './settle-upload.ts';

export type StoreCompletion = 'completed' | 'rejected' | 'ignored';

/**
 * The store reports an object as created: if it is a direct upload the server
 * issued and nobody settled yet, it is verified and completed exactly as a
 * client's confirmation would (same event, once). Everything else in the bucket
 * is ignored: tus's objects and `.info` files, `.quarantine/`, keys of no
 * pending direct upload. A client error (object too large, wrong type, gone
 * again) is an outcome, not a failure; S3 or Redis being unavailable throws, so
 * the notification is retried.
 */
export async function completeFromStore(ctx: PresignContext, object: CreatedObject): Promise<StoreCompletion> {
  const owner = object.bucket === ctx.bucket ? parseOriginalKey(object.key) : undefined;
  const record = owner ? await ctx.records.get(owner.uploadId) : undefined;
  if (!record || record.key !== object.key) return 'ignored';
  try {
    await settleUpload(ctx, record);
    return 'completed';
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return err.code === 'UPLOAD_NOT_RECEIVED' ? 'ignored' : 'rejected';
    throw err;
  }
}
