// One HTTP exchange: redirects are returned, never followed; response bodies are bounded; an early
// answer ends a large upload; timeouts, refused connections and untrusted certificates are typed errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { sendRequest, NetworkError } from '../../src/upload/http.ts';
import { makeTestCert } from './tls.ts';

async function serve(handler: RequestListener, server: Server = createServer(), proto = 'http'): Promise<{ url: URL; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  server.on('request', (req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`${proto}://127.0.0.1:${port}/legacy/`),
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('a redirect is returned as it is, with its Location, and not followed', async () => {
  const s = await serve((_req, res) => {
    res.writeHead(302, { location: '/elsewhere/' });
    res.end();
  });
  try {
    const r = await sendRequest({ method: 'POST', url: s.url, body: Buffer.from('x') });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/elsewhere/');
    assert.equal(s.hits(), 1);
  } finally {
    await s.close();
  }
});

test('the response body is kept up to the bound, the rest read and dropped', async () => {
  const s = await serve((_req, res) => {
    res.writeHead(400, 'Custom Reason Here');
    res.end('y'.repeat(100_000));
  });
  try {
    const r = await sendRequest({ method: 'GET', url: s.url, maxBodyBytes: 1000 });
    assert.equal(r.status, 400);
    assert.equal(r.reason, 'Custom Reason Here');
    assert.equal(r.body.length, 1000);
    assert.equal(r.truncated, true);
  } finally {
    await s.close();
  }
});

test('an answer before the body is sent ends the upload (no hang, the rest is not sent)', async () => {
  const s = await serve((req, res) => {
    res.writeHead(403, 'Invalid or non-existent authentication information.');
    res.end();
    req.resume();
  });
  let produced = 0;
  const total = 64 * 1024 * 1024;
  const body = new Readable({
    read() {
      if (produced >= total) return this.push(null);
      produced += 1 << 20;
      this.push(Buffer.alloc(1 << 20));
    },
  });
  try {
    const r = await sendRequest({ method: 'POST', url: s.url, body, contentLength: total });
    assert.equal(r.status, 403);
    assert.ok(body.destroyed, 'the body stream is stopped');
  } finally {
    await s.close();
  }
});

test('no answer within the idle timeout is a NetworkError ETIMEDOUT', async () => {
  const s = await serve(() => {
    /* never answers */
  });
  try {
    await assert.rejects(sendRequest({ method: 'GET', url: s.url, timeoutMs: 200 }), (e: unknown) => e instanceof NetworkError && e.code === 'ETIMEDOUT');
  } finally {
    await s.close();
  }
});

test('a refused connection is a NetworkError ECONNREFUSED', async () => {
  const s = await serve(() => {});
  const url = s.url;
  await s.close();
  await assert.rejects(sendRequest({ method: 'GET', url }), (e: unknown) => e instanceof NetworkError && e.code === 'ECONNREFUSED');
});

test('https: an untrusted certificate fails; the CA bundle makes it trusted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-http-tls-'));
  const cert = makeTestCert(dir);
  const s = await serve((_req, res) => res.end('hello'), createHttpsServer({ key: cert.key, cert: cert.cert }) as unknown as Server, 'https');
  try {
    await assert.rejects(sendRequest({ method: 'GET', url: s.url }), (e: unknown) => e instanceof NetworkError && /SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code));
    const r = await sendRequest({ method: 'GET', url: s.url, tls: { ca: cert.cert } });
    assert.equal(r.body.toString(), 'hello');
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('https: a client certificate (one PEM with key and certificate) is presented when the server asks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-http-client-cert-'));
  const cert = makeTestCert(dir);
  const server = createHttpsServer({ key: cert.key, cert: cert.cert, requestCert: true, rejectUnauthorized: true, ca: cert.cert }) as unknown as Server;
  const s = await serve((req, res) => res.end(`hello ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN}`), server, 'https');
  try {
    await assert.rejects(sendRequest({ method: 'GET', url: s.url, tls: { ca: cert.cert } }), NetworkError);
    const r = await sendRequest({ method: 'GET', url: s.url, tls: { ca: cert.cert, clientCert: Buffer.concat([cert.key, cert.cert]) } });
    assert.equal(r.body.toString(), 'hello distsum test index');
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
