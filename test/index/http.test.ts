import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { contentLength, decodeBody, nodeHttpFetch, readBounded, type HttpResponse } from '../../src/index/http.ts';
import { IndexFormatError, IndexTooLargeError } from '../../src/index/errors.ts';

function fakeResponse(chunks: Uint8Array[], headers: Record<string, string> = {}): HttpResponse & { pulled: number } {
  const counter = { pulled: 0 };
  async function* body() {
    for (const c of chunks) {
      counter.pulled++;
      yield c;
    }
  }
  return {
    status: 200,
    get pulled() {
      return counter.pulled;
    },
    header: (n: string) => headers[n.toLowerCase()],
    body: body(),
  };
}

test('readBounded: reads everything under the cap, stops at the first chunk past it', async () => {
  const ok = await readBounded(fakeResponse([Buffer.from('ab'), Buffer.from('cd')]), 4, 'u');
  assert.equal(ok.toString(), 'abcd');
  const big = fakeResponse([Buffer.alloc(3), Buffer.alloc(3), Buffer.alloc(3), Buffer.alloc(3)]);
  await assert.rejects(readBounded(big, 5, 'https://x.test/simple/'), (e: unknown) => e instanceof IndexTooLargeError && e.limit === 5 && e.url === 'https://x.test/simple/');
  assert.equal(big.pulled, 2, 'stopped at the chunk that crossed the cap');
});

test('readBounded: a Content-Length over the cap fails before reading', async () => {
  const r = fakeResponse([Buffer.alloc(1)], { 'content-length': '1000' });
  await assert.rejects(readBounded(r, 999, 'u'), IndexTooLargeError);
  assert.equal(r.pulled, 0);
  assert.equal(contentLength(fakeResponse([], { 'content-length': ' 12 ' })), 12);
  assert.equal(contentLength(fakeResponse([], { 'content-length': '-1' })), undefined);
  assert.equal(contentLength(fakeResponse([], { 'content-length': '1, 2' })), undefined);
});

test('decodeBody: identity, gzip, x-gzip, zlib and raw deflate', async () => {
  const text = Buffer.from('hello '.repeat(1000));
  assert.equal((await decodeBody(text, undefined, 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(text, 'identity', 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(gzipSync(text), 'gzip', 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(gzipSync(text), ' X-GZIP ', 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(deflateSync(text), 'deflate', 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(deflateRawSync(text), 'deflate', 1 << 20, 'u')).toString(), text.toString());
  assert.equal((await decodeBody(gzipSync(text), 'gzip', text.length, 'u')).length, text.length, 'exactly the cap is fine');
});

test('decodeBody: a gzip bomb stops at the cap without inflating the rest', async () => {
  const bomb = gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros in ~64 KiB
  assert.ok(bomb.length < 1 << 20);
  const before = process.memoryUsage().rss;
  const t0 = Date.now();
  await assert.rejects(decodeBody(bomb, 'gzip', 1 << 20, 'https://x.test/simple/'), (e: unknown) => e instanceof IndexTooLargeError && /decoded response is larger than 1048576/.test(e.message));
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  assert.ok(process.memoryUsage().rss - before < 128 << 20, 'memory stayed bounded');
});

test('decodeBody: corrupt data and unknown encodings are IndexFormatError', async () => {
  await assert.rejects(decodeBody(Buffer.from('not gzip'), 'gzip', 100, 'u'), IndexFormatError);
  await assert.rejects(decodeBody(Buffer.from('not deflate'), 'deflate', 100, 'u'), IndexFormatError);
  await assert.rejects(decodeBody(Buffer.from('x'), 'br', 100, 'u'), /unsupported Content-Encoding "br"/);
  await assert.rejects(decodeBody(Buffer.from('x'), 'gzip, gzip', 100, 'u'), /unsupported Content-Encoding/);
});

test('nodeHttpFetch: sends our headers, does not follow redirects or decode, and abort closes the connection', async () => {
  const seen: IncomingHttpHeaders[] = [];
  let closed = false;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/redirect') {
      res.writeHead(301, { location: 'https://elsewhere.test/' });
      res.end();
    } else if (req.url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip', 'x-multi': ['a', 'b'] });
      res.end(gzipSync('zipped'));
    } else {
      res.writeHead(200);
      res.write('x');
      req.socket.on('close', () => (closed = true));
      // never ends
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fetch = nodeHttpFetch();
  try {
    const r1 = await fetch({ url: new URL(`${base}/redirect`), headers: { 'user-agent': 'distsum/test', accept: 'x/y' }, signal: new AbortController().signal });
    assert.equal(r1.status, 301);
    assert.equal(r1.header('Location'), 'https://elsewhere.test/');
    for await (const _ of r1.body) void _;
    assert.equal(seen[0]['user-agent'], 'distsum/test');
    assert.equal(seen[0].accept, 'x/y');

    const r2 = await fetch({ url: new URL(`${base}/gzip`), headers: {}, signal: new AbortController().signal });
    const raw = await readBounded(r2, 1000, 'u');
    assert.deepEqual(raw, gzipSync('zipped'), 'the transport hands over the bytes as sent');
    assert.equal(r2.header('x-multi'), 'a, b');

    const ctl = new AbortController();
    const r3 = await fetch({ url: new URL(`${base}/hang`), headers: {}, signal: ctl.signal });
    const it = r3.body[Symbol.asyncIterator]();
    assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'x');
    ctl.abort();
    await assert.rejects(it.next());
    for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closed, true);

    await assert.rejects(fetch({ url: new URL('http://127.0.0.1:1/'), headers: {}, signal: new AbortController().signal }), (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
