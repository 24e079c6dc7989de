import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { parseInput, requestBody } from '../http/json-body.ts';
import { labelRoute } from '../http/route-label.ts';
import type { DirectUploads } from '../presign/direct-uploads.ts';
import { declaredFileSchema, type DirectUploadState, requireDirectUploads, uploadIdParam } from './direct-upload-input.ts';

/** `method=POST` asks for a POST policy (an HTML form upload) instead of a presigned PUT. */
const requestSchema = declaredFileSchema.extend({ method: z.enum(['PUT', 'POST']).default('PUT') });

/**
 * Single-request direct uploads (README, "Direct uploads to S3"):
 * - `GET /api/upload-url?filename=&type=&size=[&method=POST]`, or `POST /api/upload-url`
 *   with the same fields as JSON or form data →
 *   `{ id, key, method: 'PUT', url, headers, expiresAt }` or `{ id, key, method: 'POST', url, fields, expiresAt }`
 * - `POST /api/uploads/:id/complete` once the bytes are in S3 → `{ id, status: 'completed', size, type, completedAt }`
 *   (verifies the object and emits `upload.completed`; repeatable).
 */
export function uploadUrlRoutes(auth: Middleware<DirectUploadState>, uploads: DirectUploads | undefined): Router<DirectUploadState> {
  const router = new Router<DirectUploadState>({ prefix: '/api' });
  const ready = requireDirectUploads(uploads);

  router.get('/upload-url', labelRoute('/api/upload-url'), auth, ready, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.issueUploadUrl(ctx.state.principal, parseInput(requestSchema, ctx.query));
  });

  router.post('/upload-url', labelRoute('/api/upload-url'), auth, ready, requestBody(), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.issueUploadUrl(ctx.state.principal, parseInput(requestSchema, ctx.request.body));
  });

  router.post('/uploads/:id/complete', labelRoute('/api/uploads/:id/complete'), auth, ready, async (ctx) => {
    ctx.body = await ctx.state.uploads.confirm(ctx.state.principal, parseInput(uploadIdParam, ctx.params.id));
  });

  return router;
}
