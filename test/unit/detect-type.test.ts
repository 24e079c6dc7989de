import { randomBytes } from 'node:crypto';
import test from 'ava';
import { detectType } from '../../processor/pipeline/detect-type.ts';
import { svgProblem } from '../../processor/pipeline/svg-safety.ts';
import { fakeExe, pdf, png, svg } from '../helpers/media.ts';

const ALLOWED = ['image/*', 'application/pdf', 'text/csv', 'application/octet-stream'];

test('the detected type decides; images may be mislabelled as other images', async (t) => {
  t.like(await detectType(await png(), 'image/png', ALLOWED), { ok: true, type: 'image/png', kind: 'image', mismatch: false });
  t.like(await detectType(await png(), 'image/jpeg', ALLOWED), { ok: true, type: 'image/png', mismatch: true });
  t.like(await detectType(pdf(), 'image/jpeg', ALLOWED), { ok: false, reason: 'type-mismatch' });
  t.like(await detectType(fakeExe(), 'image/jpeg', ALLOWED), { ok: false, reason: 'type-not-allowed', detail: 'detected application/x-msdownload' });
  t.like(await detectType(pdf(), 'application/pdf', ['image/*']), { ok: false, reason: 'type-not-allowed' });
});

test('formats without magic bytes follow their own rules', async (t) => {
  t.like(await detectType(svg(), 'image/svg+xml', ALLOWED), { ok: true, kind: 'svg' });
  t.like(await detectType(Buffer.from('<?xml version="1.0"?><html/>'), 'image/svg+xml', ALLOWED), { ok: false });
  t.like(await detectType(Buffer.from('a,b\n1,2\n'), 'text/csv', ALLOWED), { ok: true, kind: 'text', ext: 'csv' });
  t.like(await detectType(Buffer.from('a,b\0\n'), 'text/csv', ALLOWED), { ok: false }, 'NUL bytes are not text');
  t.like(await detectType(randomBytes(512), 'application/octet-stream', ALLOWED), { ok: true, kind: 'other', ext: 'bin' });
  t.like(await detectType(randomBytes(512), 'application/octet-stream', ['image/*']), { ok: false, reason: 'type-not-allowed' });
  t.like(await detectType(randomBytes(512), 'image/png', ALLOWED), { ok: false, reason: 'type-not-allowed' });
});

test('SVG safety rules', (t) => {
  t.is(svgProblem(svg().toString()), undefined);
  t.is(svgProblem('<svg><script>x</script></svg>'), 'script element');
  t.is(svgProblem('<svg><rect onclick="x()"/></svg>'), 'event handler attribute');
  t.is(svgProblem('<svg><a href="javascript:alert(1)"/></svg>'), 'javascript: URL');
  t.is(svgProblem('<svg><foreignObject><div/></foreignObject></svg>'), 'foreignObject (embedded HTML)');
  t.is(svgProblem('<svg><image href="https://tracker.example/x.png"/></svg>'), 'external or HTML reference');
});
