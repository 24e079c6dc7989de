/** What `GET /api/files/:id` answers (the server's public contract, README "Delivery"). */
export type FileStatus = 'pending' | 'processing' | 'ready' | 'rejected' | 'failed';

export type Variant = { label: string; width?: number; height?: number; format: string; contentType: string; size: number; url: string };

export type FileView = {
  id: string;
  status: FileStatus;
  reason?: string;
  filename?: string;
  size?: number;
  declaredType?: string;
  detectedType?: string;
  uploadedAt?: string;
  width?: number;
  height?: number;
  variants: Variant[];
  original?: { url: string; expiresAt: string };
};

export const isFinal = (s: FileStatus) => s === 'ready' || s === 'rejected' || s === 'failed';

/** The upload id is the last path segment of a tus Location (or any upload URL). */
export const uploadIdOf = (url: string) => new URL(url, location.href).pathname.split('/').filter(Boolean).pop() ?? '';
