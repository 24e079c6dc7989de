import type { IncomingMessage } from 'node:http';
import { Server, type ServerOptions } from '@tus/server';
import { type DataStore, EVENTS, type Locker, type Upload } from '@tus/utils';
import type { Middleware } from 'koa';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import { errorBody } from '../../config/errors.ts';
import { isUploadId, newUploadId, originalKey, parseOriginalKey } from '../../config/keys.ts';
import type { AuthState } from '../auth/middleware.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Metrics } from '../http/metrics.ts';
import type { RequestState } from '../http/request-context.ts';
import { assertSizeAllowed, assertTypeAllowed, makePolicy } from '../uploads/policy.ts';
import { toTusError } from './errors.ts';
import { requestBody } from './request-body.ts';

export const TUS_PATH = '/files';

export type FinishedUpload = Readonly<{ upload: Upload; userId: string; uploadId: string; requestId: string }>;
/** A complete upload a HEAD found; `load` reads it from the store, only if needed. */
export type SeenComplete = Readonly<{ userId: string; uploadId: string; requestId: string; load: () => Promise<Upload> }>;

export type TusDeps = {
  store: DataStore;
  locker: Locker;
  limits: { maxUploadSize: number; allowedTypes: readonly string[] };
  publicUrl: string | undefined;
  lockDrainTimeoutMs: number;
  metrics: Metrics;
  /** Awaited before the final PATCH is answered: what must not be lost goes here. */
  onFinished: (finished: FinishedUpload) => Promise<void>;
  /** Awaited before a HEAD that finds the upload complete is answered: a failed `onFinished` is made good here (true when it was). */
  onCompleteSeen: (seen: SeenComplete) => Promise<boolean>;
};

type Ctx = RequestState & AuthState;

/**
 * All of the tus wiring. The protocol is @tus/server's; this module adds the
 * user namespace (storage id `<user>/<upload>`, public id `<upload>`), limits,
 * JSON errors and metrics, and hands Koa's raw request to the library.
 */
export function createTusHandler(deps: TusDeps) {
  // Per-request context for the library's hooks, keyed by the request object they receive.
  const contexts = new WeakMap<object, Ctx>();
  const ctxOf = (req: object): Ctx => {
    const ctx = contexts.get(req);
    if (!ctx) throw new Error('tus hook called outside a request');
    return ctx;
  };
  const policyOf = (p: Principal) => makePolicy(deps.limits, p);

  const options: ServerOptions & { datastore: DataStore } = {
    path: TUS_PATH,
    datastore: deps.store,
    locker: deps.locker,
    lockDrainTimeout: deps.lockDrainTimeoutMs,
    respectForwardedHeaders: true,
    disableTerminationForFinishedUploads: true,
    // CORS is handled by our own middleware, which also covers our error responses.
    allowedOrigins: () => false,
    namingFunction: (req) => originalKey(ctxOf(req).principal.userId, newUploadId()),
    getFileIdFromRequest: (req, lastPath) =>
      lastPath && isUploadId(lastPath) ? originalKey(ctxOf(req).principal.userId, lastPath) : undefined,
    generateUrl: (_req, { proto, host, path, id }) =>
      `${deps.publicUrl ?? `${proto}://${host}`}${path}/${parseOriginalKey(id)?.uploadId ?? ''}`,
    maxSize: (req) => {
      const principal = contexts.get(req)?.principal;
      return principal ? policyOf(principal).maxSize : deps.limits.maxUploadSize;
    },
    onUploadCreate: async (req, upload) => {
      const policy = policyOf(ctxOf(req).principal);
      if (upload.size !== undefined) assertSizeAllowed(policy, upload.size);
      const filetype = assertTypeAllowed(policy, upload.metadata?.filetype);
      return { metadata: { ...upload.metadata, filetype } };
    },
    onUploadFinish: async (req, upload) => {
      const ctx = ctxOf(req);
      const key = parseOriginalKey(upload.id);
      if (!key) throw new Error(`unexpected upload id ${upload.id}`);
      await deps.onFinished({ upload, ...key, requestId: ctx.requestId });
      deps.metrics.uploadsFinished.inc();
      ctx.log.info({ uploadId: key.uploadId, userId: key.userId, size: upload.size }, 'upload finished');
      return {};
    },
    onResponseError: (req, err) => {
      const { status, body } = mapError(err, contexts.get(req));
      return { status_code: status, body };
    },
  };
  const tus = new Server(options);
  tus.on(EVENTS.POST_CREATE, () => deps.metrics.uploadsCreated.inc());
  tus.on(EVENTS.POST_TERMINATE, () => deps.metrics.uploadsTerminated.inc());

  const middleware: Middleware<Ctx> = async (ctx) => {
    ctx.respond = false;
    const request = new NodeRequest({ req: ctx.req, res: ctx.res });
    contexts.set(request, ctx.state);
    const streaming = ctx.method === 'PATCH' || ctx.method === 'POST';
    if (streaming) {
      withBody(request, ctx.req);
      deps.metrics.activeUploads.inc();
    }
    try {
      let response = await tus.handleWeb(request);
      if (ctx.method === 'HEAD' && isComplete(response)) response = await completeSeen(ctx.state, ctx.path).then(() => response, errorResponse(ctx.state));
      response = await jsonErrors(response, ctx.state.requestId);
      countBytes(ctx.method, ctx.get('upload-offset'), response, deps.metrics);
      ctx.state.tusStatus = response.status;
      await sendNodeResponse(ctx.res, response);
    } finally {
      if (streaming) deps.metrics.activeUploads.dec();
    }
  };

  const completeSeen = async (state: Ctx, requestPath: string): Promise<void> => {
    const uploadId = requestPath.slice(requestPath.lastIndexOf('/') + 1);
    const { userId } = state.principal;
    const load = () => deps.store.getUpload(originalKey(userId, uploadId));
    if (await deps.onCompleteSeen({ userId, uploadId, requestId: state.requestId, load })) {
      deps.metrics.uploadsFinished.inc();
      state.log.warn({ uploadId, userId }, 'upload finished: its completion, lost by the final PATCH, recorded on HEAD');
    }
  };

  return { middleware, cleanUpExpired: () => tus.cleanUpExpiredUploads() };
}

