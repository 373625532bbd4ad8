// GET /checkpoint and the C2SP tile routes through the application: canonical paths only (400),
// tiles beyond the tree 404, partial tiles as prefixes of what is stored, cache headers, gzip.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { openCheckpoint } from '../../../src/tlog/checkpoint.ts';
import { newVerifier } from '../../../src/tlog/note.ts';
import { loadVector } from '../../tlog/testlog.ts';
import { ORIGIN, logFixture, manyEntries } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';

let f: Fixture;
const SIZE = 600; // level 0: two full tiles and 002.p/88; level 1: 000.p/2

before(async () => {
  f = await logFixture();
  await f.append(manyEntries('pkg', SIZE));
});
after(() => f.close());

const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer());
const leaf = (e: Uint8Array) => createHash('sha256').update(Buffer.from([0])).update(e).digest();

test('GET /checkpoint: the signed note, short cache, verifiable with the log key', async () => {
  const r = await f.request('/checkpoint');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'public, max-age=5');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  const note = await bytes(r);
  const { checkpoint } = openCheckpoint(note, ORIGIN, newVerifier(f.open.info.verifierKey));
  assert.equal(checkpoint.size, SIZE);
});

test('full tiles are immutable; their hashes are the leaf hashes of the served entries', async () => {
  const r = await f.request('/tile/0/001');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/octet-stream');
  assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const tile = await bytes(r);
  assert.equal(tile.length, 256 * 32);
  const bundle = await bytes(await f.request('/tile/entries/001'));
  let off = 0;
  for (let k = 0; k < 256; k++) {
    const len = (bundle[off] << 8) | bundle[off + 1];
    assert.deepEqual(tile.subarray(k * 32, k * 32 + 32), new Uint8Array(leaf(bundle.subarray(off + 2, off + 2 + len))), `hash ${k}`);
    off += 2 + len;
  }
  assert.equal(off, bundle.length);
});

test('partial tiles: the current width, and any narrower width as a prefix', async () => {
  const r = await f.request('/tile/0/002.p/88');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'public, max-age=60');
  const full = await bytes(r);
  assert.equal(full.length, 88 * 32);
  const narrow = await bytes(await f.request('/tile/0/002.p/10'));
  assert.deepEqual(narrow, full.subarray(0, 10 * 32));
  assert.equal((await bytes(await f.request('/tile/1/000.p/2'))).length, 64);
  // A width the tree does not have yet, the full tile, the next tile, a level above: not there.
  for (const p of ['/tile/0/002.p/89', '/tile/0/002', '/tile/0/003.p/1', '/tile/1/000', '/tile/1/000.p/3', '/tile/2/000.p/1', '/tile/entries/002', '/tile/entries/003.p/1']) {
    const x = await f.request(p);
    assert.equal(x.status, 404, p);
    assert.equal(x.headers.get('content-type'), 'text/plain; charset=UTF-8');
  }
});

test('entry bundles: gzip when accepted, plain otherwise, narrower widths as prefixes', async () => {
  const plain = await f.request('/tile/entries/000');
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
  const body = await bytes(plain);
  const gz = await f.request('/tile/entries/000', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  // app.request does not decode; the raw bytes are a gzip stream of the plain bundle.
  assert.deepEqual(new Uint8Array(gunzipSync(await bytes(gz))), body);
  const three = await bytes(await f.request('/tile/entries/002.p/3'));
  const all = await bytes(await f.request('/tile/entries/002.p/88'));
  assert.deepEqual(three, all.subarray(0, three.length));
  const text = new TextDecoder().decode(three);
  assert.equal(text.split('\n').length - 1, 3);
});

test('HEAD answers like GET without a body', async () => {
  const r = await f.request('/tile/0/000', { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal((await bytes(r)).length, 0);
});

test('non-canonical or impossible tile paths are 400', async () => {
  for (const p of [
    '/tile/0/0',
    '/tile/0/0000',
    '/tile/0/x000/001',
    '/tile/0/000.p/256',
    '/tile/0/000.p/0',
    '/tile/0/000.p/01',
    '/tile/0/000.p/',
    '/tile/00/000',
    '/tile/64/000',
    '/tile/-1/000',
    '/tile/entries/abc',
    '/tile/0/000/',
    '/tile/0/%30%30%30',
    '/tile/0/x001/x002/x003/x004/x005/x006/000',
    '/tile/entries',
    '/tile/' + 'x001/'.repeat(30) + '000',
  ]) {
    const r = await f.request(p);
    assert.equal(r.status, 400, p);
    assert.match(await r.text(), /bad tile path/, p);
  }
});

test("the vectors' path examples are canonical: 200 inside this tree, 404 beyond it, never 400", async () => {
  const examples = loadVector<{ path_examples: { level: number; index: number; width: number; path: string }[] }>('tlog/tiles.json').path_examples;
  for (const ex of examples) {
    const r = await f.request('/' + ex.path);
    const inTree = ex.level === 0 && ex.index < 2 && ex.width === 256;
    assert.equal(r.status, inTree ? 200 : 404, ex.path);
  }
});
