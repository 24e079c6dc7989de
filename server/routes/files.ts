import { PassThrough } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import Router from '@koa/router';
import type { DataStore } from '@tus/utils';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../config/errors.ts';
import { isUploadId, originalKey } from '../../config/keys.ts';
import { type FileStatus, isFinal, type StatusStore } from '../../processor/status/status-store.ts';
import type { AuthState } from '../auth/middleware.ts';
import { fileView } from '../delivery/file-view.ts';
import { parseInput } from '../http/json-body.ts';
import type { DeliveryLinks } from '../delivery/links.ts';
import type { RequestState } from '../http/request-context.ts';

type State = RequestState & AuthState;

export type FileRouteDeps = { status: StatusStore; store: DataStore; links: DeliveryLinks; auth: Middleware<State> };

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().regex(/^\d{1,9}$/).optional() });
const POLL_MS = 500;
const HEARTBEAT_MS = 15_000;
/** A stream ends after this long; EventSource reconnects and starts a fresh one (ownership checked again). */
const STREAM_MAX_MS = 10 * 60_000;

/**
 * The delivery API: a user's files and their processing status. Another
 * user's id answers 404, exactly like an unknown one.
 */
export function fileRoutes(deps: FileRouteDeps): Router<State> {
  const router = new Router<State>({ prefix: '/api/files' });
  router.use(deps.auth);

  router.get('/', async (ctx) => {
    ctx.state.route = '/api/files';
    const page = await deps.status.listByUser(ctx.state.principal.userId, parseInput(listQuery, ctx.query));
    ctx.body = { items: await Promise.all(page.items.map((s) => fileView(s.uploadId, s, deps.links))), next: page.next ?? null };
  });

  router.get('/:id', async (ctx) => {
    ctx.state.route = '/api/files/:id';
    const id = ctx.params.id ?? '';
    const status = await ownedStatus(deps, ctx.state.principal.userId, id);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await fileView(id, status, deps.links);
  });

  // Server-Sent Events: the file's view each time its status changes, until it is final.
  router.get('/:id/events', async (ctx) => {
    ctx.state.route = '/api/files/:id/events';
    const id = ctx.params.id ?? '';
    let status = await ownedStatus(deps, ctx.state.principal.userId, id);
    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0); // long-lived by design; heartbeats keep proxies from cutting it
    ctx.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    ctx.body = stream;
    let open = true;
    ctx.req.once('close', () => (open = false));
    const send = async () => stream.write(`event: status\ndata: ${JSON.stringify(await fileView(id, status, deps.links))}\n\n`);
    void (async () => {
      await send();
      let version = versionOf(status);
      let beat = Date.now();
      // Bounded: an upload that never ends (abandoned) must not be polled for as long as a tab stays open.
      const until = Date.now() + STREAM_MAX_MS;
      while (open && !isFinal(status) && Date.now() < until) {
        await setTimeout(POLL_MS);
        status = await deps.status.get(id);
        // Compared on the record, not the view: signed links in the view change every time.
        if (versionOf(status) !== version) {
          version = versionOf(status);
          await send();
        } else if (Date.now() - beat > HEARTBEAT_MS) {
          beat = Date.now();
          stream.write(': keep-alive\n\n');
        }
      }
    })()
      // A failed poll ends the stream; EventSource reconnects by itself and gets the current state.
      .catch((err: unknown) => ctx.state.log.warn({ err, uploadId: id }, 'status stream ended by an error'))
      .finally(() => stream.end());
  });
  return router;
}

/** The status of an upload the caller owns; 404 for unknown ids and for other users' ids alike. */
async function ownedStatus(deps: FileRouteDeps, userId: string, id: string): Promise<FileStatus | undefined> {
  if (!isUploadId(id)) throw new AppError('NOT_FOUND');
  const status = await deps.status.get(id);
  if (status) {
    if (status.userId !== userId) throw new AppError('NOT_FOUND');
    return status;
  }
  // Not picked up by the processor yet: it exists if the user's namespace has it. A store that
  // cannot answer is not a "not found" (the error handler makes it a 503).
  await deps.store.getUpload(originalKey(userId, id)).catch((err: unknown) => {
    throw (err as { status_code?: unknown }).status_code === 404 ? new AppError('NOT_FOUND') : err;
  });
  return undefined;
}

const versionOf = (s: FileStatus | undefined) => (s ? `${s.status}@${s.updatedAt}` : 'none');
