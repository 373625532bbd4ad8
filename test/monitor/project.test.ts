import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createIndexClient } from '../../src/index/client.ts';
import type { HttpFetch } from '../../src/index/http.ts';
import type { Entry } from '../../src/log/entry.ts';
import type { Digests } from '../../src/digest/multi.ts';
import { pollProject, type PollOptions } from '../../src/monitor/project.ts';
import { emptyProjectState, type ProjectState } from '../../src/monitor/state.ts';
import { fakeDigest } from './support/synthetic-index.ts';

type Answer = { status: number; type?: string; body?: string; headers?: Record<string, string> };

function client(routes: Record<string, Answer | (() => Answer)>, seen: { path: string; headers: Record<string, string> }[] = []) {
  const fetch: HttpFetch = async (req) => {
    seen.push({ path: req.url.pathname, headers: req.headers });
    const r = routes[req.url.pathname];
    const a: Answer = typeof r === 'function' ? r() : r ?? { status: 404, body: 'nope' };
    const headers: Record<string, string> = { 'content-type': a.type ?? 'text/plain', ...a.headers };
    return { status: a.status, header: (n) => headers[n.toLowerCase()], body: Readable.from(a.body ? [Buffer.from(a.body)] : []) };
  };
  return createIndexClient({ indexUrl: 'https://index.example/simple/', version: '0.0.0', fetch, jsonApi: true, backoff: { maxRetries: 0 } });
}

const OPTS: PollOptions = { verifyRate: 0, lateAfterMs: 14 * 86_400_000, useJsonApi: true, layouts: [] };
const html = (links: string) => ({ status: 200, type: 'text/html', body: `<html><body>${links}</body></html>`, headers: { etag: '"v2"' } });
const noneLogged = async () => new Map<string, Entry>();
const now = () => new Date('2025-06-01T00:00:00Z');

test('an unchanged page (304) keeps the state and clears a failure episode', async () => {
  const seen: { path: string; headers: Record<string, string> }[] = [];
  const c = client({ '/simple/demo/': { status: 304, headers: { etag: '"v1"' } } }, seen);
  const prev: ProjectState = { ...emptyProjectState(), etag: '"v1"', polled: 1, errorSince: 5 };
  prev.files.set('demo-1.0.tar.gz', '1.0');
  const r = await pollProject('demo', prev, { client: c, logged: noneLogged, now }, OPTS);
  assert.equal(r.kind, 'unchanged');
  assert.equal(seen[0].headers['if-none-match'], '"v1"');
  assert.equal(r.state.errorSince, undefined);
  assert.equal(r.state.polled, now().getTime());
  assert.deepEqual([...r.state.files], [['demo-1.0.tar.gz', '1.0']]);
});

test('a 404 page is an empty listing: every file seen before is removed', async () => {
  const prev: ProjectState = { ...emptyProjectState(), polled: 1 };
  prev.files.set('demo-1.0.tar.gz', '1.0');
  const r = await pollProject('demo', prev, { client: client({}), logged: noneLogged, now }, OPTS);
  assert.equal(r.kind, 'listed');
  if (r.kind !== 'listed') return;
  assert.equal(r.gone, true);
  assert.deepEqual(r.alerts.map((a) => [a.kind, a.filename, a.version]), [['file-removed', 'demo-1.0.tar.gz', '1.0']]);
  assert.equal(r.state.files.size, 0);
});

