import type { Socket} from 'node:net';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import NodeClam from 'clamscan';
import { type ScanVerdict, type Scanner, ScannerUnavailableError } from './scanner.ts';

export type ClamdOptions = { host?: string | undefined; port?: number | undefined; socket?: string | undefined; timeoutMs: number };

/**
 * clamd through `clamscan`'s INSTREAM support. clamscan can wait forever on a
 * clamd that accepts the connection and never answers, so every scan runs
 * under our own timeout. clamd's `... ERROR` answers (e.g. `INSTREAM size limit
 * exceeded`) are verdicts, never "clean".
 */
export class ClamdScanner implements Scanner {
  private constructor(private readonly clam: NodeClam, private readonly o: ClamdOptions) {}

  static async create(o: ClamdOptions): Promise<ClamdScanner> {
    const clam = await new NodeClam().init({
      removeInfected: false,
      clamscan: { active: false },
      clamdscan: { host: o.host, port: o.port, socket: o.socket ?? false, timeout: o.timeoutMs, localFallback: false, active: true },
      preference: 'clamdscan',
    } as NodeClam.Options);
    return new ClamdScanner(clam, o);
  }

  async scan(stream: Readable): Promise<ScanVerdict> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stream.destroy();
        reject(new ScannerUnavailableError(`clamd gave no answer within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
    });
    try {
      const result = await Promise.race([this.clam.scanStream(stream), timeout]);
      if (result.isInfected === true) return { status: 'infected', signatures: result.viruses };
      if (result.isInfected === false) return { status: 'clean' };
      return { status: 'unscannable', detail: 'clamd gave no verdict' };
    } catch (err) {
      if (err instanceof ScannerUnavailableError) throw err;
      const message = (err as Error).message ?? String(err);
      // clamd answered with an error about this file: retrying gives the same answer.
      if (/size limit|limit exceeded|ERROR/i.test(message) && !/ECONN|EPIPE|socket|timed out/i.test(message)) {
        return { status: 'unscannable', detail: message.replace(/^.*?: /, '') };
      }
      throw new ScannerUnavailableError(`clamd unavailable: ${message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** PING/PONG with our own timeout. */
  async check(): Promise<void> {
    const socket: Socket = this.o.socket ? connect(this.o.socket) : connect(this.o.port ?? 3310, this.o.host ?? '127.0.0.1');
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        socket.setTimeout(2000, () => reject(new Error('clamd ping timed out')));
        socket.once('error', reject);
        socket.once('connect', () => socket.end('zPING\0'));
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString()));
        socket.once('end', () => resolve(data));
      });
      if (!answer.startsWith('PONG')) throw new Error(`clamd answered ${JSON.stringify(answer)}`);
    } finally {
      socket.destroy();
    }
  }
}
