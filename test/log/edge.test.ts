// The tree edge against the x/mod reference vectors: growing the vectors' log (record i = "entry-i\n")
// in uneven batches must produce exactly the reference tiles, entry bundles and roots.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { EMPTY_EDGE, edgeIndexes, edgeReads, edgeRoot, growEdge, loadEdge } from '../../src/log/edge.ts';
import type { TreeEdge } from '../../src/log/edge.ts';
import { tilePath, entriesPath } from '../../src/tlog/tile.ts';
import { storedHashIndex, storedHashesForRecordHash } from '../../src/tlog/stored.ts';
import { recordHash } from '../../src/tlog/hash.ts';

const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors/tlog');
const tilesVec = JSON.parse(readFileSync(resolve(VECTORS, 'tiles.json'), 'utf8'));
const rootsVec: { size: number; root: string }[] = JSON.parse(readFileSync(resolve(VECTORS, 'tree-hashes.json'), 'utf8')).roots;
const rootOf = new Map(rootsVec.map((r) => [r.size, r.root]));

const record = (i: number) => new TextEncoder().encode(`entry-${i}\n`);
const records = (lo: number, hi: number) => Array.from({ length: hi - lo }, (_, k) => record(lo + k));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

// Grows from 0 to the last boundary, checking the root at each boundary; returns the final edge and
// the latest data of every tile and bundle written.
function growTo(boundaries: number[]) {
  let edge: TreeEdge = EMPTY_EDGE;
  const tiles = new Map<string, Uint8Array>();
  const bundles = new Map<number, Uint8Array>();
  for (const b of boundaries) {
    const g = growEdge(edge, records(edge.size, b));
    for (const t of g.tiles) tiles.set(`${t.level}/${t.n}`, t.data);
    for (const x of g.bundles) bundles.set(x.n, x.data);
    edge = g.edge;
    assert.equal(edge.size, b);
    const want = rootOf.get(b);
    if (want !== undefined) assert.equal(b64(g.root), want, `root of size ${b}`);
  }
  return { edge, tiles, bundles };
}

test('growing to 70000 in uneven batches yields the reference tiles, bundles and roots', () => {
  const boundaries = [1, 2, 3, 100, 255, 256, 257, 300, 1000, 4096, 5000, 65535, 65536, 65537, 69999, 70000];
  const { edge, tiles, bundles } = growTo(boundaries);
  assert.equal(b64(edgeRoot(edge)), tilesVec.root);

  const want = new Map<string, string>(tilesVec.tiles_70000.map((t: { path: string; sha256: string }) => [t.path, t.sha256]));
  const got = new Map<string, string>();
  for (const [k, data] of tiles) {
    const [level, n] = k.split('/').map(Number);
    got.set(tilePath({ level, n, width: data.length / 32 }), sha(data));
  }
  assert.deepEqual(got, want);

  const wantB = new Map<string, string>(tilesVec.entry_bundles_70000.map((t: { path: string; sha256: string }) => [t.path, t.sha256]));
  const gotB = new Map<string, string>();
  for (const [n, data] of bundles) {
    const count = n === 273 ? 70000 - 273 * 256 : 256;
    gotB.set(entriesPath(n, count), sha(data));
  }
  assert.deepEqual(gotB, wantB);
  const full = tilesVec.entry_bundles_70000[0];
  assert.equal(b64(bundles.get(0)!), full.content_base64);
});

test('tiles of smaller trees match the reference listing for each size', () => {
  for (const s of tilesVec.tiles_by_size as { tree_size: number; root: string; tiles: { path: string; sha256: string }[] }[]) {
    const { edge, tiles } = growTo([s.tree_size]);
    assert.equal(b64(edgeRoot(edge)), s.root);
    const got = new Map<string, string>();
    for (const [k, data] of tiles) {
      const [level, n] = k.split('/').map(Number);
      got.set(tilePath({ level, n, width: data.length / 32 }), sha(data));
    }
    assert.deepEqual(got, new Map(s.tiles.map((t) => [t.path, t.sha256])), `size ${s.tree_size}`);
  }
});

test('an edge reloaded from stored tiles continues exactly like the one kept in memory', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 700 }), (size, more) => {
      const { edge, tiles, bundles } = growTo(size === 0 ? [] : [size]);
      const reads = edgeReads(size);
      const loaded = loadEdge(
        size,
        (level, n) => {
          assert.ok(reads.tiles.some((t) => t.level === level && t.n === n), `loadEdge read undeclared tile ${level}/${n}`);
          return tiles.get(`${level}/${n}`);
        },
        reads.bundle === undefined ? undefined : bundles.get(reads.bundle),
      );
      assert.deepEqual(loaded, edge);
      const a = growEdge(edge, records(size, size + more));
      const b = growEdge(loaded, records(size, size + more));
      assert.deepEqual(b, a);
      const want = rootOf.get(size + more);
      if (want !== undefined) assert.equal(b64(a.root), want);
    }),
    { numRuns: 40 },
  );
});

test('edgeIndexes names one complete subtree per set bit, left to right', () => {
  assert.deepEqual(edgeIndexes(0), []);
  assert.deepEqual(edgeIndexes(1), [storedHashIndex(0, 0)]);
  // 11 = 8 + 2 + 1: records 0..7, 8..9, 10.
  assert.deepEqual(edgeIndexes(11), [storedHashIndex(3, 0), storedHashIndex(1, 4), storedHashIndex(0, 10)]);
  assert.deepEqual(edgeIndexes(2 ** 40), [storedHashIndex(40, 0)]);
});

test('growEdge keeps exactly the requested stored hashes and does not touch its input', () => {
  const { edge } = growTo([5]);
  const before = structuredClone({ size: edge.size, hashes: [...edge.hashes], tiles: [...edge.tiles], bundle: edge.bundle });
  const want = new Set([storedHashIndex(0, 5), storedHashIndex(1, 2), storedHashIndex(2, 1), 99999]);
  const g = growEdge(edge, records(5, 8), want);
  assert.deepEqual([...g.kept.keys()].sort((a, b) => a - b), [storedHashIndex(0, 5), storedHashIndex(1, 2), storedHashIndex(2, 1)].sort((a, b) => a - b));
  assert.deepEqual({ size: edge.size, hashes: [...edge.hashes], tiles: [...edge.tiles], bundle: edge.bundle }, before);
  assert.equal(b64(g.root), rootOf.get(8));
});

test('property: growEdge produces exactly the stored hashes of tlog.storedHashesForRecordHash', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 300 }), (size, more) => {
      // The reference: every stored hash of the tree via tlog, kept in a map.
      const all = new Map<number, Uint8Array>();
      const read = (ix: number[]) => ix.map((i) => all.get(i)!);
      for (let i = 0; i < size + more; i++) {
        let at = storedHashIndex(0, i);
        for (const h of storedHashesForRecordHash(i, recordHash(record(i)), read)) all.set(at++, h);
      }
      const { edge } = growTo(size === 0 ? [] : [size]);
      const from = storedHashIndex(0, size);
      const to = storedHashIndex(0, size + more - 1) + 1 + trailingOnesCount(size + more - 1);
      const keep = new Set(Array.from({ length: to - from }, (_, k) => from + k));
      const g = growEdge(edge, records(size, size + more), keep);
      assert.equal(g.kept.size, keep.size);
      for (const [i, h] of g.kept) assert.deepEqual(h, all.get(i), `stored hash ${i}`);
    }),
    { numRuns: 60 },
  );
});

function trailingOnesCount(n: number): number {
  let m = 0;
  while ((n >> m) & 1) m++;
  return m;
}
