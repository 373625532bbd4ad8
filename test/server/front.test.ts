// The front (src/server/front.ts): plain GET/HEAD answered from the connection, in order, pipelined
// or byte by byte; everything else handed to Node's server with every unanswered byte, so Node's
// parser decides what bodies, smuggling attempts, HTTP/1.0 and oversized heads get.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { MAX_HEADER_FIELDS, parseHead } from '../../src/server/front.ts';
import type { FrontRequest, FrontResponse } from '../../src/server/front.ts';
import { listen } from '../../src/server/listen.ts';
import type { Listening } from '../../src/server/listen.ts';

// --- parseHead ---

test('parseHead takes GET and HEAD in HTTP/1.1 with one Host and plain fields', () => {
  const p = parseHead('GET /tile/0/000?x=1 HTTP/1.1\r\nHost: log.example:8080\r\nAccept-Encoding: gzip\r\naccept-encoding:  br \r\nConnection: keep-alive');
  assert.ok(p);
  assert.equal(p.req.method, 'GET');
  assert.equal(p.req.target, '/tile/0/000?x=1');
  assert.equal(p.req.host, 'log.example:8080');
  assert.equal(p.req.acceptEncoding, 'gzip, br');
  assert.deepEqual(p.req.headers[0], ['host', 'log.example:8080']);
  assert.equal(p.close, false);
  assert.equal(parseHead('HEAD / HTTP/1.1\r\nhost: a\r\nConnection: close')?.close, true);
  // obs-text in a value is kept as Latin-1 text.
  assert.equal(parseHead('GET / HTTP/1.1\r\nhost: a\r\nx-n: caf\xe9')?.req.headers[1][1], 'caf\xe9');
});

test('parseHead hands over everything it does not parse strictly', () => {
  for (const head of [
    'POST / HTTP/1.1\r\nHost: a',
    'GET / HTTP/1.0\r\nHost: a',
    'GET http://a/ HTTP/1.1\r\nHost: a',
    'GET * HTTP/1.1\r\nHost: a',
    'get / HTTP/1.1\r\nHost: a',
    'GET  / HTTP/1.1\r\nHost: a',
    'GET /\u00e9 HTTP/1.1\r\nHost: a',
    'GET / HTTP/1.1',
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b',
    'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0',
    'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked',
    'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade',
    'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue',
    'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, x-other',
    'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded',
    'GET / HTTP/1.1\r\nHost: a\r\nBad Name: 1',
    'GET / HTTP/1.1\r\nHost: a\r\nX: a\nb',
    'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb',
    'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b',
    'GET / HTTP/1.1\r\nHost: a\r\n: empty name',
    '\r\nGET / HTTP/1.1\r\nHost: a',
    'GET / HTTP/1.1\r\nHost: a' + '\r\nX: 1'.repeat(MAX_HEADER_FIELDS),
  ]) {
    assert.equal(parseHead(head), undefined, JSON.stringify(head));
  }
});

test('parseHead: random heads never throw; anything taken is well-formed (property)', () => {
  const chars = fc.constantFrom(...'GETHOSPU /1.\r\n:\t\x00\x7fé\u0100ahcnx-'.split(''));
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 80 }).map((a) => a.join('')), (s) => {
      const p = parseHead(s);
      if (p !== undefined) {
        assert.match(s, /^(GET|HEAD) \/\S* HTTP\/1\.1\r\n/);
        assert.ok(!/[\x00\u0100-\uffff]/.test(p.req.target + p.req.headers.flat().join('')));
      }
    }),
    { numRuns: 3000 },
  );
});

test('parseHead round-trips random well-formed requests (property)', () => {
  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => !['host', 'content-length', 'transfer-encoding', 'upgrade', 'expect', 'connection', 'http2-settings', 'accept-encoding'].includes(n));
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  fc.assert(
    fc.property(
      fc.constantFrom('GET', 'HEAD'),
      fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/),
      value,
      fc.array(fc.tuple(token, value), { maxLength: 20 }),
      (method, target, host, fields) => {
        const head = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, ...fields.map(([n, v]) => `${n}:  ${v}\t`)].join('\r\n');
        const p = parseHead(head);
        assert.ok(p, head);
        assert.deepEqual(p.req, { method, target, host, headers: [['host', host], ...fields], acceptEncoding: undefined });
      },
    ),
  );
});

// --- over a real connection, with Node's server behind ---

const seen: string[] = [];
let l: Listening;
let failNext = false;

