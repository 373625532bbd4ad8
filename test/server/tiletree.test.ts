// Node hashes inside a tile, checked against the vectors' tiles and tlog's own tileHash/hashFromTile
// (a separate implementation of the same subtree hashing).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildTileTree, hashFromTileTree, tileTreeBytes } from '../../src/server/tiletree.ts';
import { hashFromTile, tileHash } from '../../src/tlog/tile.ts';
import { storedHashIndex } from '../../src/tlog/stored.ts';
import { b64, loadVector } from '../tlog/testlog.ts';

const tiles = loadVector<{ tile_contents: { path: string; content_base64: string }[]; tiles_70000: { path: string; level: number }[] }>('tlog/tiles.json');
const roots = loadVector<{ roots: { size: number; root: string }[] }>('tlog/tree-hashes.json').roots;

test('the tree of tile/0/000 has the root of the first 256 records (vectors)', () => {
  const data = b64(tiles.tile_contents.find((t) => t.path === 'tile/0/000')!.content_base64);
  const tree = buildTileTree(data);
  assert.equal(tree.length, 9);
  assert.deepEqual(tree.map((h) => h.length / 32), [256, 128, 64, 32, 16, 8, 4, 2, 1]);
  const root256 = roots.find((r) => r.size === 256)!.root;
  assert.equal(Buffer.from(tree[8]).toString('base64'), root256);
  // The root of the first 128 records is node 0 at height 7.
  assert.equal(Buffer.from(hashFromTileTree({ level: 0, n: 0, width: 256 }, tree, storedHashIndex(7, 0))!).toString('base64'), roots.find((r) => r.size === 128)!.root);
  assert.equal(tileTreeBytes(tree), 511 * 32);
});

test('every hash a partial vector tile holds matches tlog hashFromTile', () => {
  for (const { path, content_base64 } of tiles.tile_contents) {
    const m = /^tile\/(\d+)\/(\d+)(?:\.p\/(\d+))?$/.exec(path)!;
    const t = { level: Number(m[1]), n: Number(m[2]), width: m[3] === undefined ? 256 : Number(m[3]) };
    const data = b64(content_base64);
    const tree = buildTileTree(data);
    // Heights 0..7 (a full tile's root, height 8, is stored in the tile above it).
    for (let h = 0; h < 8; h++) {
      for (let k = 0; (k + 1) * 2 ** h <= t.width; k++) {
        const index = storedHashIndex(8 * t.level + h, t.n * (256 >> h) + k);
        assert.deepEqual(hashFromTileTree(t, tree, index), hashFromTile(t, data, index), `${path} height ${h} node ${k}`);
      }
    }
  }
});

test('random tile data: each complete node equals tileHash of its run; hashes outside the tile are undefined', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), (width, n, level) => {
      const data = new Uint8Array(width * 32).map((_, i) => (i * 31 + width) & 0xff);
      const t = { level, n, width };
      const tree = buildTileTree(data);
      for (let h = 0; h <= 8; h++) {
        const k = Math.floor(width / 2 ** h) - 1;
        if (k < 0) continue;
        const want = tileHash(data.subarray(k * 2 ** h * 32, (k + 1) * 2 ** h * 32));
        assert.deepEqual(hashFromTileTree(t, tree, storedHashIndex(8 * level + h, n * (256 >> h) + k)), want);
      }
      // The next tile's first hash, and a hash of another level, are not in this tile.
      assert.equal(hashFromTileTree(t, tree, storedHashIndex(8 * level, (n + 1) * 256)), undefined);
      assert.equal(hashFromTileTree(t, tree, storedHashIndex(8 * level + 9, 0)), undefined);
      if (width < 256) assert.equal(hashFromTileTree(t, tree, storedHashIndex(8 * level, n * 256 + width)), undefined);
    }),
    { numRuns: 60 },
  );
  assert.throws(() => buildTileTree(new Uint8Array(33)), RangeError);
});
