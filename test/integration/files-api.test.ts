import test from 'ava';
import sharp from 'sharp';
import { eicar, jpegWithGps } from '../helpers/media.ts';
import { startServer, tokenFor, type TestServer } from '../helpers/server.ts';
import { amqpVhost, clamdEnv } from '../helpers/services.ts';
import { sha256, tusUpload } from '../helpers/tus-client.ts';

type FileView = {
  id: string;
  status: string;
  reason?: string;
  filename?: string;
  variants: { label: string; format: string; contentType: string; url: string; width?: number }[];
  original?: { url: string; expiresAt: string };
};

// Embedded mode with the real clamd: file store, in-process processor, this server delivers everything.
let server: TestServer;
let cdnServer: TestServer;
test.before(async () => {
  const env = { ...clamdEnv(), IMAGE_FORMATS: 'webp', IMAGE_AVIF_EFFORT: '0', SIGNED_URL_EXPIRES_SECONDS: '2' };
  [server, cdnServer] = await Promise.all([startServer(env), startServer({ ...env, CDN_BASE_URL: 'https://cdn.example.com/' })]);
});
test.after.always(() => Promise.all([server?.stop(), cdnServer?.stop()]));

const idOf = (url: string) => new URL(url).pathname.split('/').pop()!;
const api = async (srv: TestServer, path: string, user: string) => fetch(`${srv.url}${path}`, { headers: { Authorization: `Bearer ${await tokenFor(user)}` } });

async function uploadTo(srv: TestServer, user: string, data: Buffer, filename: string, filetype: string): Promise<string> {
  const { url } = await tusUpload(data, { endpoint: srv.url, token: await tokenFor(user), metadata: { filename, filetype } });
  return idOf(url);
}

async function finalView(srv: TestServer, user: string, id: string): Promise<FileView> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await api(srv, `/api/files/${id}`, user);
    const view = (await res.json()) as FileView;
    if (['ready', 'rejected', 'failed'].includes(view.status)) return view;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${id} never reached a final status`);
}

test('a processed JPEG: ready, its variants delivered from the URLs the API gives, the original behind a signed link', async (t) => {
  const jpeg = await jpegWithGps(1600, 1200);
  const id = await uploadTo(server, 'fay', jpeg, 'holiday.jpg', 'image/jpeg');
  const view = await finalView(server, 'fay', id);
  t.like(view, { id, status: 'ready', filename: 'holiday.jpg' });
  // The fixture's EXIF orientation turns 1600×1200 into 1200×1600; 1200 is below the 1280 step, so it is a width of its own.
  t.deepEqual(view.variants.map((v) => v.label).sort(), ['thumb', 'w1200', 'w320']);

  for (const v of view.variants) {
    t.regex(v.url, /^\/media\/[0-9a-f]{32}\/[0-9a-f]{20}-[a-z0-9]+\.webp$/, 'root-relative: same origin as the page');
    const res = await fetch(`${server.url}${v.url}`);
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), 'image/webp');
    t.is(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    t.is(meta.format, 'webp');
    t.is(meta.width as number | undefined, v.width);
  }

  t.truthy(view.original);
  const original = await fetch(`${server.url}${view.original!.url}`);
  t.is(original.status, 200);
  t.is(original.headers.get('content-type'), 'application/octet-stream');
  t.is(original.headers.get('content-disposition'), `attachment; filename="holiday.jpg"; filename*=UTF-8''holiday.jpg`);
  t.is(original.headers.get('cache-control'), 'private, no-store');
  t.is(sha256(Buffer.from(await original.arrayBuffer())), sha256(jpeg), 'the original, untouched');

  const tampered = view.original!.url.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === '0' ? '1' : '0'}`);
  const refused = await fetch(`${server.url}${tampered}`);
  t.is(refused.status, 403);
  t.like(await refused.json(), { error: { code: 'LINK_INVALID' } });
  const otherFile = view.original!.url.replace(id, 'f'.repeat(32));
  t.is((await fetch(`${server.url}${otherFile}`)).status, 403, 'a signature is for one path only');

  await new Promise((r) => setTimeout(r, 3000)); // SIGNED_URL_EXPIRES_SECONDS=2
  const expired = await fetch(`${server.url}${view.original!.url}`);
  t.is(expired.status, 403);
  t.like(await expired.json(), { error: { code: 'LINK_INVALID' } });
});

