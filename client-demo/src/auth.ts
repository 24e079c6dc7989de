/**
 * The page's bearer token. There is no login in the demo: the development-only
 * `POST /demo/token` issues a short-lived token for a demo user (the page's
 * `?user=` and `?ttl=` override who and how long). The token is fetched at start
 * and again whenever a request comes back 401, then the request is retried: an
 * upload that outlives its token carries on instead of failing.
 */

type Issued = { token: string; userId: string; expiresAt: string };

export type TokenState = Issued & { refreshes: number };

const listeners = new Set<(state: TokenState) => void>();
let current: Promise<Issued> | undefined;
let refreshes = -1;

const params = new URLSearchParams(location.search);

async function issue(): Promise<Issued> {
  const query = new URLSearchParams();
  for (const name of ['user', 'ttl']) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  const res = await fetch(`/demo/token?${query}`, { method: 'POST' });
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  const issued = (await res.json()) as Issued;
  refreshes++;
  for (const l of listeners) l({ ...issued, refreshes });
  return issued;
}

export function onToken(listener: (state: TokenState) => void): void {
  listeners.add(listener);
}

/** The current token (fetched once, then reused until a request says it is no longer good). */
export async function token(): Promise<string> {
  current ??= issue().catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return (await current).token;
}

/**
 * Replaces a token the server refused. Concurrent callers holding the same
 * stale token share one refresh; a caller whose token was already replaced
 * just gets the new one.
 */
export async function refreshToken(rejected: string): Promise<string> {
  const now = current ? (await current.catch(() => undefined))?.token : undefined;
  if (now === undefined || now === rejected) current = undefined;
  return token();
}

export const bearer = (t: string) => `Bearer ${t}`;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server's error message (`{ error: { message } }`), or the status line. */
export async function errorMessage(res: Response): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? `${res.status} ${res.statusText}`;
}

/** fetch for the server's API: adds the bearer token; on 401 refreshes it and tries once more. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = (t: string) => fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: bearer(t) } });
  const first = await token();
  const res = await send(first);
  if (res.status !== 401) return res;
  return send(await refreshToken(first));
}

/** apiFetch, then the JSON body; a non-2xx answer throws an ApiError with the server's message. */
export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await apiFetch(path, init);
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return (await res.json()) as T;
}
