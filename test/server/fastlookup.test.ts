// Found lookups answered before the app: the same bytes and headers as the app's own answer,
// counted in the same metrics; every other lookup (not found, odd paths, queries, HEAD) reaches
// the app and gets its usual answer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { listen } from '../../src/server/listen.ts';
import type { Listening } from '../../src/server/listen.ts';
import { fastLookupName } from '../../src/server/fastlookup.ts';
import { HOSTILE_FILE, entry, logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';
import { httpRequest } from './support/http.ts';

let f: Fixture;
let l: Listening;
const files = manyEntries('fl', 300).map((e) => e.filename);
before(async () => {
  f = await logFixture();
  await f.append(manyEntries('fl', 300));
  await f.append([entry('hostile', '1.0', HOSTILE_FILE)]);
  l = await listen(f.parts.handler, '127.0.0.1', 0);
});
after(async () => {
  await l.stop(500);
  await f.close();
});

const HEADERS = ['content-type', 'cache-control', 'content-length', 'x-content-type-options', 'referrer-policy'];
const pick = (h: Record<string, unknown>) => Object.fromEntries(HEADERS.map((k) => [k, h[k]]));

test('a found file gets exactly the answer the app gives', async () => {
  for (const name of [files[0], files[150], files[299], HOSTILE_FILE]) {
    const path = '/lookup/' + encodeURIComponent(name);
    const fast = await httpRequest(l.url + path);
    // The app itself, without the fast path in front of it.
    const app = await f.parts.app.request(path);
    assert.equal(fast.status, 200, name);
    assert.equal(app.status, 200, name);
    assert.equal(fast.body.toString('utf8'), await app.text(), name);
    const appHeaders = Object.fromEntries(app.headers.entries());
    assert.deepEqual({ ...pick(fast.headers), 'content-length': undefined }, { ...pick(appHeaders), 'content-length': undefined }, name);
    assert.equal(Number(fast.headers['content-length']), fast.body.length);
    assert.equal(JSON.parse(fast.body.toString('utf8')).entry.filename, name);
  }
});

test('not found, bad encodings, queries, HEAD and other methods get the app’s answers', async () => {
  const missing = await httpRequest(`${l.url}/lookup/nothing-1.0.tar.gz`);
  assert.equal(missing.status, 404);
  assert.match(missing.body.toString(), /"error":"\\"nothing-1\.0\.tar\.gz\\" is not in the log"/);
  assert.equal((await httpRequest(`${l.url}/lookup/%E0%A4%A`)).status, 400);
  assert.equal((await httpRequest(`${l.url}/lookup/${'a'.repeat(1100)}`)).status, 400);
  const proof = await httpRequest(`${l.url}/lookup/${encodeURIComponent(files[3])}?format=proof`);
  assert.equal(proof.status, 200);
  assert.match(proof.headers['content-type'] ?? '', /^text\/plain/);
  assert.match(proof.body.toString(), /^c2sp\.org\/tlog-proof@v1\nindex 3\n/);
  const head = await httpRequest(`${l.url}/lookup/${encodeURIComponent(files[4])}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal((await httpRequest(`${l.url}/lookup/${encodeURIComponent(files[4])}`, { method: 'DELETE' })).status, 404);
  const bySha = await httpRequest(`${l.url}/lookup/sha256/${'0'.repeat(64)}`);
  assert.equal(bySha.status, 404);
});

test('fast answers are counted like the app counts them', async () => {
  const count = (text: string) => Number(/^distsum_http_requests_total\{route="\/lookup\/:filename",method="GET",code="200"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  const before = count((await httpRequest(`${l.url}/metrics`)).body.toString());
  for (let i = 0; i < 5; i++) await httpRequest(`${l.url}/lookup/${encodeURIComponent(files[i])}`);
  assert.equal(count((await httpRequest(`${l.url}/metrics`)).body.toString()) - before, 5);
});

test('fastLookupName takes only one plain, well-encoded segment without a query', () => {
  assert.equal(fastLookupName('/lookup/a-1.0.tar.gz'), 'a-1.0.tar.gz');
  assert.equal(fastLookupName('/lookup/caf%C3%A9-1.0.tar.gz'), 'café-1.0.tar.gz');
  for (const url of ['/lookup/', '/lookup/a/b', '/lookup/a?format=proof', '/lookup/a#x', '/lookup/%ZZ', '/lookup/sha256/ab', '/lookupx/a', '/tile/0/000', `/lookup/${'a'.repeat(1025)}`]) {
    assert.equal(fastLookupName(url), undefined, url);
  }
  // Property: any string either is refused or decodes to a name that round-trips through encoding.
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      const name = fastLookupName('/lookup/' + s);
      if (name === undefined) return;
      assert.ok(name.length > 0 && name.length <= 1024);
      assert.equal(fastLookupName('/lookup/' + encodeURIComponent(name)), name);
    }),
  );
});
