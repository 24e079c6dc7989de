import type { FileStatus, ProcessingStatus } from '../../processor/status/status-store.ts';
import type { DeliveryLinks, SignedLink } from './links.ts';

/** What `GET /api/files/:id` answers (DESIGN.md's public contract). */
export type FileView = {
  id: string;
  status: ProcessingStatus;
  reason?: string;
  filename?: string;
  size?: number;
  declaredType?: string;
  detectedType?: string;
  typeMismatch?: boolean;
  scan?: 'clean' | 'not-scanned';
  width?: number;
  height?: number;
  uploadedAt?: string;
  variants: { label: string; width?: number; height?: number; format: string; contentType: string; size: number; url: string }[];
  /** The private original, as a short-lived signed download link; only once it was found clean. */
  original?: SignedLink;
};

export async function fileView(uploadId: string, status: FileStatus | undefined, links: DeliveryLinks): Promise<FileView> {
  if (!status) return { id: uploadId, status: 'pending', variants: [] };
  const m = status.manifest;
  return {
    id: uploadId,
    status: status.status,
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.filename ? { filename: status.filename } : {}),
    size: status.size,
    declaredType: status.declaredType,
    uploadedAt: status.uploadedAt,
    ...(m ? { detectedType: m.detectedType, typeMismatch: m.typeMismatch, scan: m.scan } : {}),
    ...(m?.width ? { width: m.width, height: m.height } : {}),
    // Only a ready file has variants and a download link; a rejected one has none, whatever happened before.
    variants:
      status.status === 'ready' && m
        ? await Promise.all(
            m.variants.map(async (v) => ({
              label: v.label,
              ...(v.width ? { width: v.width, height: v.height } : {}),
              format: v.format,
              contentType: v.contentType,
              size: v.size,
              url: await links.variant(v.key),
            })),
          )
        : [],
    ...(status.status === 'ready' ? { original: await links.original(status) } : {}),
  };
}
