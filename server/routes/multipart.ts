import Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { parseInput, requestBody } from '../http/json-body.ts';
import { labelRoute } from '../http/route-label.ts';
import type { DirectUploads } from '../presign/direct-uploads.ts';
import { MAX_PARTS } from '../presign/s3-limits.ts';
import { declaredFileSchema, type DirectUploadState, requireDirectUploads, uploadIdParam } from './direct-upload-input.ts';

const partNumber = z.coerce.number().int().min(1).max(MAX_PARTS);
const partQuery = z.object({ size: z.coerce.number().int().min(1) });
const completeSchema = z.object({
  parts: z
    .array(z.object({ PartNumber: partNumber, ETag: z.string().min(1).max(200) }))
    .min(1)
    .max(MAX_PARTS)
    .refine((parts) => new Set(parts.map((p) => p.PartNumber)).size === parts.length, 'part numbers must be unique'),
});

/**
 * Multipart uploads driven by the client, in the shapes @uppy/aws-s3's
 * multipart callbacks use (`:id` is our upload id, also returned as `uploadId`):
 * - `POST /api/multipart` `{ filename?, type, size }` → 201 `{ id, uploadId, key, partSize }`
 * - `GET /api/multipart/:id/parts` → `[{ PartNumber, Size, ETag }]` (what the store holds)
 * - `GET /api/multipart/:id/:partNumber?size=` → `{ url, expires, expiresAt }`
 * - `POST /api/multipart/:id/complete` `{ parts: [{ PartNumber, ETag }] }` →
 *   `{ id, status: 'completed', size, type, completedAt, location }`
 * - `DELETE /api/multipart/:id` → 204
 */
export function multipartRoutes(auth: Middleware<DirectUploadState>, uploads: DirectUploads | undefined): Router<DirectUploadState> {
  const router = new Router<DirectUploadState>({ prefix: '/api/multipart' });
  const ready = requireDirectUploads(uploads);
  const id = (params: Record<string, string | undefined>) => parseInput(uploadIdParam, params.id);

  router.post('/', labelRoute('/api/multipart'), auth, ready, requestBody(), async (ctx) => {
    const file = parseInput(declaredFileSchema, ctx.request.body);
    ctx.body = await ctx.state.uploads.startMultipart(ctx.state.principal, file);
    ctx.status = 201;
  });

  // Registered before /:partNumber, which would otherwise take "parts" (and refuse it as a number).
  router.get('/:id/parts', labelRoute('/api/multipart/:id/parts'), auth, ready, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.listParts(ctx.state.principal, id(ctx.params));
  });

  router.get('/:id/:partNumber', labelRoute('/api/multipart/:id/:partNumber'), auth, ready, async (ctx) => {
    const number = parseInput(partNumber, ctx.params.partNumber);
    const { size } = parseInput(partQuery, ctx.query);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await ctx.state.uploads.signPart(ctx.state.principal, id(ctx.params), { number, size });
  });

  // A 10,000-part list is about 600 KB of JSON.
  router.post('/:id/complete', labelRoute('/api/multipart/:id/complete'), auth, ready, requestBody('1mb'), async (ctx) => {
    const { parts } = parseInput(completeSchema, ctx.request.body);
    ctx.body = await ctx.state.uploads.completeMultipart(ctx.state.principal, id(ctx.params), parts);
  });

  router.delete('/:id', labelRoute('/api/multipart/:id'), auth, ready, async (ctx) => {
    await ctx.state.uploads.abortMultipart(ctx.state.principal, id(ctx.params));
    ctx.status = 204;
  });

  return router;
}
