import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FetchError, httpGetter, httpPoster, offlineGetter } from '../../src/verify/fetch.ts';
import type { HttpFetch } from '../../src/index/http.ts';
import { tempDir } from './support/cli.ts';

async function serve(t: { after: (fn: () => Promise<void>) => void }, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  server.keepAliveTimeout = 100;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('GET over loopback http: status and body; redirects followed', async (t) => {
  const base = await serve(t, (req, res) => {
    if (req.url === '/a') return res.writeHead(302, { location: '/b' }).end();
    if (req.url === '/b') return res.end('hello');
    if (req.url === '/loop') return res.writeHead(301, { location: '/loop' }).end();
    if (req.url === '/away') return res.writeHead(302, { location: 'http://example.org/x' }).end();
    res.writeHead(404).end('no');
  });
  const get = httpGetter();
  const r = await get(`${base}/a`, 100);
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(r.body).toString(), 'hello');
  assert.equal(r.url, `${base}/b`);
  assert.equal((await get(`${base}/zzz`, 100)).status, 404);
  await assert.rejects(get(`${base}/loop`, 100), (e: unknown) => e instanceof FetchError && /more than 5 redirects/.test(e.message));
  await assert.rejects(get(`${base}/away`, 100), (e: unknown) => e instanceof FetchError && /only allowed to loopback/.test(e.message));
});

test('bodies larger than the cap are refused, declared or streamed', async (t) => {
  const base = await serve(t, (req, res) => {
    if (req.url === '/declared') return res.writeHead(200, { 'content-length': '1000' }).end('x'.repeat(1000));
    res.writeHead(200);
    res.write('x'.repeat(600));
    setTimeout(() => res.end('y'.repeat(600)), 5);
  });
  const get = httpGetter();
  await assert.rejects(get(`${base}/declared`, 999), /larger than 999 bytes/);
  await assert.rejects(get(`${base}/streamed`, 1000), /larger than 1000 bytes/);
  assert.equal((await get(`${base}/streamed`, 1200)).body.length, 1200);
});

test('a server that does not answer in time is a FetchError', async (t) => {
  const base = await serve(t, (_req, res) => {
    setTimeout(() => res.end('late'), 2000).unref();
  });
  await assert.rejects(httpGetter({ timeoutMs: 100 })(`${base}/slow`, 100), (e: unknown) => e instanceof FetchError && /no answer within 0.1 s/.test(e.message));
});

test('refused before any request: non-loopback http, other schemes; no downgrade from https', async () => {
  const calls: string[] = [];
  const transport: HttpFetch = async (req) => {
    calls.push(req.url.href);
    return { status: 302, header: (n) => (n === 'location' ? 'http://127.0.0.1/plain' : undefined), body: (async function* () {})() };
  };
  const get = httpGetter({ transport });
  await assert.rejects(get('http://example.org/x', 10), /only allowed to loopback/);
  await assert.rejects(get('ftp://example.org/x', 10), /not supported/);
  assert.deepEqual(calls, []);
  await assert.rejects(get('https://example.org/x', 10), /no downgrade from https/);
  assert.deepEqual(calls, ['https://example.org/x']);
});

test('compressed bodies are refused (none was asked for)', async () => {
  const transport: HttpFetch = async () => ({ status: 200, header: (n) => (n === 'content-encoding' ? 'gzip' : undefined), body: (async function* () {})() });
  await assert.rejects(httpGetter({ transport })('https://e.org/x', 10), /Content-Encoding/);
});

test('file URLs: read bounded; a missing file is a 404', async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'm.txt'), 'manifest');
  const get = httpGetter();
  const r = await get(pathToFileURL(join(d, 'm.txt')).href, 100);
  assert.equal(Buffer.from(r.body).toString(), 'manifest');
  assert.equal((await get(pathToFileURL(join(d, 'none.txt')).href, 100)).status, 404);
  await assert.rejects(get(pathToFileURL(join(d, 'm.txt')).href, 3), /larger than 3 bytes/);
});

test('the offline getter fetches nothing', async () => {
  await assert.rejects(offlineGetter()('https://log.example/checkpoint', 10), (e: unknown) => e instanceof FetchError && /offline/.test(e.message));
});

test('POST over loopback http: body, type and length sent; any status returned; redirects not followed', async (t) => {
  const seen: { method?: string; type?: string; length?: string; body: string }[] = [];
  const base = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, type: req.headers['content-type'], length: req.headers['content-length'], body: Buffer.concat(chunks).toString() });
      if (req.url === '/moved') return res.writeHead(308, { location: '/lookup' }).end();
      if (req.url === '/gz') return res.writeHead(200, { 'content-encoding': 'gzip' }).end('x');
      if (req.url === '/big') return res.writeHead(200, { 'content-length': '1000' }).end('x'.repeat(1000));
      if (req.url === '/stream') {
        res.writeHead(200);
        res.write('x'.repeat(600));
        return setTimeout(() => res.end('y'.repeat(600)), 5);
      }
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
      res.writeHead(req.url === '/lookup' ? 200 : 404, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const post = httpPoster();
  const body = new TextEncoder().encode('{"filenames":["a.whl"]}');
  const r = await post(`${base}/lookup`, body, 'application/json', 100);
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(r.body).toString(), '{"ok":true}');
  assert.deepEqual(seen[0], { method: 'POST', type: 'application/json', length: String(body.length), body: '{"filenames":["a.whl"]}' });
  assert.equal((await post(`${base}/nothing`, body, 'application/json', 100)).status, 404);
  assert.equal((await post(`${base}/moved`, body, 'application/json', 100)).status, 308);
  assert.equal(seen.length, 3, 'the redirect was not followed');
  await assert.rejects(post(`${base}/gz`, body, 'application/json', 100), (e: unknown) => e instanceof FetchError && /Content-Encoding/.test(e.message));
  await assert.rejects(post(`${base}/big`, body, 'application/json', 999), /larger than 999 bytes/);
  await assert.rejects(post(`${base}/stream`, body, 'application/json', 1000), /larger than 1000 bytes/);
  assert.equal((await post(`${base}/stream`, body, 'application/json', 1200)).body.length, 1200);
  await assert.rejects(httpPoster({ timeoutMs: 100 })(`${base}/slow`, body, 'application/json', 100), (e: unknown) => e instanceof FetchError && /no answer within 0.1 s/.test(e.message));
});

test('POST: the URL policy of GETs; file URLs answer 405; an unreachable server is a FetchError', async (t) => {
  const post = httpPoster();
  const b = new Uint8Array(2);
  await assert.rejects(post('http://example.org/lookup', b, 'application/json', 10), (e: unknown) => e instanceof FetchError && /only allowed to loopback/.test(e.message));
  await assert.rejects(post('ftp://example.org/lookup', b, 'application/json', 10), /not supported/);
  assert.equal((await post(pathToFileURL(join(tempDir(t), 'lookup')).href, b, 'application/json', 10)).status, 405);
  // A port nobody listens on: closed right after it was found free.
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(post(`http://127.0.0.1:${closed}/lookup`, b, 'application/json', 10), (e: unknown) => e instanceof FetchError && /ECONNREFUSED/.test(e.message));
});
