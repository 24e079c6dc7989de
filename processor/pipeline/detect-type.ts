import { fileTypeFromBuffer } from 'file-type';
import { mimeMatches } from '../../server/uploads/policy.ts';

/** Bytes read from the start of a file to identify it; file-type needs at most this many. */
export const HEAD_BYTES = 4100;

export type Detection =
  | { ok: true; type: string; ext: string; kind: 'image' | 'svg' | 'text' | 'other'; mismatch: boolean }
  | { ok: false; reason: 'type-not-allowed' | 'type-mismatch'; detail: string };

const TEXT_TYPES: Record<string, string> = { 'text/csv': 'csv', 'text/plain': 'txt' };

/**
 * Decides what a file really is from its first bytes. The detected type rules:
 * it must be allowed; a declared type that differs is tolerated only between
 * images (a PNG sent as image/jpeg is processed as PNG, and the mismatch
 * recorded). Formats without magic bytes are checked by their own rules here
 * (SVG, CSV, plain text) and by content later (SVG scripts).
 */
export async function detectType(head: Buffer, declared: string, allowed: readonly string[]): Promise<Detection> {
  const isAllowed = (type: string) => allowed.some((p) => mimeMatches(p, type));
  const found = await fileTypeFromBuffer(head);
  // file-type calls any XML document application/xml; SVG is XML with its own rules.
  if (!found) return detectUnknown(head, declared, isAllowed);
  if (found.mime === 'application/xml') return detectText(head, declared, isAllowed);
  if (!isAllowed(found.mime)) return { ok: false, reason: 'type-not-allowed', detail: `detected ${found.mime}` };
  const bothImages = found.mime.startsWith('image/') && declared.startsWith('image/');
  if (found.mime !== declared && !bothImages) {
    return { ok: false, reason: 'type-mismatch', detail: `declared ${declared}, detected ${found.mime}` };
  }
  return { ok: true, type: found.mime, ext: found.ext, kind: found.mime.startsWith('image/') ? 'image' : 'other', mismatch: found.mime !== declared };
}

function detectText(head: Buffer, declared: string, isAllowed: (t: string) => boolean): Detection {
  const unknown = { ok: false, reason: 'type-not-allowed', detail: `unrecognised content declared as ${declared}` } as const;
  if (!isAllowed(declared) || !looksLikeText(head)) return unknown;
  if (declared === 'image/svg+xml') return looksLikeSvg(head) ? { ok: true, type: declared, ext: 'svg', kind: 'svg', mismatch: false } : unknown;
  const ext = TEXT_TYPES[declared];
  return ext ? { ok: true, type: declared, ext, kind: 'text', mismatch: false } : unknown;
}

/** Content no signature recognises is acceptable only as what it claims: generic binary, when allowed. */
function detectUnknown(head: Buffer, declared: string, isAllowed: (t: string) => boolean): Detection {
  if (declared === 'application/octet-stream' && isAllowed(declared)) return { ok: true, type: declared, ext: 'bin', kind: 'other', mismatch: false };
  return detectText(head, declared, isAllowed);
}

/** UTF-8 without NUL or other binary control bytes (a truncated multi-byte tail is fine). */
function looksLikeText(head: Buffer): boolean {
  if (head.some((b) => b === 0 || (b < 0x09) || (b > 0x0d && b < 0x20 && b !== 0x1b))) return false;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  return !text.slice(0, -4).includes('\uFFFD');
}

/** An XML prolog, comments or a doctype may come first; the root element must be <svg>. */
function looksLikeSvg(head: Buffer): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const rest = text.replace(/^(\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)*/i, '');
  return /^<svg[\s>]/i.test(rest);
}
