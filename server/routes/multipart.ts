import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { jsonBody, parseInput } from '../http/json-body.ts';
import type { DirectUploads } from '../presign/direct-uploads.ts';
import { declaredFileSchema, type DirectUploadState, labelRoute, requireDirectUploads, uploadIdParam } from './direct-upload-input.ts';

const partNumber = z.coerce.number().int().min(1).max(10_000);
const completeSchema = z.object({
  parts: z
    .array(z.object({ PartNumber: partNumber, ETag: z.string().min(1).max(200) }))
    .min(1)
    .max(10_000)
    .refine((parts) => new Set(parts.map((p) => p.PartNumber)).size === parts.length, 'part numbers must be unique'),
});

/**
 * Multipart uploads driven by the client, in the shapes @uppy/aws-s3's
 * multipart callbacks expect (`:id` is our upload id; `uploadId` is S3's):
 * - `POST /api/multipart` `{ filename?, type, size }` → 201 `{ id, uploadId, key }`
 * - `GET /api/multipart/:id/parts` → `[{ PartNumber, Size, ETag }]`
 * - `GET /api/multipart/:id/:partNumber` → `{ url, expires, expiresAt }`
 * - `POST /api/multipart/:id/complete` `{ parts: [{ PartNumber, ETag }] }` →
 *   `{ id, status: 'completed', size, type, completedAt, location }`
 * - `DELETE /api/multipart/:id` → 204
 */
export function multipartRoutes(auth: Middleware<DirectUploadState>, uploads: DirectUploads | undefined): Router<DirectUploadState> {
  const router = new Router<DirectUploadState>({ prefix: '/api/multipart' });
  const ready = requireDirectUploads(uploads);
  const id = (params: Record<string, string | undefined>) => parseInput(uploadIdParam, params.id);

  router.post('/', labelRoute('/api/multipart'), auth, ready, jsonBody(), async (ctx) => {
    const file = parseInput(declaredFileSchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = await ctx.state.uploads.startMultipart(ctx.state.principal, file);
  });

  // Registered before /:partNumber, which would otherwise take "parts" (and refuse it as a number).
  router.get('/:id/parts', labelRoute('/api/multipart/:id/parts'), auth, ready, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.listParts(ctx.state.principal, id(ctx.params));
  });

  router.get('/:id/:partNumber', labelRoute('/api/multipart/:id/:partNumber'), auth, ready, async (ctx) => {
    const part = parseInput(partNumber, ctx.params.partNumber);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.signPart(ctx.state.principal, id(ctx.params), part);
  });

  router.post('/:id/complete', labelRoute('/api/multipart/:id/complete'), auth, ready, jsonBody(), async (ctx) => {
    const { parts } = parseInput(completeSchema, ctx.request.body);
    ctx.body = await ctx.state.uploads.completeMultipart(ctx.state.principal, id(ctx.params), parts);
  });

  router.delete('/:id', labelRoute('/api/multipart/:id'), auth, ready, async (ctx) => {
    await ctx.state.uploads.abortMultipart(ctx.state.principal, id(ctx.params));
    ctx.status = 204;
  });

  return router;
}
