import { request } from 'node:http';
import type { TestServer } from './server.ts';

/**
 * A client of the direct-upload API and of the presigned URLs it hands out,
 * doing what a browser (or Uppy's @uppy/aws-s3) does, with plain fetch.
 */
export type ApiResponse<T = Record<string, unknown>> = { status: number; body: T };
export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export type SignedPut = { id: string; key: string; method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string };
export type SignedPost = { id: string; key: string; method: 'POST'; url: string; fields: Record<string, string>; expiresAt: string };
export type Part = { PartNumber: number; ETag: string };
export type Confirmation = { id: string; status: 'completed'; size: number; type: string; completedAt: string; location?: string };
export type DeclaredFile = { type: string; size: number; filename?: string };

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
      call<SignedPut>('GET', `/api/upload-url?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`),
    formUpload: (file: DeclaredFile) => call<SignedPost>('POST', '/api/upload-url', { ...file, method: 'POST' }),
    confirm: (id: string) => call<Confirmation>('POST', `/api/uploads/${id}/complete`),
    createMultipart: (file: DeclaredFile) => call<{ id: string; uploadId: string; key: string; partSize: number }>('POST', '/api/multipart', file),
    listParts: (id: string) => call<{ PartNumber: number; Size: number; ETag: string }[]>('GET', `/api/multipart/${id}/parts`),
    signPart: (id: string, partNumber: number, size: number) => call<{ url: string; expiresAt: string }>('GET', `/api/multipart/${id}/${partNumber}?size=${size}`),
    complete: (id: string, parts: Part[]) => call<Confirmation>('POST', `/api/multipart/${id}/complete`, { parts }),
    abort: (id: string) => call('DELETE', `/api/multipart/${id}`),
  };
}

/** PUTs to a presigned URL with the given headers. Answers the status, S3's error code and the ETag. */
export async function putObject(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; code: string | undefined; etag: string | null }> {
  const res = await fetch(url, { method: 'PUT', headers, body });
  return { status: res.status, code: s3Code(await res.text()), etag: res.headers.get('etag') };
}

/** An HTML-form upload to a POST policy, the file field last as S3 requires. */
export async function postForm(signed: SignedPost, body: Buffer, fields: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...signed.fields, ...fields })) form.append(k, v);
  form.append('file', new Blob([body]), 'file.bin');
  const res = await fetch(signed.url, { method: 'POST', body: form });
  return { status: res.status, code: s3Code(await res.text()) };
}

/**
 * A PUT that announces the whole body but whose connection dies after
 * `sentBytes`, like a browser tab losing the network mid-part.
 */
export async function interruptedPut(url: string, body: Buffer, sentBytes: number): Promise<void> {
  const req = request(url, { method: 'PUT', headers: { 'Content-Length': String(body.length) } });
  const ended = new Promise<void>((resolve) => req.once('close', resolve));
  req.on('error', () => {}); // the point of the exercise
  req.on('response', () => req.destroy(new Error('the store answered an incomplete PUT')));
  req.write(body.subarray(0, sentBytes));
  await new Promise((r) => setTimeout(r, 300)); // the store has taken those bytes
  req.destroy();
  await ended;
}

const s3Code = (xml: string) => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