test('PEP 503 files: downloaded only when new or contradicting the log, logged with the bytes', async () => {
  const a = fakeDigest('a');
  const b = fakeDigest('b');
  const c = client({
    '/simple/demo/': html(
      `<a href="https://files.example/demo-1.0.tar.gz#sha256=${a}">demo-1.0.tar.gz</a>` +
        `<a href="https://files.example/demo-1.1.tar.gz#sha256=${b}">demo-1.1.tar.gz</a>` +
        `<a href="https://files.example/demo-1.2.tar.gz#sha256=${a}">demo-1.2.tar.gz</a>`,
    ),
  });
  const logged = new Map<string, Entry>([
    ['demo-1.0.tar.gz', { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', size: 3, sha256: a }],
    ['demo-1.1.tar.gz', { project: 'demo', version: '1.1', filename: 'demo-1.1.tar.gz', size: 3, sha256: a }],
  ]);
  const asked: string[] = [];
  const bytesOf: Record<string, Digests> = {
    'https://files.example/demo-1.1.tar.gz': { size: 4, sha256: b, blake2b_256: fakeDigest('b2 of b') },
    'https://files.example/demo-1.2.tar.gz': { size: 3, sha256: a, blake2b_256: fakeDigest('b2 of a') },
  };
  const r = await pollProject('demo', undefined, { client: c, logged: async () => logged, download: async (url) => (asked.push(url), bytesOf[url]), now }, OPTS);
  assert.equal(r.kind, 'listed');
  if (r.kind !== 'listed') return;
  // 1.0 is logged with the listed sha256: nothing to do. 1.1 contradicts the log: fetched, claimed
  // (the sequencer raises hash-changed). 1.2 is new: fetched to learn its size.
  assert.deepEqual(asked.sort(), ['https://files.example/demo-1.1.tar.gz', 'https://files.example/demo-1.2.tar.gz']);
  assert.deepEqual(
    r.claims.map((x) => x.entry),
    [
      { project: 'demo', version: '1.1', filename: 'demo-1.1.tar.gz', size: 4, sha256: b, blake2b256: fakeDigest('b2 of b') },
      { project: 'demo', version: '1.2', filename: 'demo-1.2.tar.gz', size: 3, sha256: a, blake2b256: fakeDigest('b2 of a') },
    ],
  );
  assert.equal(r.complete, true);
  assert.equal(r.state.etag, '"v2"');
  assert.equal(r.downloaded, 2);
});

test('a download that fails leaves the poll incomplete, without validators, so the next poll retries', async () => {
  const c = client({ '/simple/demo/': html(`<a href="https://files.example/demo-1.0.tar.gz#sha256=${fakeDigest('a')}">demo-1.0.tar.gz</a>`) });
  const r = await pollProject('demo', undefined, { client: c, logged: noneLogged, download: async () => Promise.reject(new Error('connection reset')), now }, OPTS);
  assert.equal(r.kind, 'listed');
  if (r.kind !== 'listed') return;
  assert.equal(r.complete, false);
  assert.deepEqual(r.problems, ['demo-1.0.tar.gz: connection reset']);
  assert.equal(r.state.etag, undefined);
  assert.equal(r.claims.length, 0);
});

test('with --verify-bytes, bytes that differ from the claim are an alert and no claim', async () => {
  const page = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: [{ filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', hashes: { sha256: fakeDigest('claimed') }, size: 3 }] });
  const c = client({ '/simple/demo/': { status: 200, type: 'application/vnd.pypi.simple.v1+json', body: page } });
  const served: Digests = { size: 3, sha256: fakeDigest('served'), blake2b_256: fakeDigest('served b2') };
  const r = await pollProject('demo', undefined, { client: c, logged: noneLogged, download: async () => served, now }, { ...OPTS, verifyRate: 1 });
  assert.equal(r.kind, 'listed');
  if (r.kind !== 'listed') return;
  assert.equal(r.claims.length, 0);
  assert.deepEqual(r.alerts.map((a) => [a.kind, a.severity, a.details.against]), [['digest-mismatch', 'critical', 'bytes']]);
  // Bytes that agree: logged with their BLAKE2b-256, which the page did not give.
  const ok = await pollProject('demo', undefined, { client: c, logged: noneLogged, download: async () => ({ ...served, sha256: fakeDigest('claimed') }), now }, { ...OPTS, verifyRate: 1 });
  assert.equal(ok.kind === 'listed' && ok.claims[0].entry.blake2b256, fakeDigest('served b2'));
});

test('a release the log cannot record (invisible characters in its version) is a problem, not a claim', async () => {
  const file = { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', hashes: { sha256: fakeDigest('a') }, size: 3 };
  const c = client({
    '/simple/demo/': { status: 200, type: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: [file] }) },
    '/pypi/demo/1.0/json': {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ info: { name: 'demo', version: '1.0\u200b' }, urls: [{ filename: file.filename, url: file.url, digests: file.hashes, size: 3 }] }),
    },
  });
  const r = await pollProject('demo', undefined, { client: c, logged: noneLogged, now }, OPTS);
  assert.equal(r.kind, 'listed');
  if (r.kind !== 'listed') return;
  assert.equal(r.claims.length, 0);
  assert.equal(r.complete, false);
  assert.match(r.problems[0], /demo-1\.0\.tar\.gz: cannot be logged: version/);
});

test('new files in a few releases are described by per-release JSON API documents', async () => {
  const seen: { path: string; headers: Record<string, string> }[] = [];
  const file = (v: string) => ({ filename: `demo-${v}.tar.gz`, url: `https://files.example/demo-${v}.tar.gz`, hashes: { sha256: fakeDigest(v) }, size: 3 });
  const files = ['1.0', '1.1'].map(file);
  const c = client({ '/simple/demo/': { status: 200, type: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files }) } }, seen);
  await pollProject('demo', undefined, { client: c, logged: noneLogged, now }, OPTS);
  assert.deepEqual(seen.map((s) => s.path), ['/simple/demo/', '/pypi/demo/1.0/json', '/pypi/demo/1.1/json']);
  const many = ['1.0', '1.1', '1.2', '1.3'].map(file);
  const seen2: typeof seen = [];
  const c2 = client({ '/simple/demo/': { status: 200, type: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: many }) } }, seen2);
  await pollProject('demo', undefined, { client: c2, logged: noneLogged, now }, OPTS);
  assert.deepEqual(seen2.map((s) => s.path), ['/simple/demo/', '/pypi/demo/json']);
});

