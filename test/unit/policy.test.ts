import test from 'ava';
import { AppError } from '../../config/errors.ts';
import { assertSizeAllowed, assertTypeAllowed, makePolicy, mimeMatches } from '../../server/uploads/policy.ts';

const server = { maxUploadSize: 1000, allowedTypes: ['image/*', 'application/pdf'] };

test('claims narrow but never widen the server limits', (t) => {
  t.is(makePolicy(server, { maxSize: 10 }).maxSize, 10);
  t.is(makePolicy(server, { maxSize: 10_000 }).maxSize, 1000);
  const p = makePolicy(server, { allowedTypes: ['image/png', 'video/*'] });
  t.is(assertTypeAllowed(p, 'image/png'), 'image/png');
  t.throws(() => assertTypeAllowed(p, 'video/mp4'), { instanceOf: AppError }, 'server list still applies');
  t.throws(() => assertTypeAllowed(p, 'image/jpeg'), { instanceOf: AppError }, 'claim list applies');
});

test('types are normalised and matched by pattern', (t) => {
  const p = makePolicy(server, {});
  t.is(assertTypeAllowed(p, 'IMAGE/JPEG; charset=binary'), 'image/jpeg');
  t.true(mimeMatches('image/*', 'image/webp'));
  t.false(mimeMatches('image/*', 'imagex/webp'));
  t.false(mimeMatches('application/pdf', 'application/pdfx'));
  t.is(t.throws(() => assertTypeAllowed(p, undefined), { instanceOf: AppError }).code, 'FILETYPE_REQUIRED');
  t.is(t.throws(() => assertTypeAllowed(p, 'not a type'), { instanceOf: AppError }).code, 'TYPE_NOT_ALLOWED');
});

test('sizes over the limit are refused with the limit in the details', (t) => {
  const p = makePolicy(server, {});
  t.notThrows(() => assertSizeAllowed(p, 1000));
  const err = t.throws(() => assertSizeAllowed(p, 1001), { instanceOf: AppError });
  t.is(err.status, 413);
  t.deepEqual(err.details, { maxSize: 1000 });
});
