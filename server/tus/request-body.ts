import type { Readable } from 'node:stream';
import { finished } from 'node:stream';

/**
 * The request body as a web stream for @tus/server, without a copy per chunk.
 * srvx's NodeRequest uses Node's `Readable.toWeb`, which copies every chunk
 * "to detach it from the pool"; request body chunks are never pooled (each
 * socket read has its own buffer) and the library only reads them, so they
 * can be handed on as they are. Same backpressure (pause when the queue is
 * full, resume on pull) and the same end and error handling as Node's adapter.
 */
export function requestBody(req: Readable): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let settled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      pull: () => void req.resume(),
      cancel: (reason: unknown) => {
        settled = true;
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: req.readableHighWaterMark }),
  );
  req.pause();
  req.on('data', (chunk: Buffer) => {
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  });
  finished(req, { writable: false }, (err) => {
    if (settled) return;
    settled = true;
    if (err) controller.error(asAbort(err));
    else controller.close();
  });
  return stream;
}

/** A client that went away mid-body is an abort, as Node's own adapter reports it. */
function asAbort(err: NodeJS.ErrnoException): Error {
  if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') return err;
  return Object.assign(new Error('The operation was aborted', { cause: err }), { name: 'AbortError', code: 'ABORT_ERR' });
}
