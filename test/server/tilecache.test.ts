// The tile cache over a real log: values by canonical path, "not yet" never cached, one read per
// concurrent miss, gzip of bundles, bounded memory.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { tileCache } from '../../src/server/tilecache.ts';
import type { LogReader } from '../../src/log/log.ts';
import { logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

let f: Fixture;
before(async () => {
  f = await logFixture();
  await f.append(manyEntries('c', 260));
});
after(() => f.close());

function counting(r: LogReader) {
  const counts = { tile: 0, bundle: 0 };
  const reader = {
    ...r,
    tile: (l: number, n: number, w: number) => (counts.tile++, r.tile(l, n, w)),
    entryBundle: (n: number, w: number) => (counts.bundle++, r.entryBundle(n, w)),
  };
  return { reader: reader as LogReader, counts };
}

test('reads once, then serves by canonical path; peek never reads', async () => {
  const { reader, counts } = counting(f.open.reader);
  const c = tileCache(reader, 1 << 20);
  assert.equal(c.peek('tile/0/000', false), undefined);
  const [a, b] = await Promise.all([c.hashTile(0, 0, 256), c.hashTile(0, 0, 256)]);
  assert.equal(counts.tile, 1);
  assert.deepEqual(a, b);
  assert.deepEqual(c.peek('tile/0/000', true), a);
  assert.deepEqual(await c.hashTile(0, 0, 256), await f.open.reader.tile(0, 0, 256));
  assert.equal(counts.tile, 1); // the cached value; the comparison read the store directly
  assert.equal(c.stats().items, 1);
});

test('"not in the tree yet" is not remembered', async () => {
  const { reader, counts } = counting(f.open.reader);
  const c = tileCache(reader, 1 << 20);
  assert.equal(await c.hashTile(0, 1, 5), undefined);
  await f.append(manyEntries('c', 1, 260));
  assert.equal((await c.hashTile(0, 1, 5))!.length, 5 * 32);
  assert.equal(counts.tile, 2);
});

test('gzip bundles decompress to the plain bundle; trees come from the tile', async () => {
  const c = tileCache(f.open.reader, 1 << 20);
  const plain = (await c.entryBundle(0, 256, false))!;
  const gz = (await c.entryBundle(0, 256, true))!;
  assert.deepEqual(new Uint8Array(gunzipSync(gz)), plain);
  assert.ok(gz.length < plain.length);
  assert.deepEqual(c.peek('tile/entries/000', true), gz);
  assert.deepEqual(c.peek('tile/entries/000', false), plain);
  const tree = (await c.tileTree(0, 0, 256))!;
  assert.deepEqual(tree[0], await c.hashTile(0, 0, 256));
  assert.deepEqual(c.peekTree(0, 0, 256), tree);
});

test('memory stays within the bound', async () => {
  const c = tileCache(f.open.reader, 10_000);
  await c.hashTile(0, 0, 256); // 8192 bytes
  await c.hashTile(0, 0, 100); // 3200 more: the first goes
  assert.ok(c.stats().bytes <= 10_000);
  assert.equal(c.peek('tile/0/000', false), undefined);
  assert.equal(c.peek('tile/0/000.p/100', false)!.length, 3200);
});

test('derived values: kept within the bound in their own key spaces, never handed out as tiles or trees', async () => {
  const { reader, counts } = counting(f.open.reader);
  const c = tileCache(reader, 20_000);
  assert.equal(c.derived('offsets', 3), undefined);
  const v = new Uint32Array(4);
  c.keepDerived('offsets', 3, v, 4000);
  assert.equal(c.derived('offsets', 3), v);
  assert.equal(c.stats().bytes, 4000);
  // Each kind has its own keys: the same number or text under another kind is another value.
  assert.equal(c.derived('parts', 3), undefined);
  c.keepDerived('parts', 3, 'p3', 10);
  c.keepDerived('fold', '3', 'f3', 10);
  c.keepDerived('logged', '3', 'l3', 10);
  assert.deepEqual(['offsets', 'parts', 'fold', 'logged'].map((k) => c.derived(k as 'parts', k === 'fold' || k === 'logged' ? '3' : 3)), [v, 'p3', 'f3', 'l3']);
  // Names that look like tile paths, and numbers that would be tree keys, stay derived values.
  c.keepDerived('logged', 'tile/0/000', new Uint8Array(8192), 100);
  c.keepDerived('fold', 'tile/0/000', new Uint8Array(8192), 100);
  for (let k = 0; k < 64; k++) c.keepDerived('tail', k, [new Uint8Array(32)], 10);
  assert.equal(c.derived('logged', 'tile/0/000'), undefined, 'a name with a slash is never kept');
  assert.equal(c.peek('tile/0/000', false), undefined);
  assert.equal(c.peekTree(0, 0, 256), undefined);
  assert.deepEqual(counts, { tile: 0, bundle: 0 });
  // Keys outside the numeric range are not kept.
  c.keepDerived('parts', 2 ** 44, 'big', 10);
  c.keepDerived('parts', -1, 'neg', 10);
  c.keepDerived('parts', 1.5, 'frac', 10);
  assert.deepEqual([c.derived('parts', 2 ** 44), c.derived('parts', -1), c.derived('parts', 1.5)], [undefined, undefined, undefined]);
  // Tile data reads the store as usual next to them, and its tree is not a derived value's.
  assert.equal((await c.hashTile(0, 0, 256))!.length, 8192);
  assert.equal((await c.tileTree(0, 0, 256))!.length, 9);
  assert.ok(Array.isArray(c.peekTree(0, 0, 256)));
  assert.equal(c.peekTree(0, 0, 256)![0].length, 8192);
  assert.ok(c.stats().bytes <= 20_000);
  // More than fits: older values go, and a value larger than the bound is not kept.
  c.keepDerived('parts', 9, 'y', 19_000);
  assert.ok(c.stats().bytes <= 20_000);
  assert.equal(c.derived('parts', 9), 'y');
  c.keepDerived('parts', 10, 'h', 20_001);
  assert.equal(c.derived('parts', 10), undefined);
});
