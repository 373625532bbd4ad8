import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createIndexClient, SIMPLE_ACCEPT, userAgent, type IndexClientOptions } from '../../src/index/client.ts';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from '../../src/index/errors.ts';
import { createSemaphore } from '../../src/index/semaphore.ts';
import { blake2bFromUrl } from '../../src/index/pythonhosted.ts';
import { SecurityError, UsageError } from '../../src/errors.ts';
import { startIndexServer } from '../support/index-server.ts';
import { DISTS, fixture } from './fixtures.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface TestServer {
  origin: string;
  seen: Array<{ path: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

// A loopback server whose answers the test scripts; `n` counts requests from 1.
async function serve(handler: Handler): Promise<TestServer> {
  const seen: TestServer['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    handler(req, res, seen.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// A client with an injected sleep that records and returns at once, and deterministic jitter.
function client(indexUrl: string, extra: Partial<IndexClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createIndexClient({ indexUrl, version: '0.1.0', sleep: async (ms) => void sleeps.push(ms), random: () => 0, ...extra });
  return { c, sleeps };
}

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

test('getProject: PEP 691 negotiation, polite headers, gzip, validators and X-PyPI-Last-Serial', async () => {
  const body = fixture('simple-json/wheel.v1.1.json');
  const s = await serve((req, res) => {
    res.writeHead(200, { 'content-type': JSON_V1, 'content-encoding': 'gzip', etag: '"w1"', 'last-modified': 'Tue, 14 Mar 2023 15:10:03 GMT', 'x-pypi-last-serial': '17289142' });
    res.end(gzipSync(body));
  });
  try {
    const { c } = client(`${s.origin}/simple`);
    const r = await c.getProject('Wheel');
    assert.equal(r.notModified, false);
    if (r.notModified) return;
    assert.equal(r.url, `${s.origin}/simple/wheel/`);
    assert.deepEqual(r.validators, { etag: '"w1"', lastModified: 'Tue, 14 Mar 2023 15:10:03 GMT' });
    assert.equal(r.lastSerial, 17289142);
    assert.deepEqual(r.value.files.map((f) => [f.filename, f.hashes.sha256, f.size]), [
      ['wheel-0.40.0-py3-none-any.whl', 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247', 64545],
      ['wheel-0.40.0.tar.gz', 'cd1196f3faee2b31968d626e1731c94f99cbdb67cf5a46e4f5656cbee7738873', 96226],
    ]);
    const h = s.seen[0].headers;
    assert.equal(s.seen[0].path, '/simple/wheel/');
    assert.equal(h.accept, 'application/vnd.pypi.simple.v1+json, text/html;q=0.1');
    assert.equal(h.accept, SIMPLE_ACCEPT);
    assert.equal(h['user-agent'], 'distsum/0.1.0 (+https://www.npmjs.com/package/distsum)');
    assert.equal(h['accept-encoding'], 'gzip, deflate');
    assert.equal(h['if-none-match'], undefined);
  } finally {
    await s.close();
  }
});

test('getProject and getProjectList fall back to PEP 503 HTML when the index serves it', async () => {
  const s = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (req.url === '/simple/') res.end('<html><body><a href="/simple/black/">black</a><a href="/simple/futures/">futures</a></body></html>\n<!--SERIAL 99-->');
    else res.end(Buffer.from(fixture('simple-html/black.html')));
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    const list = await c.getProjectList();
    assert.ok(!list.notModified);
    if (list.notModified) return;
    assert.deepEqual(list.value.projects.map((p) => p.normalizedName), ['black', 'futures']);
    assert.equal(list.value.meta.lastSerial, 99);
    const p = await c.getProject('black');
    assert.ok(!p.notModified);
    if (p.notModified) return;
    assert.equal(p.value.format, 'html');
    assert.equal(p.value.files[1].yanked, 'Broken regex dependency. Use 21.11b1 instead.');
  } finally {
    await s.close();
  }
});

test('conditional requests: ETag and Last-Modified are sent back, 304 is notModified', async () => {
  const s = await serve((req, res) => {
    if (req.headers['if-none-match'] === '"v1"' || req.headers['if-modified-since'] === 'Mon, 01 Jan 2024 00:00:00 GMT') {
      res.writeHead(304, { etag: '"v1"' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': JSON_V1, etag: '"v1"', 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' });
    res.end(JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': 5 }, projects: [{ name: 'a', '_last-serial': 5 }] }));
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    const first = await c.getProjectList();
    assert.equal(first.notModified, false);
    const again = await c.getProjectList(first.validators);
    assert.deepEqual(again, { notModified: true, url: `${s.origin}/simple/`, validators: { etag: '"v1"' } });
    assert.equal(s.seen[1].headers['if-none-match'], '"v1"');
    assert.equal(s.seen[1].headers['if-modified-since'], 'Mon, 01 Jan 2024 00:00:00 GMT');
    const byDate = await c.getProject('a', { lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' });
    assert.equal(byDate.notModified, true);
    assert.equal(s.seen[2].headers['if-none-match'], undefined);
  } finally {
    await s.close();
  }
});

test('a 304 to an unconditional request is an error', async () => {
  const s = await serve((_req, res) => {
    res.writeHead(304);
    res.end();
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    await assert.rejects(c.getProject('a'), (e: unknown) => e instanceof IndexHttpError && e.status === 304);
  } finally {
    await s.close();
  }
});

test('429 with Retry-After in seconds and as an HTTP date is honoured (injected sleep and clock), and capped', async () => {
  const ok = JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'a', files: [] });
  const s = await serve((req, res, n) => {
    const retryAfter = ['7', 'Mon, 01 Jan 2024 12:00:30 GMT', '86400'][n - 1];
    if (retryAfter) {
      res.writeHead(n === 2 ? 503 : 429, { 'retry-after': retryAfter });
      return res.end();
    }
    res.writeHead(200, { 'content-type': JSON_V1 });
    res.end(ok);
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`, { now: () => Date.UTC(2024, 0, 1, 12, 0, 0), backoff: { maxRetries: 3, maxRetryAfterMs: 600_000 } });
    const r = await c.getProject('a');
    assert.equal(r.notModified, false);
    assert.deepEqual(sleeps, [7000, 30_000, 600_000]);
    assert.equal(s.seen.length, 4);
  } finally {
    await s.close();
  }
});

test('5xx: exponential backoff with jitter, then IndexHttpError after the last retry; 404 is not retried', async () => {
  const s = await serve((req, res) => {
    res.writeHead(req.url === '/simple/gone/' ? 404 : 502);
    res.end('nope');
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`, { backoff: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000 } });
    await assert.rejects(c.getProject('a'), (e: unknown) => e instanceof IndexHttpError && e.status === 502 && e.url === `${s.origin}/simple/a/`);
    assert.deepEqual(sleeps, [50, 100, 200], 'random() = 0: half of 100, 200, 400');
    assert.equal(s.seen.length, 4);
    await assert.rejects(c.getProject('gone'), (e: unknown) => e instanceof IndexHttpError && e.status === 404);
    assert.equal(s.seen.length, 5);
    assert.equal(sleeps.length, 3);
  } finally {
    await s.close();
  }
});

test('a transient failure (connection reset) is retried and then succeeds', async () => {
  const s = await serve((req, res, n) => {
    if (n === 1) return req.socket.destroy();
    res.writeHead(200, { 'content-type': JSON_V1 });
    res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'a', files: [] }));
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`);
    const r = await c.getProject('a');
    assert.equal(r.notModified, false);
    assert.equal(sleeps.length, 1);
  } finally {
    await s.close();
  }
});

test('timeouts: no answer, and a body that stalls, fail as IndexNetworkError after the retries', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/simple/stall/') {
      res.writeHead(200, { 'content-type': JSON_V1 });
      res.write('{"meta":');
    }
    // otherwise: never answer
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`, { idleTimeoutMs: 100, backoff: { maxRetries: 1 } });
    const t0 = Date.now();
    await assert.rejects(c.getProject('silent'), (e: unknown) => e instanceof IndexNetworkError && e.timedOut && e.code === 'ETIMEDOUT');
    await assert.rejects(c.getProject('stall'), (e: unknown) => e instanceof IndexNetworkError && e.timedOut);
    assert.equal(s.seen.length, 4);
    assert.equal(sleeps.length, 2);
    assert.ok(Date.now() - t0 < 3000);
    // A page deadline bounds a page that trickles in forever.
    const { c: c2 } = client(`${s.origin}/simple/`, { idleTimeoutMs: 10_000, pageTimeoutMs: 150, backoff: { maxRetries: 0 } });
    await assert.rejects(c2.getProject('stall'), (e: unknown) => e instanceof IndexNetworkError && e.timedOut);
  } finally {
    await s.close();
  }
});

test('redirects: followed within the origin, refused to another host, without Location, or in a loop', async () => {
  const other = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': JSON_V1 });
    res.end('{}');
  });
  const page = JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'a', files: [{ filename: 'a-1.tar.gz', url: 'a-1.tar.gz', hashes: {} }] });
  const s = await serve((req, res) => {
    const to = (status: number, location?: string) => {
      res.writeHead(status, location === undefined ? {} : { location });
      res.end();
    };
    if (req.url === '/simple/a/') return to(301, '/moved/a/');
    if (req.url === '/moved/a/') return to(308, '/final/a/#frag');
    if (req.url === '/final/a/') {
      res.writeHead(200, { 'content-type': JSON_V1 });
      return res.end(page);
    }
    if (req.url === '/simple/away/') return to(302, `${other.origin}/simple/away/`);
    if (req.url === '/simple/nowhere/') return to(301);
    if (req.url === '/simple/loop/') return to(307, '/simple/loop/');
    if (req.url === '/simple/weird/') return to(300, '/x');
    to(404);
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    const r = await c.getProject('a');
    assert.ok(!r.notModified);
    if (r.notModified) return;
    assert.equal(r.url, `${s.origin}/final/a/`);
    assert.equal(r.value.files[0].url, `${s.origin}/final/a/a-1.tar.gz`, 'relative links resolve against the final URL');
    await assert.rejects(c.getProject('away'), (e: unknown) => e instanceof IndexRedirectError && e instanceof SecurityError && e.location === `${other.origin}/simple/away/`);
    assert.equal(other.seen.length, 0, 'the other host was never contacted');
    await assert.rejects(c.getProject('nowhere'), /no Location/);
    await assert.rejects(c.getProject('loop'), /more than 5 redirects/);
    await assert.rejects(c.getProject('weird'), (e: unknown) => e instanceof IndexHttpError && e.status === 300);
  } finally {
    await s.close();
    await other.close();
  }
});

