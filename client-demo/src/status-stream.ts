import { apiFetch, ApiError, errorMessage } from './auth.ts';
import { type FileView, isFinal } from './file-view.ts';

/**
 * Follows `GET /api/files/:id/events` until the file's status is final.
 * EventSource cannot send an Authorization header, so this reads the
 * Server-Sent Events from a fetch body (same format: `event: status`,
 * `data: <FileView JSON>`). A dropped stream is reopened after a pause; the
 * server starts every stream with the current state, so nothing is missed.
 */
export async function followStatus(id: string, onView: (view: FileView) => void, signal?: AbortSignal): Promise<FileView> {
  let last: FileView | undefined;
  for (let attempt = 0; !signal?.aborted; attempt++) {
    try {
      const res = await apiFetch(`/api/files/${encodeURIComponent(id)}/events`, { headers: { Accept: 'text/event-stream' }, signal: signal ?? null });
      if (!res.ok || !res.body) throw new ApiError(res.status, await errorMessage(res));
      for await (const data of statusEvents(res.body)) {
        last = JSON.parse(data) as FileView;
        onView(last);
        if (isFinal(last.status)) return last;
      }
    } catch (err) {
      // Unknown or someone else's file: retrying will not help.
      if (err instanceof ApiError && err.status === 404) throw err;
      if (signal?.aborted) break;
    }
    await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 5000)));
  }
  throw new DOMException('stopped following', 'AbortError');
}

/** The `data` of each `status` event of an SSE body. */
async function* statusEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event === 'status' && data.length > 0) yield data.join('\n');
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
