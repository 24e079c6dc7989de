import { createWriteStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { announce, requiredEnv } from './announce.ts';

/**
 * The physical limit of "receive over HTTP and write to disk": every PUT body is
 * piped straight into a new file. No protocol, no auth, no framework.
 */
const dir = requiredEnv('BENCH_DIR');
let uploads = 0;

async function receive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const out = createWriteStream(path.join(dir, `upload-${uploads++}`));
  try {
    await pipeline(req, out);
    const body = JSON.stringify({ bytes: out.bytesWritten });
    res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
}

const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
  if (req.method !== 'PUT') {
    res.writeHead(405).end();
    return;
  }
  void receive(req, res);
});
server.listen(0, '127.0.0.1', () => announce(server));