test('size caps: an endless project list, a declared huge length and a gzip bomb stop at the cap', async () => {
  const chunk = Buffer.alloc(64 << 10, 0x20);
  const bomb = gzipSync(Buffer.alloc(64 << 20, 0x20));
  const s = await serve((req, res) => {
    if (req.url === '/simple/') {
      res.writeHead(200, { 'content-type': JSON_V1 });
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
      };
      res.on('drain', pump);
      res.on('error', () => undefined);
      return pump();
    }
    if (req.url === '/simple/declared/') {
      res.writeHead(200, { 'content-type': JSON_V1, 'content-length': String(1 << 30) });
      return res.write('{');
    }
    res.writeHead(200, { 'content-type': JSON_V1, 'content-encoding': 'gzip' });
    res.end(bomb);
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`, { limits: { maxListBytes: 1 << 20, maxPageBytes: 1 << 20 } });
    const before = process.memoryUsage().rss;
    await assert.rejects(c.getProjectList(), (e: unknown) => e instanceof IndexTooLargeError && e.limit === 1 << 20);
    await assert.rejects(c.getProject('declared'), IndexTooLargeError);
    await assert.rejects(c.getProject('bomb'), (e: unknown) => e instanceof IndexTooLargeError && /decoded/.test(e.message));
    assert.deepEqual(sleeps, [], 'too large is not retried');
    assert.ok(process.memoryUsage().rss - before < 200 << 20, 'memory stayed bounded');
  } finally {
    await s.close();
  }
});

test('wrong content types, pages for another project, and bad names are typed errors', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/simple/plain/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{}');
    }
    res.writeHead(200, { 'content-type': JSON_V1 });
    res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'other', files: [] }));
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    await assert.rejects(c.getProject('plain'), (e: unknown) => e instanceof IndexFormatError && /unexpected content type "application\/json"/.test(e.message));
    await assert.rejects(c.getProject('mine'), /the page is for other, not mine/);
    const before = s.seen.length;
    for (const bad of ['../admin', 'a/b', '', '<script>', 'a%2fb']) await assert.rejects(c.getProject(bad), UsageError, bad);
    assert.equal(s.seen.length, before, 'nothing was requested for invalid names');
  } finally {
    await s.close();
  }
});

test('concurrency: an injected semaphore bounds requests in flight across clients', async () => {
  let inFlight = 0;
  let peak = 0;
  const s = await serve((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': JSON_V1 });
      res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: req.url!.split('/')[2], files: [] }));
    }, 30);
  });
  try {
    const semaphore = createSemaphore(2);
    const a = client(`${s.origin}/simple/`, { semaphore }).c;
    const b = client(`${s.origin}/simple/`, { semaphore }).c;
    await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((n, i) => (i % 2 ? a : b).getProject(n)));
    assert.equal(peak, 2);
    assert.equal(s.seen.length, 6);
  } finally {
    await s.close();
  }
});

test('getJsonApi: /pypi/<name>/<version>/json from the fixture; refused where there is no JSON API', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/pypi/wheel/0.40.0/json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-pypi-last-serial': '17289142' });
      return res.end(Buffer.from(fixture('json-api/wheel-0.40.0.json')));
    }
    if (req.url === '/pypi/wheel/json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>');
    }
    res.writeHead(404);
    res.end();
  });
  try {
    const { c } = client(`${s.origin}/simple/`, { jsonApi: true });
    const r = await c.getJsonApi('Wheel', '0.40.0');
    assert.equal(s.seen[0].path, '/pypi/wheel/0.40.0/json');
    assert.equal(s.seen[0].headers.accept, 'application/json');
    assert.equal(r.lastSerial, 17289142);
    assert.deepEqual(r.value.files.map((f) => [f.filename, f.digests.blake2b_256]), [
      ['wheel-0.40.0-py3-none-any.whl', '6186cc8d1ff2ca31a312a25a708c891cf9facbad4eae493b3872638db6785eb5'],
      ['wheel-0.40.0.tar.gz', 'fcef0335f7217dd1e8096a9e8383e1d472aa14717878ffe07c4772e68b6e8735'],
    ]);
    await assert.rejects(c.getJsonApi('wheel'), /unexpected content type "text\/html" for the JSON API/);
    await assert.rejects(c.getJsonApi('nope'), (e: unknown) => e instanceof IndexHttpError && e.status === 404);
    await assert.rejects(c.getJsonApi('wheel', '..'), UsageError);
    await assert.rejects(c.getJsonApi('wheel', '1/../../x'), UsageError);
    await assert.rejects(client(`${s.origin}/simple/`).c.getJsonApi('wheel'), /does not serve the PyPI JSON API/);
  } finally {
    await s.close();
  }
});

test('downloadFile: streams the real wheel (sha256 as PyPI recorded it), bounded by the stated size', async () => {
  const wheel = readFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'));
  const s = await serve((req, res, n) => {
    if (req.url === '/flaky/wheel-0.40.0-py3-none-any.whl' && n === 1) {
      res.writeHead(503);
      return res.end();
    }
    if (req.url === '/gz/wheel-0.40.0-py3-none-any.whl') {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      return res.end(gzipSync(wheel));
    }
    if (req.url === '/cut/wheel-0.40.0-py3-none-any.whl') {
      res.writeHead(200, { 'content-length': String(wheel.length) });
      res.write(wheel.subarray(0, 1000));
      return setTimeout(() => req.socket.destroy(), 20);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(wheel);
  });
  try {
    const { c, sleeps } = client(`${s.origin}/simple/`);
    const hash = createHash('sha256');
    const r = await c.downloadFile(`${s.origin}/flaky/wheel-0.40.0-py3-none-any.whl`, (chunk) => void hash.update(chunk), { expectedSize: 64545 });
    assert.deepEqual(r, { size: 64545, url: `${s.origin}/flaky/wheel-0.40.0-py3-none-any.whl` });
    assert.equal(hash.digest('hex'), 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247');
    assert.equal(sleeps.length, 1, 'the 503 before any byte was retried');
    assert.equal(s.seen[0].headers['accept-encoding'], 'identity');

    let got = 0;
    await assert.rejects(
      c.downloadFile(`${s.origin}/big/wheel-0.40.0-py3-none-any.whl`, (chunk) => void (got += chunk.length), { expectedSize: 1000 }),
      (e: unknown) => e instanceof IndexTooLargeError && e.limit === 1000 && /larger than the size the index states/.test(e.message),
    );
    assert.ok(got <= 1000);
    await assert.rejects(c.downloadFile(`${s.origin}/gz/wheel-0.40.0-py3-none-any.whl`, () => undefined), /Content-Encoding "gzip"/);

    const seenBefore = s.seen.length;
    await assert.rejects(c.downloadFile(`${s.origin}/cut/wheel-0.40.0-py3-none-any.whl`, () => undefined), IndexNetworkError);
    assert.equal(s.seen.length, seenBefore + 1, 'not retried once bytes were handed on');

    const mine = new Error('disk full');
    await assert.rejects(c.downloadFile(`${s.origin}/ok/wheel-0.40.0-py3-none-any.whl`, () => { throw mine; }), (e: unknown) => e === mine);
    await assert.rejects(c.downloadFile('ftp://x.test/a.whl', () => undefined), IndexFormatError);
    await assert.rejects(c.downloadFile('http://files.example.test/a.whl', () => undefined), /other than over https/);
  } finally {
    await s.close();
  }
});

test('downloadFile: redirects only within the file URL origin', async () => {
  const other = await serve((_req, res) => res.end('x'));
  const s = await serve((req, res) => {
    if (req.url === '/there') {
      res.writeHead(200);
      return res.end('ok');
    }
    res.writeHead(302, { location: req.url === '/same' ? '/there' : `${other.origin}/x` });
    res.end();
  });
  try {
    const { c } = client(`${s.origin}/simple/`);
    const parts: string[] = [];
    const r = await c.downloadFile(`${s.origin}/same`, (b) => void parts.push(Buffer.from(b).toString()));
    assert.deepEqual([r.url, parts.join('')], [`${s.origin}/there`, 'ok']);
    await assert.rejects(c.downloadFile(`${s.origin}/away`, () => undefined), IndexRedirectError);
    assert.equal(other.seen.length, 0);
  } finally {
    await s.close();
    await other.close();
  }
});

test('against the stand-in index (test/support/index-server.ts): list, page, JSON API, download, URL digest', async () => {
  const index = await startIndexServer();
  try {
    await index.addFile({ path: join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), project: 'wheel', version: '0.40.0', requiresPython: '>=3.7' });
    await index.addFile({ path: join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl'), project: 'poetry-core', version: '1.5.0' });
    const { c } = client(`${index.origin}/simple`, { jsonApi: true });
    const list = await c.getProjectList();
    assert.ok(!list.notModified);
    if (list.notModified) return;
    assert.deepEqual(list.value.projects.map((p) => p.normalizedName).sort(), ['poetry-core', 'wheel']);
    assert.equal(list.lastSerial, index.serial());

    const page = await c.getProject('Poetry_Core');
    assert.ok(!page.notModified);
    if (page.notModified) return;
    assert.equal(page.value.format, 'json');
    const [f] = page.value.files;
    assert.equal(f.filename, 'poetry_core-1.5.0-py3-none-any.whl');
    // What pypi.org recorded for this wheel (json-api/poetry-core-1.5.0.json).
    assert.equal(f.hashes.sha256, 'e216b70f013c47b82a72540d34347632c5bfe59fd54f5fe5d51f6a68b19aaf84');
    assert.equal(f.size, 464992);

    const api = await c.getJsonApi('poetry-core');
    assert.equal(api.value.files[0].digests.blake2b_256, '2d996b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73');
    // The stand-in lays files out like files.pythonhosted.org, under /files/.
    assert.equal(blake2bFromUrl(f.url, [{ hostname: '127.0.0.1', prefix: '/files/' }]), api.value.files[0].digests.blake2b_256);

    const hash = createHash('sha256');
    const dl = await c.downloadFile(f.url, (b) => void hash.update(b), { expectedSize: f.size });
    assert.equal(dl.size, 464992);
    assert.equal(hash.digest('hex'), f.hashes.sha256);
    assert.ok(index.requests.every((r) => r.headers['user-agent'] === c.userAgent));
  } finally {
    await index.close();
  }
});

test('construction: user agent, index URL checks', () => {
  assert.equal(userAgent('1.2.3', 'https://example.test/distsum'), 'distsum/1.2.3 (+https://example.test/distsum)');
  assert.throws(() => userAgent('1.0\r\nX-Evil: 1'), UsageError);
  assert.throws(() => userAgent('1.0', 'javascript:x'), UsageError);
  assert.throws(() => createIndexClient({ indexUrl: 'http://pypi.org/simple/', version: '1' }), SecurityError);
  const c = createIndexClient({ indexUrl: 'https://pypi.org/', version: '1' });
  assert.deepEqual(c.urls, { base: 'https://pypi.org/', simple: 'https://pypi.org/simple/', jsonApi: 'https://pypi.org/pypi/' });
});
