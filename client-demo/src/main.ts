import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './style.css';
import { onToken, token } from './auth.ts';
import { avatarPicker, directUploadsUnavailable, disableDirectUploads, largeFileUploader } from './direct-uploads.ts';
import { byId } from './dom.ts';
import { Gallery } from './gallery.ts';
import { tusDashboard } from './tus-dashboard.ts';

/** The demo page: tus uploads through the Uppy Dashboard, direct-to-storage options, a live gallery. */
async function main(): Promise<void> {
  const tokenInfo = byId('token');
  onToken((t) => {
    tokenInfo.textContent = `Signed in as ${t.userId} with a demo token valid until ${new Date(t.expiresAt).toLocaleTimeString()}${t.refreshes ? ` (renewed ${t.refreshes}×)` : ''}.`;
    tokenInfo.dataset.refreshes = String(t.refreshes);
    tokenInfo.dataset.user = t.userId;
  });
  await token();

  const gallery = new Gallery(byId('files'));
  tusDashboard(byId('dashboard'), gallery);
  avatarPicker(gallery);
  largeFileUploader(gallery);
  const [unavailable] = await Promise.all([directUploadsUnavailable(), gallery.load()]);
  if (unavailable) disableDirectUploads(unavailable);
  document.body.dataset.ready = 'true';
}

main().catch((err: unknown) => {
  const box = byId('fatal');
  box.hidden = false;
  box.textContent = `The demo could not start: ${err instanceof Error ? err.message : String(err)}`;
});