test('which files are logged is asked only where it changes the outcome; a first sight of a complete page claims every file', async () => {
  const a = fakeDigest('a');
  const b = fakeDigest('b');
  const files = [
    { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', hashes: { sha256: a }, size: 10 },
    { filename: 'demo-1.1.tar.gz', url: 'https://files.example/demo-1.1.tar.gz', hashes: { sha256: b }, size: 11 },
  ];
  const page = (fs: unknown[]) => ({ status: 200, type: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: fs }) });
  const noJson: PollOptions = { ...OPTS, useJsonApi: false };
  // demo-1.0 is logged with other digests: its claim must reach the sequencer (hash-changed) either way.
  const other: Entry = { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', size: 10, sha256: fakeDigest('other') };
  let asked = 0;
  const logged = async (names: string[]) => (asked++, new Map(names.includes(other.filename) ? [[other.filename, other]] : []));
  const download = async (): Promise<Digests> => ({ size: 10, sha256: a, blake2b_256: fakeDigest('a2') });
  const poll = (prev: ProjectState | undefined, opts: PollOptions, fs: unknown[] = files) => pollProject('demo', prev, { client: client({ '/simple/demo/': page(fs) }), logged, download, now }, opts);

  const first = await poll(undefined, noJson);
  assert.equal(asked, 0);
  assert.ok(first.kind === 'listed');
  assert.deepEqual(first.claims.map((c) => [c.entry.filename, c.entry.sha256]), [['demo-1.0.tar.gz', a], ['demo-1.1.tar.gz', b]]);

  // A baseline (late files), the JSON API, a verification sample, a page without a size: each asks.
  const baseline: ProjectState = { ...emptyProjectState(), polled: 1 };
  await poll(baseline, noJson);
  await poll(undefined, OPTS);
  await poll(undefined, { ...noJson, verifyRate: 1 });
  const { size: _, ...sizeless } = files[0];
  await poll(undefined, noJson, [sizeless, files[1]]);
  assert.equal(asked, 4);
});

test('claims keep page order whichever downloads finish first, mixed with files claimed from the page alone', async () => {
  const d = (v: string) => fakeDigest(v);
  const files = [
    // No size: downloaded; its download finishes last.
    { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', hashes: { sha256: d('1.0') } },
    { filename: 'demo-1.1.tar.gz', url: 'https://files.example/demo-1.1.tar.gz', hashes: { sha256: d('1.1') }, size: 11 },
    { filename: 'demo-1.2.tar.gz', url: 'https://files.example/demo-1.2.tar.gz', hashes: { sha256: d('1.2') } },
  ];
  const c = client({ '/simple/demo/': { status: 200, type: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files }) } });
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const finished: string[] = [];
  const download = async (url: string): Promise<Digests> => {
    const v = url.slice(-10, -7);
    if (v === '1.0') await slow;
    else setImmediate(release);
    finished.push(v);
    return { size: 10, sha256: d(v), blake2b_256: d(`b2 ${v}`) };
  };
  const r = await pollProject('demo', undefined, { client: c, logged: noneLogged, download, now }, { ...OPTS, useJsonApi: false });
  assert.ok(r.kind === 'listed');
  assert.deepEqual(finished, ['1.2', '1.0']);
  assert.deepEqual(
    r.claims.map((x) => [x.entry.filename, x.entry.size, x.entry.blake2b256]),
    [
      ['demo-1.0.tar.gz', 10, d('b2 1.0')],
      ['demo-1.1.tar.gz', 11, undefined],
      ['demo-1.2.tar.gz', 10, d('b2 1.2')],
    ],
  );
  assert.equal(r.downloaded, 2);
  assert.equal(r.complete, true);
});
