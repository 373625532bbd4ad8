// A tampering HTTP proxy on loopback: forwards every GET to an upstream log server and lets a test
// rewrite the answer (flip a byte in a tile, alter a proof), as a network attacker or a compromised
// mirror would.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites an upstream answer for `path`; return the body unchanged to pass it through. */
export type Rewrite = (path: string, status: number, body: Buffer) => Buffer;

/** Starts a proxy to `upstream`; returns its base URL. Closed after the test. */
export async function startProxy(t: { after: (fn: () => Promise<void>) => void }, upstream: string, rewrite: Rewrite): Promise<string> {
  const server = createServer(async (req, res) => {
    try {
      const r = await fetch(upstream + req.url, { headers: { 'accept-encoding': 'identity' } });
      const body = rewrite(req.url ?? '/', r.status, Buffer.from(await r.arrayBuffer()));
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
