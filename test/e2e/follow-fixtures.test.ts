// The follower on what pypi.org really served: the responses in ../shared/fixtures/pypi (PEP 691
// JSON, PEP 503 HTML, JSON API), served byte for byte by a small local index at the endpoints
// pypi.org served them from. Expected digests are read from the fixtures with JSON.parse and
// regular expressions here, never through the code under test. files.pythonhosted.org is never
// contacted: an injected transport answers for it (from the real wheels in fixtures/dists).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { nodeHttpFetch, type HttpFetch } from '../../src/index/http.ts';
import { startIndexServer } from '../support/index-server.ts';
import { allAlerts, allEntries, followOnce, newDataDir, ofKind, testConfig } from '../monitor/support/log.ts';

const FIX = join(import.meta.dirname, '../../../shared/fixtures');
const read = (p: string) => readFileSync(join(FIX, p));

// Endpoint -> [fixture, content type], as pypi.org served them.
const PAGES: Record<string, [string, string]> = {
  '/simple/wheel/': ['pypi/simple-json/wheel.v1.1.json', 'application/vnd.pypi.simple.v1+json'],
  '/simple/poetry-core/': ['pypi/simple-json/poetry-core.v1.x-stubbed.json', 'application/vnd.pypi.simple.v1+json'],
  '/simple/black/': ['pypi/simple-html/black.html', 'text/html'],
  '/simple/futures/': ['pypi/simple-html/futures-partial-yank.html', 'text/html'],
  '/simple/ipython/': ['pypi/simple-html/ipython.html', 'text/html'],
  '/simple/isort/': ['pypi/simple-html/isort.html', 'text/html'],
  '/simple/pytest/': ['pypi/simple-html/pytest.html', 'text/html'],
  '/pypi/wheel/0.40.0/json': ['pypi/json-api/wheel-0.40.0.json', 'application/json'],
  '/pypi/poetry-core/1.5.0/json': ['pypi/json-api/poetry-core-1.5.0.json', 'application/json'],
};