const isComplete = (response: Response): boolean =>
  response.status === 200 && response.headers.has('upload-length') && response.headers.get('upload-length') === response.headers.get('upload-offset');

/** An error as our catalogue's status and JSON body; 5xx are logged with their cause, never shown. */
function mapError(err: unknown, state: Ctx | undefined): { status: number; body: string } {
  const mapped = toTusError(err);
  if (mapped.status >= 500) state?.log.error({ err }, 'tus request failed');
  const { status, body } = errorBody(mapped, state?.requestId);
  return { status, body: JSON.stringify(body) };
}

const errorResponse =
  (state: Ctx) =>
  (err: unknown): Response => {
    const { status, body } = mapError(err, state);
    return new Response(body, { status, headers: { 'Tus-Resumable': '1.0.0', 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' } });
  };

/** Gives the library the request body without srvx's copy of every chunk (request-body.ts); made on first use, as srvx does. */
function withBody(request: Request, req: IncomingMessage): void {
  let body: ReadableStream<Uint8Array> | undefined;
  Object.defineProperty(request, 'body', { configurable: true, get: () => (body ??= requestBody(req)) });
}

/** The library writes a few protocol errors itself as text; give every error the same JSON shape. */
async function jsonErrors(response: Response, requestId: string): Promise<Response> {
  if (response.status < 400) return response;
  const text = await response.text();
  let body = text;
  if (!text.startsWith('{')) {
    body = JSON.stringify(errorBody(toTusError({ status_code: response.status, body: text }), requestId).body);
  }
  const headers = new Headers(response.headers);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Content-Length', String(Buffer.byteLength(body)));
  return new Response(body, { status: response.status, headers });
}

function countBytes(method: string, requestOffset: string, response: Response, metrics: Metrics): void {
  const offset = Number(response.headers.get('upload-offset'));
  if (!(response.ok && Number.isFinite(offset))) return;
  const from = method === 'PATCH' ? Number(requestOffset) : 0;
  if (offset > from) metrics.bytesReceived.inc(offset - from);
}
