import http, { type RequestListener } from 'node:http';
import type { Socket } from 'node:net';

export type RunningServer = http.Server & {
  /** Stops accepting, lets in-flight requests finish, then cuts what is left after `graceMs`. */
  shutdown: (graceMs: number) => Promise<void>;
};

export async function listen(handler: RequestListener, opts: { port: number; host: string; idleTimeoutMs: number }): Promise<RunningServer> {
  const server = http.createServer(
    {
      // Uploads may take hours, so no total request timeout; a stalled client is cut by the
      // idle timeout below, which also frees its upload lock.
      requestTimeout: 0,
      headersTimeout: 30_000,
      keepAliveTimeout: 5_000,
    },
    handler,
  ) as RunningServer;
  server.setTimeout(opts.idleTimeoutMs);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.shutdown = (graceMs) =>
    new Promise<void>((resolve) => {
      const cut = setTimeout(() => {
        // Whatever a cut PATCH wrote is kept: the client resumes from the stored offset.
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
