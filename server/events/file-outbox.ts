import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type MediaEvent, parseMediaEvent } from '../../config/events.ts';
import { writeFileDurably } from '../lib/durable-write.ts';
import type { Outbox } from './outbox.ts';

/**
 * One JSON file per event in a local directory, written durably (an event
 * reported as added survives a crash or power loss). Names sort by time, so
 * peek is oldest-first.
 */
export class FileOutbox implements Outbox {
  private ready: Promise<unknown>;
  private seq = 0;
  /** File names of events returned by peek, so remove needs no directory scan. */
  private readonly peeked = new Map<string, string>();

  constructor(private readonly dir: string) {
    this.ready = mkdir(dir, { recursive: true });
  }

  async add(event: MediaEvent): Promise<void> {
    parseMediaEvent(event);
    await this.ready;
    // Time, then a per-process sequence: events added in one millisecond keep their order.
    const name = `${Date.now().toString().padStart(15, '0')}-${(this.seq++ % 1e6).toString().padStart(6, '0')}-${event.id}.json`;
    await writeFileDurably(path.join(this.dir, name), JSON.stringify(event));
  }

  async peek(limit: number): Promise<MediaEvent[]> {
    const names = (await this.names()).slice(0, limit);
    const events: MediaEvent[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      const raw = await readFile(file, 'utf8').catch(() => undefined);
      if (raw === undefined) continue; // removed meanwhile
      try {
        const event = parseMediaEvent(raw);
        this.peeked.set(event.id, name);
        events.push(event);
      } catch {
        // Only valid events are ever added: this file was damaged. Set it aside, do not block the rest.
        await mkdir(path.join(this.dir, 'damaged'), { recursive: true });
        await rename(file, path.join(this.dir, 'damaged', name));
      }
    }
    return events;
  }

  async remove(eventIds: readonly string[]): Promise<void> {
    const unknown = new Set(eventIds.filter((id) => !this.peeked.has(id)));
    const names = eventIds.flatMap((id) => this.peeked.get(id) ?? []);
    if (unknown.size > 0) names.push(...(await this.names()).filter((n) => unknown.has(n.slice(23, -5))));
    await Promise.all(names.map((name) => rm(path.join(this.dir, name), { force: true })));
    for (const id of eventIds) this.peeked.delete(id);
  }

  async depth(): Promise<number> {
    return (await this.names()).length;
  }

  private async names(): Promise<string[]> {
    await this.ready;
    return (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  }
}
