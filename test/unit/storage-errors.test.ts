import test from 'ava';
import { toTusError } from '../../server/tus/errors.ts';
import { loggableUrl } from '../../server/http/request-context.ts';
import { contiguousParts } from '../../server/storage/resilient-s3-store.ts';
import { isOutOfSpace, isTransientStorageError } from '../../server/storage/storage-errors.ts';

const s3Error = (status: number) => Object.assign(new Error('x'), { $metadata: { httpStatusCode: status } });
const sysError = (code: string) => Object.assign(new Error(`${code}: /secret/path`), { code });

test('only the gap-free run of parts from part 1 counts as stored', (t) => {
  const parts = (...numbers: number[]) => numbers.map((PartNumber) => ({ PartNumber, Size: 10 }));
  t.deepEqual(contiguousParts(parts(1, 2, 3)), parts(1, 2, 3));
  t.deepEqual(contiguousParts(parts(2, 3)), []);
  t.deepEqual(contiguousParts(parts(1, 3, 4)), parts(1));
  t.deepEqual(contiguousParts([]), []);
});

test('storage faults: S3 5xx and dropped connections are transient, 4xx are not; a full disk is out of space', (t) => {
  t.true(isTransientStorageError(s3Error(500)));
  t.true(isTransientStorageError(s3Error(503)));
  t.false(isTransientStorageError(s3Error(400)), 'e.g. EntityTooSmall: retrying gives the same answer');
  t.false(isTransientStorageError(s3Error(404)));
  t.true(isTransientStorageError(sysError('ECONNRESET')));
  t.true(isTransientStorageError(new Error('wrapped', { cause: sysError('EPIPE') })));
  t.false(isTransientStorageError(sysError('ENOENT')));
  t.true(isOutOfSpace(sysError('ENOSPC')));
  t.true(isOutOfSpace(new Error('wrapped', { cause: sysError('EDQUOT') })));
  t.false(isOutOfSpace(sysError('EACCES')));
});

test('the tus error mapping gives storage faults their own codes and hides the system message', (t) => {
  t.like(toTusError(sysError('ENOSPC')), { code: 'INSUFFICIENT_STORAGE', status: 507, message: 'The server has no storage space left; resume the upload later.' });
  t.like(toTusError(s3Error(500)), { code: 'STORAGE_UNAVAILABLE', status: 503 });
  t.like(toTusError(sysError('EACCES')), { code: 'INTERNAL', status: 500, expose: false });
});

test('credential-like query parameters are redacted from logged URLs, the rest kept', (t) => {
  t.is(loggableUrl('/files/abc'), '/files/abc');
  t.is(loggableUrl('/api/files?limit=5&cursor=3'), '/api/files?limit=5&cursor=3');
  t.is(loggableUrl('/api/files?access_token=eyJ.x.y&limit=5'), '/api/files?access_token=REDACTED&limit=5');
  t.is(loggableUrl('/originals/u/id?expires=1&sig=abc'), '/originals/u/id?expires=1&sig=REDACTED');
  t.is(loggableUrl('/x?TOKEN=a&token=b'), '/x?TOKEN=REDACTED&token=REDACTED');
  t.is(loggableUrl('/x?X-Amz-Signature=abc&X-Amz-Date=1'), '/x?X-Amz-Signature=REDACTED&X-Amz-Date=1');
});