test('EICAR: rejected with its reason, no variants, no download link, and its bytes are nowhere to be fetched', async (t) => {
  const id = await uploadTo(server, 'fay', eicar(), 'invoice.pdf', 'application/pdf');
  const view = await finalView(server, 'fay', id);
  t.like(view, { id, status: 'rejected', reason: 'infected' });
  t.deepEqual(view.variants, []);
  t.is(view.original, undefined);
});

test('another user sees 404 for my file, and only their own files in their list', async (t) => {
  const id = await uploadTo(server, 'gus', await jpegWithGps(400, 300), 'mine.jpg', 'image/jpeg');
  await finalView(server, 'gus', id);
  const res = await api(server, `/api/files/${id}`, 'hal');
  t.is(res.status, 404);
  t.like(await res.json(), { error: { code: 'NOT_FOUND' } });
  t.is((await api(server, `/api/files/${id}/events`, 'hal')).status, 404);
  t.is((await api(server, '/api/files/not-an-id', 'gus')).status, 404);
  const list = (await (await api(server, '/api/files', 'hal')).json()) as { items: FileView[] };
  t.false(list.items.some((f) => f.id === id));
  t.is((await fetch(`${server.url}/api/files`)).status, 401, 'no token, no list');
});

test('the list is newest first and paginated with an opaque cursor', async (t) => {
  const user = 'ivy';
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push(await uploadTo(server, user, await jpegWithGps(200 + n, 200), `p${n}.jpg`, 'image/jpeg'));
  await Promise.all(ids.map((id) => finalView(server, user, id)));
  const first = (await (await api(server, '/api/files?limit=2', user)).json()) as { items: FileView[]; next: string | null };
  t.deepEqual(first.items.map((f) => f.id), [ids[2], ids[1]]);
  t.truthy(first.next);
  const second = (await (await api(server, `/api/files?limit=2&cursor=${first.next}`, user)).json()) as { items: FileView[]; next: string | null };
  t.deepEqual(second.items.map((f) => f.id), [ids[0]]);
  t.is(second.next, null);
  const bad = await api(server, '/api/files?limit=1000', user);
  t.is(bad.status, 400);
  t.like(await bad.json(), { error: { code: 'VALIDATION_FAILED' } });
});

test('the status stream pushes each change and ends at the final one', async (t) => {
  const user = 'jon';
  const token = await tokenFor(user);
  // A large image keeps the processor busy long enough to watch it work.
  const { url } = await tusUpload(await jpegWithGps(4000, 3000), { endpoint: server.url, token, metadata: { filename: 'big.jpg', filetype: 'image/jpeg' } });
  const res = await fetch(`${server.url}/api/files/${idOf(url)}/events`, { headers: { Authorization: `Bearer ${token}` } });
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'text/event-stream');
  const text = await res.text(); // the server ends the stream at the final status
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('event: status'))
    .map((block) => JSON.parse(block.split('\ndata: ')[1]!) as FileView);
  t.true(events.length >= 2, `saw ${events.map((e) => e.status).join(' → ')}`);
  t.not(events[0]!.status, 'ready', 'the first event is the state at connection time');
  t.is(events.at(-1)!.status, 'ready');
  t.true(events.at(-1)!.variants.length > 0);
});

test('with CDN_BASE_URL, variant URLs point at the CDN', async (t) => {
  const id = await uploadTo(cdnServer, 'kim', await jpegWithGps(640, 480), 'c.jpg', 'image/jpeg');
  const view = await finalView(cdnServer, 'kim', id);
  t.is(view.status, 'ready');
  for (const v of view.variants) t.regex(v.url, new RegExp(`^https://cdn\\.example\\.com/media/${id}/[0-9a-f]{20}-[a-z0-9]+\\.webp$`));
  t.regex(view.original!.url, /^\/originals\/kim\//, 'originals stay private: never on the CDN');
});

test('a finished upload is listed as pending before any processor picks it up', async (t) => {
  // AMQP_URL set: no in-process processor, and no one consumes this vhost's jobs.
  const queued = await startServer({ AMQP_URL: await amqpVhost('files-api-pending') });
  t.teardown(() => queued.stop());
  const id = await uploadTo(queued, 'lea', await jpegWithGps(64, 64), 'wait.jpg', 'image/jpeg');
  const list = (await (await api(queued, '/api/files', 'lea')).json()) as { items: (FileView & { size?: number })[] };
  t.is(list.items.length, 1);
  t.like(list.items[0], { id, status: 'pending', filename: 'wait.jpg', variants: [] });
  t.like(await (await api(queued, `/api/files/${id}`, 'lea')).json(), { id, status: 'pending' });
  t.is((await api(queued, `/api/files/${id}`, 'max')).status, 404, 'still owner only');
});
