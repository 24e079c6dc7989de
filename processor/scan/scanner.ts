import type { Readable } from 'node:stream';

/**
 * A virus scanner. `scan` reads the whole stream and returns a verdict; it
 * throws `ScannerUnavailableError` when it could not scan for reasons that may
 * pass (daemon down, timeout): the job is then retried later and the file is
 * never treated as clean. A verdict other than `clean` or `not-scanned` means
 * the file must not be published.
 */
export type ScanVerdict =
  | { status: 'clean' }
  | { status: 'infected'; signatures: string[] }
  /** The scanner answered but could not vouch for the file (e.g. over its size limit). */
  | { status: 'unscannable'; detail: string }
  /** No scanner is configured (embedded development mode only). */
  | { status: 'not-scanned' };

export interface Scanner {
  scan(stream: Readable): Promise<ScanVerdict>;
  check(): Promise<void>;
}

export class ScannerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScannerUnavailableError';
  }
}
