import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { jsonBody, parseInput } from '../http/json-body.ts';
import type { DirectUploads } from '../presign/direct-uploads.ts';
import { declaredFileSchema, type DirectUploadState, labelRoute, requireDirectUploads, uploadIdParam } from './direct-upload-input.ts';

const postSchema = declaredFileSchema.extend({ form: z.boolean().default(false) });

/**
 * Single-request direct uploads:
 * - `GET /api/upload-url?filename=&type=&size=` → `{ id, method: 'PUT', url, headers, expiresAt }`
 * - `POST /api/upload-url` `{ filename?, type, size, form? }` → the same, or with
 *   `form: true` a POST policy `{ id, method: 'POST', url, fields, expiresAt }`
 * - `POST /api/uploads/:id/complete` → `{ id, status: 'completed', size, type, completedAt }`
 *   once the bytes are in S3 (verifies them and emits `upload.completed`).
 */
export function uploadUrlRoutes(auth: Middleware<DirectUploadState>, uploads: DirectUploads | undefined): Router<DirectUploadState> {
  const router = new Router<DirectUploadState>({ prefix: '/api' });
  const ready = requireDirectUploads(uploads);

  router.get('/upload-url', labelRoute('/api/upload-url'), auth, ready, async (ctx) => {
    const file = parseInput(declaredFileSchema, ctx.query);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.issueUploadUrl(ctx.state.principal, { ...file, form: false });
  });

  router.post('/upload-url', labelRoute('/api/upload-url'), auth, ready, jsonBody(), async (ctx) => {
    const file = parseInput(postSchema, ctx.request.body);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.issueUploadUrl(ctx.state.principal, file);
  });

  router.post('/uploads/:id/complete', labelRoute('/api/uploads/:id/complete'), auth, ready, async (ctx) => {
    const id = parseInput(uploadIdParam, ctx.params.id);
    ctx.body = await ctx.state.uploads.confirm(ctx.state.principal, id);
  });

  return router;
}
