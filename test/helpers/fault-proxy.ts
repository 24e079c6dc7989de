import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: forward it, answer 500 as S3 would, or cut the connection mid-body. */
export type Fault = 'pass' | 'error-500' | 'reset';

export type ProxiedRequest = { method: string; url: string; fault: Fault; status?: number };

/**
 * A real HTTP proxy in front of a real server (the test S3 server), injecting
 * faults into the requests `decide` picks. Requests are forwarded unchanged,
 * Host header included, so SigV4 signatures made for the proxy's address stay
 * valid. Every request is recorded, with what was done to it and the status
 * the client saw.
 */
export async function faultProxy(target: string, decide: (req: { method: string; url: string }, seen: readonly ProxiedRequest[]) => Fault) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const entry: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', fault: 'pass' };
    entry.fault = decide(entry, requests);
    requests.push(entry);
    if (entry.fault === 'reset') {
      // Take part of the body, then drop the connection as a failing load balancer would.
      req.once('data', () => req.socket.destroy());
      req.once('end', () => req.socket.destroy());
      return;
    }
    if (entry.fault === 'error-500') {
      req.resume();
      req.once('end', () => {
        entry.status = 500;
        const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>';
        res.writeHead(500, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (upstreamRes) => {
        entry.status = upstreamRes.statusCode;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

/** S3 UploadPart: `PUT /<bucket>/<key>?partNumber=N&uploadId=…` (path style). */
export const isUploadPart = (r: { method: string; url: string }) => r.method === 'PUT' && /[?&]partNumber=\d+/.test(r.url) && /[?&]uploadId=/.test(r.url);
