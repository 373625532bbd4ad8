import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeHash, recordHash } from '../../src/tlog/hash.ts';
import type { Hash } from '../../src/tlog/hash.ts';
import { storedHashIndex, treeHash } from '../../src/tlog/stored.ts';
import { checkRecord, checkTree, proveRecord, proveTree, recordProofIndexes, treeProofIndexes } from '../../src/tlog/proof.ts';
import { TILE_WIDTH, parseTilePath, readTileData, tilePath, tilesForSize } from '../../src/tlog/tile.ts';
import type { Tile } from '../../src/tlog/tile.ts';
import { tileHashReader, tilePathsForHashes } from '../../src/tlog/tilehash.ts';
import { MissingHashError, TileAuthError, TreeRangeError } from '../../src/tlog/errors.ts';
import { b64, buildLog, loadVector, record } from './testlog.ts';

const SIZE = 70000;
const ROOT = b64(loadVector('tlog/tiles.json').root);
const log = buildLog(SIZE);
const head = { size: SIZE, hash: ROOT };

// What an honest server publishes for a checkpoint of `size`: every tile of that size.
function serverTiles(size: number): Map<string, Uint8Array> {
  return new Map(tilesForSize(size).map((t) => [tilePath(t), readTileData(t, log.read)]));
}
const honest = serverTiles(SIZE);

// What a client fetches: only the paths it was told it needs.
function fetch(server: Map<string, Uint8Array>, paths: string[]): Map<string, Uint8Array> {
  return new Map(paths.map((p) => {
    const d = server.get(p);
    assert.ok(d !== undefined, `server has no ${p}`);
    return [p, d];
  }));
}

function forge(server: Map<string, Uint8Array>, path: string, hashSlot: number): Map<string, Uint8Array> {
  const copy = new Map(server);
  const data = copy.get(path)!.slice();
  data[hashSlot * 32 + 5] ^= 0x40;
  copy.set(path, data);
  return copy;
}

test('the tiles for one leaf hash: its tile, the tiles above it, and the right edge', () => {
  assert.deepEqual(tilePathsForHashes(SIZE, [storedHashIndex(0, 1283)]), [
    'tile/0/005',
    'tile/0/273.p/112',
    'tile/1/000',
    'tile/1/001.p/17',
    'tile/2/000.p/1',
  ]);
  assert.deepEqual(tilePathsForHashes(SIZE, []), []);
  assert.throws(() => tilePathsForHashes(SIZE, [storedHashIndex(0, SIZE)]), TreeRangeError);
  // A hash of a subtree that is not complete at this size is not in the tree either.
  assert.throws(() => tilePathsForHashes(SIZE, [storedHashIndex(8, 273)]), TreeRangeError);
});

test('an inclusion proof built from authenticated tiles equals the one from storage', () => {
  for (const i of [0, 1283, 65535, 65536, 69887, 69888, SIZE - 1]) {
    const leafIndex = storedHashIndex(0, i);
    const paths = tilePathsForHashes(SIZE, [leafIndex, ...recordProofIndexes(SIZE, i)]);
    const read = tileHashReader(head, fetch(honest, paths));
    assert.deepEqual(read([leafIndex])[0], recordHash(record(i)));
    const proof = proveRecord(SIZE, i, read);
    assert.deepEqual(proof, proveRecord(SIZE, i, log.read));
    checkRecord(proof, SIZE, ROOT, i, recordHash(record(i)));
  }
});

test('a forged level-0 tile off the tree-hash path is rejected (the x/mod TileHashReader hole)', () => {
  const i = 1283; // in tile/0/005, which no tree-hash computation for size 70000 reads
  const leafIndex = storedHashIndex(0, i);
  const paths = tilePathsForHashes(SIZE, [leafIndex]);
  // The forged slot is the leaf itself, and then a different slot of the same tile.
  for (const slot of [i % 256, (i + 7) % 256]) {
    const read = tileHashReader(head, fetch(forge(honest, 'tile/0/005', slot), paths));
    assert.throws(() => read([leafIndex]), (err: unknown) => err instanceof TileAuthError && /tile\/0\/005 does not match/.test(err.message));
  }
});