async function fixtureIndex(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/simple/') {
      const projects = Object.keys(PAGES)
        .filter((p) => p.startsWith('/simple/'))
        .map((p) => ({ name: p.split('/')[2] }));
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
      res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, projects }));
      return;
    }
    const hit = PAGES[path];
    if (!hit) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': hit[1] });
    res.end(read(hit[0]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
}

// A transport: the local index through node:http; files.pythonhosted.org answered by `files`.
function withFakePythonhosted(files: (path: string) => Buffer | undefined, asked: string[]): HttpFetch {
  const real = nodeHttpFetch();
  return async (req) => {
    if (req.url.hostname !== 'files.pythonhosted.org') return real(req);
    asked.push(req.url.href);
    const body = files(req.url.pathname);
    return {
      status: body ? 200 : 404,
      header: (n) => (n.toLowerCase() === 'content-length' ? String(body?.length ?? 0) : undefined),
      body: Readable.from(body ? [body] : []),
    };
  };
}

interface SimpleFixtureFile {
  filename: string;
  url: string;
  hashes: Record<string, string>;
  size: number;
}

test('the log holds exactly the digests pypi.org recorded; where the index contradicts itself, an alert', async (t) => {
  const simple = await fixtureIndex(t);
  const dir = await newDataDir(t);
  const asked: string[] = [];
  await followOnce(dir, testConfig(simple, { useJsonApi: true, digestHosts: undefined }), {
    clientOptions: { fetch: withFakePythonhosted(() => undefined, asked), backoff: { maxRetries: 0 } },
  });
  const entries = await allEntries(dir);
  const byName = new Map(entries.map((e) => [e.filename, e]));

  // wheel 0.40.0: sizes and sha256 from the PEP 691 page; BLAKE2b-256 from the JSON API, which
  // must also be the digest in the file's URL.
  const wheelPage = JSON.parse(read('pypi/simple-json/wheel.v1.1.json').toString()) as { files: SimpleFixtureFile[] };
  const wheelApi = JSON.parse(read('pypi/json-api/wheel-0.40.0.json').toString()) as { urls: { filename: string; digests: Record<string, string>; size: number }[] };
  for (const f of wheelPage.files) {
    const api = wheelApi.urls.find((u) => u.filename === f.filename)!;
    const urlDigest = /\/packages\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{60})\//.exec(f.url)!.slice(1).join('');
    assert.equal(api.digests.blake2b_256, urlDigest);
    assert.deepEqual(byName.get(f.filename), { project: 'wheel', version: '0.40.0', filename: f.filename, size: f.size, sha256: f.hashes.sha256, blake2b256: api.digests.blake2b_256 });
    assert.equal(api.digests.sha256, f.hashes.sha256);
    assert.equal(api.size, f.size);
  }

  // poetry-core: the wheels' digests are genuine; the 1.5.0 sdist's sha256 on this page is a
  // placeholder poetry substituted, and the JSON API (genuine) contradicts it: not logged, alerted.
  const pcPage = JSON.parse(read('pypi/simple-json/poetry-core.v1.x-stubbed.json').toString()) as { files: SimpleFixtureFile[] };
  const pcApi = JSON.parse(read('pypi/json-api/poetry-core-1.5.0.json').toString()) as { urls: { filename: string; digests: Record<string, string> }[] };
  const pcWheel = pcPage.files.find((f) => f.filename === 'poetry_core-1.5.0-py3-none-any.whl')!;
  assert.deepEqual(byName.get(pcWheel.filename), {
    project: 'poetry-core',
    version: '1.5.0',
    filename: pcWheel.filename,
    size: pcWheel.size,
    sha256: pcApi.urls.find((u) => u.filename === pcWheel.filename)!.digests.sha256,
    blake2b256: pcApi.urls.find((u) => u.filename === pcWheel.filename)!.digests.blake2b_256,
  });
  assert.equal(byName.has('poetry_core-1.5.0.tar.gz'), false);
  const mm = ofKind(await allAlerts(dir), 'digest-mismatch');
  assert.deepEqual(mm.map((a) => [a.filename, a.details.against]), [['poetry_core-1.5.0.tar.gz', 'json-api']]);
  const sdistApi = pcApi.urls.find((u) => u.filename === 'poetry_core-1.5.0.tar.gz')!;
  assert.equal((mm[0].details.found as { sha256: string }).sha256, sdistApi.digests.sha256);
  assert.equal((mm[0].details.claimed as { sha256: string }).sha256, pcPage.files.find((f) => f.filename === 'poetry_core-1.5.0.tar.gz')!.hashes.sha256);
  // 2.1.3 has no JSON API document here: the page alone, BLAKE2b-256 from the URL.
  for (const f of pcPage.files.filter((x) => x.filename.includes('2.1.3'))) {
    const urlDigest = /\/packages\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{60})\//.exec(f.url)!.slice(1).join('');
    assert.deepEqual(byName.get(f.filename), { project: 'poetry-core', version: '2.1.3', filename: f.filename, size: f.size, sha256: f.hashes.sha256, blake2b256: urlDigest });
  }

  // PEP 503 HTML pages give no size (and some only an md5): every file must be downloaded from the URL the page gives;
  // the transport has none of them, so nothing of these projects is logged and each is an error.
  const htmlHrefs = ['black', 'futures-partial-yank', 'ipython', 'isort', 'pytest'].flatMap((n) =>
    [...read(`pypi/simple-html/${n}.html`).toString().matchAll(/href="([^"#]+)#(?:sha256|md5)=[0-9a-f]+"/g)].map((m) => m[1]),
  );
  assert.deepEqual([...asked].sort(), [...htmlHrefs].sort());
  for (const p of ['black', 'futures', 'ipython', 'isort', 'pytest']) assert.equal(entries.filter((e) => e.project === p).length, 0, p);
  assert.deepEqual(ofKind(await allAlerts(dir), 'follow-error').map((a) => a.project).sort(), ['black', 'futures', 'ipython', 'isort', 'pytest']);
  assert.equal(entries.length, 2 + 1 + 2);
});

test('bytes that differ from what a PEP 503 page claims are a digest-mismatch, not an entry', async (t) => {
  const simple = await fixtureIndex(t);
  const dir = await newDataDir(t);
  // files.pythonhosted.org answers every isort file with a real wheel of another project.
  const other = read('dists/wheel-0.40.0-py3-none-any.whl');
  await followOnce(dir, testConfig(simple, { projects: ['isort'], digestHosts: undefined }), {
    clientOptions: { fetch: withFakePythonhosted(() => other, []) },
  });
  assert.equal((await allEntries(dir)).length, 0);
  const mm = ofKind(await allAlerts(dir), 'digest-mismatch');
  assert.equal(mm.length, 3);
  for (const a of mm) {
    assert.equal(a.details.against, 'bytes');
    assert.equal((a.details.found as { size: number }).size, other.length);
  }
  const claimed = [...read('pypi/simple-html/isort.html').toString().matchAll(/#sha256=([0-9a-f]{64})/g)].map((m) => m[1]).sort();
  assert.deepEqual(mm.map((a) => (a.details.claimed as { sha256: string }).sha256).sort(), claimed);
});

test('a PEP 503 index: files are downloaded to learn their size, and logged with the digests of their bytes', async (t) => {
  const idx = await startIndexServer();
  t.after(() => idx.close());
  const wheel = join(FIX, 'dists/wheel-0.40.0-py3-none-any.whl');
  await idx.addFile({ path: wheel, project: 'wheel', version: '0.40.0' });
  // The stand-in answers PEP 503 HTML to a client that prefers it.
  const real = nodeHttpFetch();
  const htmlOnly: HttpFetch = (req) => real({ ...req, headers: { ...req.headers, accept: req.headers.accept?.startsWith('application/vnd.pypi') ? 'text/html' : req.headers.accept ?? '*/*' } });
  const dir = await newDataDir(t);
  const r = await followOnce(dir, testConfig(`${idx.origin}/simple/`), { clientOptions: { fetch: htmlOnly } });
  assert.equal(r.status.downloaded, 1);
  const stored = idx.files[0];
  assert.deepEqual(await allEntries(dir), [{ project: 'wheel', version: '0.40.0', filename: stored.filename, size: stored.size, sha256: stored.sha256, blake2b256: stored.blake2b_256 }]);
  assert.ok(idx.requests.some((q) => q.path === '/simple/wheel/' && q.status === 200 && /text\/html/.test(String(q.headers.accept))));
});
