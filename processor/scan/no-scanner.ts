import type { Readable } from 'node:stream';
import type { ScanVerdict, Scanner } from './scanner.ts';

/** Embedded development without clamd: files are marked `not-scanned`, never `clean`. */
export class NoScanner implements Scanner {
  async scan(stream: Readable): Promise<ScanVerdict> {
    stream.destroy();
    return { status: 'not-scanned' };
  }

  async check(): Promise<void> {}
}
