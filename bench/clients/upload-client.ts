import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { BLOCK_BYTES, TUS_FILETYPE, type ClientJob, type ClientResult } from './protocol.ts';
import { timedUploads } from './timed-run.ts';

/**
 * The load generator, run in its own process so it never shares an event loop
 * with the server it measures. Bodies are one random 1 MiB block repeated, sent
 * with node:http and honouring backpressure. Prints one JSON ClientResult line.
 */

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

const job = JSON.parse(process.argv[2] ?? '{}') as ClientJob;
const block = randomBytes(BLOCK_BYTES);
const agent = new http.Agent({ keepAlive: true });
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** tus upload ids by upload number (the warm-up, -1, is not kept). */
const ids: string[] = [];

/** Writes `size` bytes of the block, waiting for 'drain' whenever the stream asks to. */
async function pump(out: Writable, size: number): Promise<void> {
  for (let left = size; left > 0; ) {
    const n = Math.min(left, block.length);
    left -= n;
    if (!out.write(n === block.length ? block : block.subarray(0, n))) await once(out, 'drain');
  }
  out.end();
}

function exchange(url: URL, method: string, headers: http.OutgoingHttpHeaders, size: number): Promise<Reply> {
  const req = http.request(url, { method, agent, headers: { ...headers, 'Content-Length': String(size) } });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  const sending = pump(req, size);
  sending.catch(() => {}); // a failed send also fails `reply`, which the caller sees
  return reply;
}

function expect(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what}: HTTP ${reply.status} (wanted ${status}): ${reply.body.slice(0, 300)}`);
}

async function rawUpload(size: number): Promise<number> {
  const reply = await exchange(new URL('/upload', job.url), 'PUT', {}, size);
  expect(reply, 201, 'PUT');
  const { bytes } = JSON.parse(reply.body) as { bytes: number };
  if (bytes !== size) throw new Error(`PUT: server wrote ${bytes} of ${size} bytes`);
  return bytes;
}

async function tusUpload(size: number, n: number): Promise<number> {
  const base = { 'Tus-Resumable': '1.0.0', ...(job.token ? { Authorization: `Bearer ${job.token}` } : {}) };
  const created = await exchange(new URL(job.url), 'POST', {
    ...base,
    'Upload-Length': String(size),
    'Upload-Metadata': `filetype ${b64(TUS_FILETYPE)},filename ${b64(`bench-${n}.png`)}`,
  }, 0);
  expect(created, 201, 'POST');
  const location = created.headers.location;
  if (!location) throw new Error('POST: no Location header');
  if (n >= 0) ids[n] = new URL(location, job.url).pathname.split('/').pop() ?? '';
  const patched = await exchange(new URL(location, job.url), 'PATCH', {
    ...base,
    'Content-Type': 'application/offset+octet-stream',
    'Upload-Offset': '0',
  }, size);
  expect(patched, 204, 'PATCH');
  const offset = Number(patched.headers['upload-offset']);
  if (offset !== size) throw new Error(`PATCH: Upload-Offset ${offset}, wanted ${size}`);
  return size;
}

async function writeFile(file: string, size: number): Promise<number> {
  const out = createWriteStream(file);
  const finished = once(out, 'finish');
  await pump(out, size);
  await finished;
  return out.bytesWritten;
}

const diskWrite = (size: number, n: number): Promise<number> => writeFile(path.join(job.dir ?? '.', `disk-${n}`), size);

const uploadOnce = (size: number, n: number): Promise<number> =>
  job.mode === 'raw' ? rawUpload(size) : job.mode === 'tus' ? tusUpload(size, n) : diskWrite(size, n);

async function main(): Promise<void> {
  const timed = await timedUploads(job, uploadOnce);
  const result: ClientResult = { ...timed, ...(job.mode === 'tus' ? { ids } : {}) };
  agent.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
