// A tampering HTTP proxy on loopback: forwards every request to an upstream log server and lets a
// test rewrite the answer (flip a byte in a tile, alter a proof), as a network attacker or a
// compromised mirror would. By default it forwards every request as a GET without a body, as a
// simple mirror of the tlog endpoints would (a batch lookup then meets a 404); with `posts` it
// forwards POST bodies too.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites an upstream answer for `path`; return the body unchanged to pass it through. */
export type Rewrite = (path: string, status: number, body: Buffer) => Buffer;

/** Starts a proxy to `upstream`; returns its base URL. Closed after the test. */
export async function startProxy(t: { after: (fn: () => Promise<void>) => void }, upstream: string, rewrite: Rewrite, opts: { posts?: boolean } = {}): Promise<string> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const post = opts.posts === true && req.method === 'POST';
      const r = await fetch(upstream + req.url, {
        method: post ? 'POST' : 'GET',
        headers: { 'accept-encoding': 'identity', ...(post ? { 'content-type': req.headers['content-type'] ?? '' } : {}) },
        ...(post ? { body: Buffer.concat(chunks) } : {}),
      });
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
