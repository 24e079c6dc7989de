import type { TestServer } from './server.ts';

/**
 * A client of the direct-upload API and of the presigned URLs it hands out,
 * doing what a browser (or Uppy's @uppy/aws-s3) does, with plain fetch.
 */
export type ApiResponse<T = Record<string, unknown>> = { status: number; body: T };

export function apiClient(server: TestServer, token: string) {
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    uploadUrl: (query: Record<string, string | number>) =>
      call<SignedPut>('GET', `/api/upload-url?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`),
    formUpload: (file: { type: string; size: number; filename?: string }) => call<SignedPost>('POST', '/api/upload-url', { ...file, form: true }),
    confirm: (id: string) => call('POST', `/api/uploads/${id}/complete`),
    createMultipart: (file: { type: string; size: number; filename?: string }) => call<{ id: string; uploadId: string; key: string }>('POST', '/api/multipart', file),
    listParts: (id: string) => call<{ PartNumber: number; Size: number; ETag: string }[]>('GET', `/api/multipart/${id}/parts`),
    signPart: (id: string, partNumber: number) => call<{ url: string }>('GET', `/api/multipart/${id}/${partNumber}`),
    complete: (id: string, parts: Part[]) => call('POST', `/api/multipart/${id}/complete`, { parts }),
    abort: (id: string) => call('DELETE', `/api/multipart/${id}`),
  };
}

export type SignedPut = { id: string; method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string };
export type SignedPost = { id: string; method: 'POST'; url: string; fields: Record<string, string>; expiresAt: string };
export type Part = { PartNumber: number; ETag: string };

/** PUTs to a presigned URL; `headers` override the signed ones (to try a different type). Answers status and S3's error code. */
export async function putObject(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; code: string | undefined; etag: string | null }> {
  const res = await fetch(url, { method: 'PUT', headers, body });
  return { status: res.status, code: s3Code(await res.text()), etag: res.headers.get('etag') };
}

/** An HTML-form upload to a POST policy, the file field last as S3 requires. */
export async function postForm(signed: SignedPost, body: Buffer, filename = 'file.bin'): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(signed.fields)) form.append(k, v);
  form.append('file', new Blob([body]), filename);
  const res = await fetch(signed.url, { method: 'POST', body: form });
  return { status: res.status, code: s3Code(await res.text()) };
}

/** A part PUT whose connection dies after `sentBytes`, like a browser tab losing the network. */
export async function interruptedPut(url: string, body: Buffer, sentBytes: number): Promise<boolean> {
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => c.enqueue(body.subarray(0, sentBytes)),
    pull: (c) => c.error(new Error('network lost')),
  });
  try {
    const res = await fetch(url, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit);
    return res.ok;
  } catch {
    return false;
  }
}

const s3Code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