test('a forgery carried up into the level-1 tile is caught one level higher', () => {
  const forged0 = forge(honest, 'tile/0/005', 3);
  const tile0 = forged0.get('tile/0/005')!;
  // Recompute tile/1/000's entry for tile/0/005 from the forged data, as a careful attacker would:
  // the Merkle root of its 256 hashes, folded pairwise by hand.
  let level: Hash[] = [];
  for (let k = 0; k < 256; k++) level.push(tile0.subarray(k * 32, k * 32 + 32));
  while (level.length > 1) {
    const next: Hash[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(nodeHash(level[k], level[k + 1]));
    level = next;
  }
  const both = new Map(forged0);
  const t1 = both.get('tile/1/000')!.slice();
  t1.set(level[0], 5 * 32);
  both.set('tile/1/000', t1);
  const leafIndex = storedHashIndex(0, 1283);
  const read = tileHashReader(head, fetch(both, tilePathsForHashes(SIZE, [leafIndex])));
  assert.throws(() => read([leafIndex]), (err: unknown) => err instanceof TileAuthError && /tile\/1\/000 does not match/.test(err.message));
});

test('forged right-edge tiles, a wrong root and wrong lengths are rejected; missing tiles are named', () => {
  for (const path of ['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']) {
    const leafIndex = storedHashIndex(0, 69999);
    const read = tileHashReader(head, fetch(forge(honest, path, 0), tilePathsForHashes(SIZE, [leafIndex])));
    assert.throws(() => read([leafIndex]), TileAuthError, path);
  }
  const wrongRoot = { size: SIZE, hash: treeHash(SIZE - 1, log.read) };
  assert.throws(() => tileHashReader(wrongRoot, honest)([0]), TileAuthError);
  const short = new Map(honest);
  short.set('tile/0/000', honest.get('tile/0/000')!.subarray(32));
  assert.throws(() => tileHashReader(head, short)([0]), TileAuthError);
  const missing = new Map(honest);
  missing.delete('tile/1/000');
  assert.throws(() => tileHashReader(head, missing)([0]), (err: unknown) => err instanceof MissingHashError && /tile\/1\/000/.test(err.message));
  assert.throws(() => tileHashReader(head, honest)([storedHashIndex(0, SIZE)]), TreeRangeError);
});

test('proofs from tiles of smaller checkpoints verify (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: SIZE }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n }))),
      ([n, i, m]) => {
        const server = new Map(honest);
        // The right-edge partial tiles differ per size; add this size's ones.
        for (const t of tilesForSize(n)) if (t.width < TILE_WIDTH) server.set(tilePath(t), readTileData(t, log.read));
        const rootN = treeHash(n, log.read);
        const want = [storedHashIndex(0, i), ...recordProofIndexes(n, i), ...treeProofIndexes(n, m)];
        const read = tileHashReader({ size: n, hash: rootN }, fetch(server, tilePathsForHashes(n, want)));
        checkRecord(proveRecord(n, i, read), n, rootN, i, recordHash(record(i)));
        checkTree(proveTree(n, m, read), n, rootN, m, treeHash(m, log.read));
      },
    ),
    { numRuns: 60 },
  );
});

test('any flipped byte in any fetched tile is detected (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SIZE - 1 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (i, which, where, mask) => {
      const want = [storedHashIndex(0, i), ...recordProofIndexes(SIZE, i)];
      const paths = tilePathsForHashes(SIZE, want);
      const tiles = fetch(honest, paths);
      const path = paths[which % paths.length];
      const data = tiles.get(path)!.slice();
      data[where % data.length] ^= mask;
      tiles.set(path, data);
      assert.throws(() => tileHashReader(head, tiles)(want), TileAuthError, path);
    }),
    { numRuns: 150 },
  );
});

test('paths listed are canonical tiles of the checkpoint size', () => {
  const all = new Set(tilesForSize(SIZE).map(tilePath));
  for (const p of tilePathsForHashes(SIZE, recordProofIndexes(SIZE, 4242))) {
    assert.ok(all.has(p), p);
    const t = parseTilePath(p);
    assert.equal(t.kind, 'hash');
    assert.equal(tilePath((t as { tile: Tile }).tile), p);
  }
});