function route(req: FrontRequest): FrontResponse | undefined | Promise<FrontResponse | undefined> {
  seen.push(`front ${req.method} ${req.target}`);
  const text = (s: string): FrontResponse => ({ status: 200, headers: 'content-type: text/plain\r\n', body: Buffer.from(s) });
  if (req.target.startsWith('/sync/')) return text(`sync ${req.target.slice(6)}`);
  if (req.target.startsWith('/async/')) return new Promise((res) => setTimeout(() => res(text(`async ${req.target.slice(7)}`)), Math.random() * 5));
  if (req.target === '/big') return { status: 200, headers: '', body: Buffer.alloc(64 * 1024, 0x61) };
  if (req.target === '/empty') return { status: 204, headers: '', body: undefined };
  if (req.target === '/fail') return Promise.reject(new Error('boom'));
  if (req.target === '/slow') return new Promise((res) => setTimeout(() => res(text('slow')), 300));
  return undefined;
}

before(async () => {
  l = await listen(
    {
      front: (req) => (failNext ? Promise.reject(new Error('x')) : route(req)),
      listener: (req, res) => {
        let body = '';
        req.setEncoding('latin1');
        req.on('data', (d: string) => (body += d));
        req.on('end', () => {
          seen.push(`node ${req.method} ${req.url}`);
          res.setHeader('content-type', 'text/plain');
          res.end(`node ${req.method} ${req.url} ${body}`);
        });
      },
      idleMs: 300,
    },
    '127.0.0.1',
    0,
  );
});
after(() => l.stop(200));

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Parses consecutive HTTP/1.1 answers (content-length framed, or none for HEAD/204) out of `data`.
function parseAnswers(data: Buffer, heads: boolean[] = []): Answer[] {
  const out: Answer[] = [];
  let off = 0;
  while (off < data.length) {
    const end = data.indexOf('\r\n\r\n', off);
    if (end < 0) break;
    const lines = data.toString('latin1', off, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const status = Number(lines[0].split(' ')[1]);
    const head = heads[out.length] ?? false;
    // Without a length (and not chunked), the body runs to the end of the connection.
    const len = head || status === 204 ? 0 : Number(headers['content-length'] ?? (headers['transfer-encoding'] ? 0 : data.length - end - 4));
    out.push({ status, headers, body: data.toString('latin1', end + 4, end + 4 + len) });
    off = end + 4 + len;
  }
  return out;
}

// Sends `chunks` (with `gapMs` between them) on one connection and collects everything until the
// server closes it or `waitMs` passes without data.
function exchange(chunks: (string | Buffer)[], opts: { gapMs?: number; waitMs?: number } = {}): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(l.port, '127.0.0.1');
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(got), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), opts.waitMs ?? 150);
    };
    s.on('data', (d) => {
      got.push(d);
      arm();
    });
    s.on('end', () => finish(true));
    s.on('error', reject);
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      arm();
    });
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`;

test('pipelined requests, answered now or later, come back in order with Date and length', async () => {
  const paths = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `/async/${i}` : `/sync/${i}`));
  const { data } = await exchange([paths.map((p) => get(p)).join('')]);
  const answers = parseAnswers(data);
  assert.deepEqual(
    answers.map((a) => a.body),
    paths.map((p, i) => (p.startsWith('/async') ? `async ${i}` : `sync ${i}`)),
  );
  for (const a of answers) {
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/plain');
    assert.ok(!Number.isNaN(Date.parse(a.headers['date'])));
  }
});

test('a head arriving byte by byte is answered once it is complete', async () => {
  const { data } = await exchange([...get('/sync/slowly')].map((c) => Buffer.from(c, 'latin1')), { gapMs: 1 });
  assert.deepEqual(parseAnswers(data).map((a) => a.body), ['sync slowly']);
});

test('HEAD carries the length but no body; a 204 carries neither', async () => {
  const { data } = await exchange([`HEAD /sync/h HTTP/1.1\r\nHost: t\r\n\r\n` + get('/empty') + get('/sync/after')]);
  const answers = parseAnswers(data, [true]);
  assert.equal(answers[0].headers['content-length'], String('sync h'.length));
  assert.equal(answers[1].status, 204);
  assert.equal(answers[1].headers['content-length'], undefined);
  assert.equal(answers[2].body, 'sync after');
});

test('a request with a body mid-pipeline goes to Node with every later byte, in order', async () => {
  seen.length = 0;
  const post = 'POST /form HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello';
  const { data } = await exchange([get('/async/1') + get('/sync/2') + post + get('/sync/3') + get('/nothing')]);
  assert.deepEqual(
    parseAnswers(data).map((a) => a.body),
    ['async 1', 'sync 2', 'node POST /form hello', 'node GET /sync/3 ', 'node GET /nothing '],
  );
  // Once handed over, the connection stays with Node.
  assert.deepEqual(seen, ['front GET /async/1', 'front GET /sync/2', 'node POST /form', 'node GET /sync/3', 'node GET /nothing']);
});

test('a route that declines hands the connection over at that request', async () => {
  const { data } = await exchange([get('/sync/1') + get('/elsewhere') + get('/sync/2')]);
  assert.deepEqual(parseAnswers(data).map((a) => a.body), ['sync 1', 'node GET /elsewhere ', 'node GET /sync/2 ']);
});

test('smuggling attempts, HTTP/1.0, a missing Host and oversized heads are Node’s to refuse', async () => {
  const smuggle = 'GET /sync/a HTTP/1.1\r\nHost: t\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /sync/b HTTP/1.1\r\nHost: t\r\n\r\n';
  let answers = parseAnswers((await exchange([smuggle])).data);
  assert.equal(answers[0].status, 400);
  assert.ok(!answers.some((a) => a.body.startsWith('sync')));

  answers = parseAnswers((await exchange(['GET /sync/old HTTP/1.0\r\nHost: t\r\n\r\n'])).data);
  assert.equal(answers[0].body, 'node GET /sync/old ');

  answers = parseAnswers((await exchange(['GET /sync/x HTTP/1.1\r\n\r\n'])).data);
  assert.equal(answers[0].status, 400);

  answers = parseAnswers((await exchange([`GET /sync/x HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])).data);
  assert.equal(answers[0].status, 431);

  // A head that never ends within the limit: Node refuses it as soon as it is too long.
  answers = parseAnswers((await exchange([`GET /sync/x HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(17_000)}`])).data);
  assert.equal(answers[0].status, 431);
});

