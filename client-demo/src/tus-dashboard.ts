import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import { refreshToken, token, bearer } from './auth.ts';
import { uploadIdOf } from './file-view.ts';
import type { Gallery } from './gallery.ts';

/** Retries on network errors and 5xx/409/423 (tus-js-client's rules), and on 401 after a new token. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000];
/**
 * One PATCH per 5 MiB: a proxy with a body limit stays happy, progress is kept
 * at each chunk, and a long upload meets an expired token between chunks, where
 * the page refreshes it and carries on.
 */
const CHUNK_SIZE = 5 * 1024 * 1024;

/** The Uppy Dashboard uploading with tus to `/files/`: progress, pause/resume, retry. */
export function tusDashboard(target: HTMLElement, gallery: Gallery): Uppy {
  const uppy = new Uppy({ id: 'tus', autoProceed: false })
    .use(Dashboard, {
      inline: true,
      target,
      height: 380,
      width: '100%',
      proudlyDisplayPoweredByUppy: false,
      note: 'Images, video, audio and PDF. Uploads resume after a pause, a lost connection or a reload.',
    })
    .use(Tus, {
      endpoint: '/files/',
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      removeFingerprintOnSuccess: true,
      // The server wants `filename` and `filetype`; Uppy derives them from these two.
      allowedMetaFields: ['name', 'type'],
      async onBeforeRequest(req) {
        req.setHeader('Authorization', bearer(await token()));
      },
      // A 401 means the token expired (or the server's secret changed): get a new one first.
      async onAfterResponse(req, res) {
        if (res.getStatus() === 401) await refreshToken(req.getHeader('Authorization')?.replace(/^Bearer /, '') ?? '');
      },
      onShouldRetry(err, retryAttempt, _options, next) {
        if (err.originalResponse?.getStatus() === 401) return retryAttempt < RETRY_DELAYS.length;
        return next(err);
      },
    });

  uppy.on('upload-success', (file, response) => {
    if (!file || !response.uploadURL) return;
    gallery.add(uploadIdOf(response.uploadURL), file.name ?? 'unnamed');
  });
  return uppy;
}
