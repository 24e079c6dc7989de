import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { apiFetch, apiJson, ApiError, errorMessage } from './auth.ts';
import { byId, formatBytes, h } from './dom.ts';
import type { Gallery } from './gallery.ts';

/**
 * Uploads that go straight to object storage with presigned URLs (STORAGE=s3
 * only): the avatar picker (one presigned PUT) and the large-file option (S3
 * multipart through @uppy/aws-s3). A file-store server answers these routes
 * with 501 and a message; the options then say so instead of breaking.
 */

type UploadTarget = { id: string; method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string };
type MultipartStart = { id: string; uploadId: string; key: string };

/** Whether the server takes direct uploads: `undefined`, or why not (the server's own words). */
export async function directUploadsUnavailable(): Promise<string | undefined> {
  // Without parameters a server that can presign answers 400; one that cannot, 501 (404 before the routes exist).
  const res = await apiFetch('/api/upload-url');
  if (res.status === 501 || res.status === 404) return errorMessage(res);
  return undefined;
}

export function disableDirectUploads(reason: string): void {
  for (const id of ['avatar', 'large']) {
    const section = byId(id);
    section.classList.add('unavailable');
    section.dataset.available = 'false';
    for (const control of section.querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')) control.disabled = true;
    section.querySelector('.option-status')?.replaceChildren(h('span', { class: 'unavailable-reason' }, `Unavailable: ${reason}`));
  }
}

/** The avatar picker: one presigned PUT to storage, then "complete"; shows the processed thumbnail. */
export function avatarPicker(gallery: Gallery): void {
  const input = byId<HTMLInputElement>('avatar-input');
  const status = byId('avatar').querySelector('.option-status')!;
  const image = byId<HTMLImageElement>('avatar-image');
  let awaited: string | undefined;

  gallery.onView((view) => {
    if (view.id !== awaited) return;
    status.textContent = `Avatar ${view.status}${view.reason ? `: ${view.reason}` : ''}`;
    const thumb = view.variants.find((v) => v.label === 'thumb' && v.format === 'webp') ?? view.variants.find((v) => v.label === 'thumb');
    if (thumb) image.src = thumb.url;
  });

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    void (async () => {
      try {
        status.textContent = 'Asking for an upload URL…';
        const query = new URLSearchParams({ filename: file.name, type: file.type || 'application/octet-stream', size: String(file.size) });
        const target = await apiJson<UploadTarget>(`/api/upload-url?${query}`);
        status.textContent = `Uploading ${formatBytes(file.size)} straight to storage…`;
        const put = await fetch(target.url, { method: target.method, headers: target.headers, body: file });
        if (!put.ok) throw new ApiError(put.status, `storage refused the upload (${put.status})`);
        await apiJson(`/api/uploads/${target.id}/complete`, { method: 'POST' });
        awaited = target.id;
        status.textContent = 'Uploaded; processing…';
        gallery.add(target.id, file.name);
      } catch (err) {
        status.textContent = `Avatar upload failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    })();
  });
}

const PART_SIZE = 8 * 1024 * 1024; // S3 wants parts of at least 5 MiB (except the last)

/** The large-file option: @uppy/aws-s3 multipart, against the server's /api/multipart routes. */
export function largeFileUploader(gallery: Gallery): Uppy {
  const input = byId<HTMLInputElement>('large-input');
  const status = byId('large').querySelector('.option-status')!;
  const progress = byId<HTMLProgressElement>('large-progress');
  const pause = byId<HTMLButtonElement>('large-pause');
  const retry = byId<HTMLButtonElement>('large-retry');
  // @uppy/aws-s3 keeps S3's uploadId and key; the server's routes want its own upload id.
  const ours = new Map<string, string>();
  const idFor = (uploadId: string | undefined) => {
    const id = uploadId === undefined ? undefined : ours.get(uploadId);
    if (!id) throw new Error('unknown multipart upload');
    return id;
  };
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  const uppy = new Uppy({ id: 'large', autoProceed: true }).use(AwsS3, {
    shouldUseMultipart: true,
    getChunkSize: (file) => Math.max(PART_SIZE, Math.ceil(file.size / 10_000)),
    async createMultipartUpload(file) {
      const started = await apiJson<MultipartStart>('/api/multipart', json({ filename: file.name, type: file.type || 'application/octet-stream', size: file.size }));
      ours.set(started.uploadId, started.id);
      return { uploadId: started.uploadId, key: started.key };
    },
    listParts: (_file, { uploadId, signal }) => apiJson(`/api/multipart/${idFor(uploadId)}/parts`, { signal: signal ?? null }),
    async signPart(_file, { uploadId, partNumber, body, signal }) {
      // The server signs the part's exact Content-Length, so it must know it.
      const signed = await apiJson<{ url: string; expires?: number }>(`/api/multipart/${idFor(uploadId)}/${partNumber}?size=${body.size}`, { signal: signal ?? null });
      return { method: 'PUT', url: signed.url };
    },
    async completeMultipartUpload(file, { uploadId, parts }) {
      const id = idFor(uploadId);
      await apiJson(`/api/multipart/${id}/complete`, json({ parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) }));
      gallery.add(id, file.name ?? 'unnamed');
      return {};
    },
    async abortMultipartUpload(_file, { uploadId }) {
      await apiFetch(`/api/multipart/${idFor(uploadId)}`, { method: 'DELETE' });
    },
  });

  const current = () => uppy.getFiles()[0];
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    for (const f of uppy.getFiles()) uppy.removeFile(f.id);
    uppy.addFile({ name: file.name, type: file.type || 'application/octet-stream', data: file });
    pause.disabled = false;
    retry.hidden = true;
  });
  pause.addEventListener('click', () => {
    const file = current();
    if (!file) return;
    const paused = uppy.pauseResume(file.id);
    pause.textContent = paused ? 'Resume' : 'Pause';
  });
  retry.addEventListener('click', () => {
    const file = current();
    if (file) void uppy.retryUpload(file.id);
    retry.hidden = true;
  });
  uppy.on('upload-progress', (file, p) => {
    if (!file || !p.bytesTotal) return;
    progress.max = p.bytesTotal;
    progress.value = p.bytesUploaded;
    status.textContent = `${formatBytes(p.bytesUploaded)} of ${formatBytes(p.bytesTotal)}`;
  });
  uppy.on('upload-success', () => {
    status.textContent = 'Uploaded; processing (see the gallery).';
    pause.disabled = true;
  });
  uppy.on('upload-error', (_file, err) => {
    status.textContent = `Upload failed: ${err.message}`;
    retry.hidden = false;
  });
  return uppy;
}