test('Connection: close is answered and then the connection ends', async () => {
  const { data, closed } = await exchange([get('/sync/1', 'Connection: close\r\n') + get('/sync/2')], { waitMs: 1000 });
  const answers = parseAnswers(data);
  assert.deepEqual(answers.map((a) => a.body), ['sync 1']);
  assert.equal(answers[0].headers['connection'], 'close');
  assert.equal(closed, true);
});

test('a failing route gets a 500 and the connection closes', async () => {
  const { data, closed } = await exchange([get('/fail') + get('/sync/never')], { waitMs: 1000 });
  const answers = parseAnswers(data);
  assert.equal(answers.length, 1);
  assert.equal(answers[0].status, 500);
  assert.equal(closed, true);
});

test('idle connections and silent half-sent heads are closed after the idle timeout', async () => {
  let r = await exchange([get('/sync/1')], { waitMs: 2000 });
  assert.equal(r.closed, true);
  assert.equal(parseAnswers(r.data).length, 1);
  r = await exchange(['GET /sync/1 HTTP/1.1\r\nHo'], { waitMs: 2000 });
  assert.equal(r.closed, true);
  assert.equal(r.data.length, 0);
});

test('a client that pipelines much and reads late gets every answer, in order', async () => {
  const n = 400;
  const s = connect(l.port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.pause();
  s.write(Array.from({ length: n }, () => get('/big')).join('') + get('/sync/last'));
  await new Promise((r) => setTimeout(r, 100));
  const got: Buffer[] = [];
  let size = 0;
  const want = n * (64 * 1024) + 'sync last'.length;
  await new Promise<void>((resolve) => {
    s.on('data', (d) => {
      got.push(d);
      size += d.length;
      if (size >= want) {
        const answers = parseAnswers(Buffer.concat(got));
        if (answers.length === n + 1) resolve();
      }
    });
    s.resume();
  });
  const answers = parseAnswers(Buffer.concat(got));
  assert.equal(answers.length, n + 1);
  assert.ok(answers.slice(0, n).every((a) => a.body.length === 64 * 1024));
  assert.equal(answers[n].body, 'sync last');
  s.destroy();
});

test('a graceful stop lets an answer in progress finish, with Connection: close', async () => {
  const other = await listen({ front: route, listener: (_q, r) => r.end() }, '127.0.0.1', 0);
  const s = connect(other.port, '127.0.0.1');
  const idle = connect(other.port, '127.0.0.1');
  await Promise.all([new Promise((r) => s.once('connect', r)), new Promise((r) => idle.once('connect', r))]);
  const got: Buffer[] = [];
  s.on('data', (d) => got.push(d));
  const ended = new Promise((r) => s.once('end', r));
  const idleEnded = new Promise((r) => idle.once('end', r));
  s.write(get('/slow'));
  await new Promise((r) => setTimeout(r, 50));
  const stopped = other.stop(2000);
  await idleEnded;
  await ended;
  await stopped;
  const answers = parseAnswers(Buffer.concat(got));
  assert.equal(answers[0].body, 'slow');
  assert.equal(answers[0].headers['connection'], 'close');
  s.destroy();
  idle.destroy();
});
