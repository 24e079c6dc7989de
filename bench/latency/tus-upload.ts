import { performance } from 'node:perf_hooks';

/**
 * One small tus upload (POST, then a single PATCH with the whole file), timed
 * at the moment the final PATCH's response arrives: where a client learns that
 * its upload is complete and end-to-end latency starts.
 */
export async function tusUpload(endpoint: string, token: string, body: Buffer, filename: string): Promise<{ uploadId: string; finishedAt: number }> {
  const base = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const created = await fetch(endpoint, {
    method: 'POST',
    headers: { ...base, 'Upload-Length': String(body.length), 'Upload-Metadata': `filename ${b64(filename)},filetype ${b64('image/jpeg')}` },
  });
  const location = created.headers.get('location');
  if (created.status !== 201 || !location) throw new Error(`POST: HTTP ${created.status}: ${(await created.text()).slice(0, 300)}`);
  const url = new URL(location, endpoint);
  const patched = await fetch(url, {
    method: 'PATCH',
    headers: { ...base, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body,
  });
  const finishedAt = performance.now();
  await patched.arrayBuffer();
  if (patched.status !== 204 || Number(patched.headers.get('upload-offset')) !== body.length) {
    throw new Error(`PATCH: HTTP ${patched.status}, Upload-Offset ${patched.headers.get('upload-offset')}`);
  }
  return { uploadId: url.pathname.split('/').pop() ?? '', finishedAt };
}
