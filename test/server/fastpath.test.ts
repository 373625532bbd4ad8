// Cached tiles answered before the app: the same bytes and headers as the app's answer, counted
// in the same metrics; everything else reaches the app unchanged.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { listen } from '../../src/server/listen.ts';
import type { Listening } from '../../src/server/listen.ts';
import { logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';
import { httpRequest } from './support/http.ts';

let f: Fixture;
let l: Listening;
before(async () => {
  f = await logFixture();
  await f.append(manyEntries('fp', 300));
  l = await listen(f.parts.handler, '127.0.0.1', 0);
});
after(async () => {
  await l.stop(500);
  await f.close();
});

const HEADERS = ['content-type', 'cache-control', 'content-length', 'content-encoding', 'vary', 'x-content-type-options', 'referrer-policy'];
const pick = (h: Record<string, unknown>) => Object.fromEntries(HEADERS.map((k) => [k, h[k]]));

test('a hit answers exactly like the app did on the miss', async () => {
  for (const [path, headers] of [
    ['/tile/0/000', {}],
    ['/tile/0/001.p/44', {}],
    ['/tile/entries/000', {}],
    ['/tile/entries/000', { 'accept-encoding': 'gzip' }],
    ['/tile/entries/001.p/44', { 'accept-encoding': 'gzip, br' }],
  ] as const) {
    const before = f.parts.cache.stats().hits;
    const miss = await httpRequest(l.url + path, { headers });
    const hit = await httpRequest(l.url + path, { headers });
    assert.equal(miss.status, 200, path);
    assert.deepEqual(hit.body, miss.body, path);
    assert.deepEqual(pick(hit.headers), pick(miss.headers), path);
    assert.ok(f.parts.cache.stats().hits > before, `${path} was served from memory`);
    if (headers['accept-encoding' as keyof typeof headers]) {
      assert.equal(hit.headers['content-encoding'], 'gzip');
      assert.ok(gunzipSync(hit.body).length > hit.body.length);
    }
  }
});

test('HEAD hits carry the length but no body; other paths and methods reach the app', async () => {
  await httpRequest(`${l.url}/tile/0/000`);
  const head = await httpRequest(`${l.url}/tile/0/000`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(256 * 32));
  assert.equal(head.body.length, 0);
  assert.equal((await httpRequest(`${l.url}/tile/0/0`)).status, 400);
  assert.equal((await httpRequest(`${l.url}/tile/0/000?x=1`)).status, 200);
  assert.equal((await httpRequest(`${l.url}/tile/0/000`, { method: 'POST' })).status, 404);
});

test('fast answers are counted like the app counts them', async () => {
  const count = (text: string) => Number(/^distsum_http_requests_total\{route="\/tile\/\*",method="GET",code="200"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  const before = count((await httpRequest(`${l.url}/metrics`)).body.toString());
  for (let i = 0; i < 5; i++) await httpRequest(`${l.url}/tile/0/000`);
  assert.equal(count((await httpRequest(`${l.url}/metrics`)).body.toString()) - before, 5);
});
