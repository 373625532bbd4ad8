import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { recordHash } from '../../src/tlog/hash.ts';
import { storedHashCount, storedHashIndex } from '../../src/tlog/stored.ts';
import {
  TILE_WIDTH,
  encodeEntryBundle,
  entriesPath,
  hashFromTile,
  newTiles,
  parseEntryBundle,
  parseTilePath,
  readTileData,
  tileForIndex,
  tilePath,
  tilesForSize,
} from '../../src/tlog/tile.ts';
import type { Tile } from '../../src/tlog/tile.ts';
import { TileError } from '../../src/tlog/errors.ts';
import { b64, buildLog, loadVector, record } from './testlog.ts';

const vectors = loadVector('tlog/tiles.json');
const SIZE = 70000;
const log = buildLog(SIZE);
const sha256 = (d: Uint8Array): string => createHash('sha256').update(d).digest('hex');

function hashTile(path: string): Tile {
  const p = parseTilePath(path);
  assert.equal(p.kind, 'hash', path);
  return (p as { kind: 'hash'; tile: Tile }).tile;
}

test('tilesForSize(70000) is the 277 C2SP tiles, in order, with the vector contents', () => {
  assert.equal(vectors.tiles_70000.length, 277);
  assert.equal(vectors.summary_70000.total_tiles, 277);
  const tiles = tilesForSize(SIZE);
  assert.deepEqual(tiles.map(tilePath), vectors.tiles_70000.map((t: any) => t.path));
  for (const v of vectors.tiles_70000) {
    const t = hashTile(v.path);
    assert.deepEqual(t, { level: v.level, n: v.index, width: v.width }, v.path);
    const data = readTileData(t, log.read);
    assert.equal(data.length, v.bytes, v.path);
    assert.equal(sha256(data), v.sha256, v.path);
  }
});

test('full tile contents match byte for byte', () => {
  assert.equal(vectors.tile_contents.length, 6);
  for (const v of vectors.tile_contents) {
    const data = readTileData(hashTile(v.path), log.read);
    assert.deepEqual(data, b64(v.content_base64), v.path);
    assert.equal(sha256(data), v.sha256);
  }
});

test('tiles_by_size lists and contents match for every listed size', () => {
  assert.equal(vectors.tiles_by_size.length, 11);
  for (const s of vectors.tiles_by_size) {
    assert.deepEqual(tilesForSize(s.tree_size).map(tilePath), s.tiles.map((t: any) => t.path), `size ${s.tree_size}`);
    for (const v of s.tiles) assert.equal(sha256(readTileData(hashTile(v.path), log.read)), v.sha256, v.path);
  }
});

test('path_examples format and parse both ways', () => {
  assert.equal(vectors.path_examples.length, 12);
  for (const e of vectors.path_examples) {
    const t = { level: e.level, n: e.index, width: e.width };
    assert.equal(tilePath(t), e.path);
    assert.deepEqual(parseTilePath(e.path), { kind: 'hash', tile: t });
    const entries = e.path.replace(/^tile\/\d+\//, 'tile/entries/');
    if (e.level === 0) {
      assert.equal(entriesPath(e.index, e.width), entries);
      assert.deepEqual(parseTilePath(entries), { kind: 'entries', n: e.index, width: e.width });
    }
  }
});

test('entry bundles match the 274 vector bundles; full contents for 000 and 273.p/112', () => {
  assert.equal(vectors.entry_bundles_70000.length, 274);
  for (const v of vectors.entry_bundles_70000) {
    const p = parseTilePath(v.path);
    assert.equal(p.kind, 'entries');
    if (p.kind !== 'entries') continue;
    assert.equal(p.n, v.index);
    assert.equal(p.width, v.width);
    const recs = Array.from({ length: p.width }, (_, k) => record(v.first_entry + k));
    const bundle = encodeEntryBundle(recs);
    assert.equal(bundle.length, v.bytes, v.path);
    assert.equal(sha256(bundle), v.sha256, v.path);
    if (v.content_base64 !== undefined) {
      assert.deepEqual(bundle, b64(v.content_base64), v.path);
      // Each entry hashes to its slot in the level-0 tile of the same number.
      const entries = parseEntryBundle(b64(v.content_base64), v.width);
      const tile = readTileData({ level: 0, n: v.index, width: v.width }, log.read);
      entries.forEach((e, k) => assert.deepEqual(recordHash(e), tile.subarray(k * 32, k * 32 + 32)));
    }
  }
  const withContent = vectors.entry_bundles_70000.filter((v: any) => v.content_base64 !== undefined).map((v: any) => v.path);
  assert.deepEqual(withContent, ['tile/entries/000', 'tile/entries/273.p/112']);
  assert.equal(vectors.entry_bundles_70000[0].sha256, 'bb6faeb6b9c5492cc594033e9e7057b3a07533abf6268a8f162f9d87d2d3e64e');
});

test('hashFromTile returns every stored hash from its tile (property over the 70000 tree)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: storedHashCount(SIZE) - 1 }), (i) => {
      const t = tileForIndex(i);
      assert.deepEqual(hashFromTile(t, readTileData(t, log.read), i), log.stored[i]);
      // The same hash is also found in any wider version of the tile.
      const wide = { ...t, width: TILE_WIDTH };
      if ((wide.n + 1) * TILE_WIDTH * TILE_WIDTH ** wide.level <= SIZE) {
        assert.deepEqual(hashFromTile(wide, readTileData(wide, log.read), i), log.stored[i]);
      }
    }),
    { numRuns: 400 },
  );
});

test('tileForIndex picks the smallest tile holding the hash', () => {
  assert.deepEqual(tileForIndex(0), { level: 0, n: 0, width: 1 });
  assert.deepEqual(tileForIndex(storedHashIndex(0, 255)), { level: 0, n: 0, width: 256 });
  assert.deepEqual(tileForIndex(storedHashIndex(8, 0)), { level: 1, n: 0, width: 1 });
  // A level-4 hash (16 leaves) is the root of 16 consecutive hashes of a level-0 tile.
  assert.deepEqual(tileForIndex(storedHashIndex(4, 3)), { level: 0, n: 0, width: 64 });
  assert.deepEqual(tileForIndex(storedHashIndex(12, 17)), { level: 1, n: 1, width: 32 });
});

test('hashFromTile rejects wrong data lengths and hashes from other tiles', () => {
  const t = { level: 0, n: 1, width: 10 };
  const data = readTileData(t, log.read);
  assert.throws(() => hashFromTile(t, data.subarray(1), storedHashIndex(0, 256)), TileError);
  assert.throws(() => hashFromTile(t, data, storedHashIndex(0, 266)), TileError);
  assert.throws(() => hashFromTile(t, data, storedHashIndex(0, 5)), TileError);
  assert.throws(() => hashFromTile(t, data, storedHashIndex(8, 1)), TileError);
});

test('newTiles is exactly the tiles of the new size that the old size lacked (property)', () => {
  assert.deepEqual(newTiles(0, SIZE), tilesForSize(SIZE));
  assert.deepEqual(newTiles(SIZE, SIZE), []);
  assert.deepEqual(newTiles(255, 256).map(tilePath), ['tile/0/000', 'tile/1/000.p/1']);
  assert.throws(() => newTiles(5, 4), TileError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300000 }), fc.integer({ min: 0, max: 100000 }), (a, d) => {
      const b = a + d;
      const before = new Set(tilesForSize(a).map(tilePath));
      const want = tilesForSize(b).map(tilePath).filter((p) => !before.has(p)).sort();
      assert.deepEqual(newTiles(a, b).map(tilePath).sort(), want);
    }),
    { numRuns: 200 },
  );
});

test('parseTilePath rejects non-canonical and out-of-range paths', () => {
  const bad = [
    '', 'tile', 'tile/0', '/tile/0/000', 'tile/0/000/', 'tile/0/0', 'tile/0/0000', 'tile/00/000', 'tile/01/000',
    'tile/64/000', 'tile/-1/000', 'tile/0/x000/001', 'tile/0/x001', 'tile/0/x1/000', 'tile/0/001/000',
    'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000.p/', 'tile/0/000.p', 'tile/0/000.p/5/6',
    'tile/0/x001.p/5', 'tile/entries', 'tile/entries/', 'tile/entries/5', 'tile/entries/000.p/300', 'tile/8/0/000',
    'tile/3/x999/x999/x999/999', 'tile/7/000.p/1', 'tile/0/x001/x002/x003/x004/x005/x006/007', 'TILE/0/000',
    'tile/0/000.p/1 ', 'tile/0/00a', 'tile/0/x001/067\n',
  ];
  for (const p of bad) assert.throws(() => parseTilePath(p), TileError, JSON.stringify(p));
});

test('tile paths round-trip, and random strings parse only if canonical (property)', () => {
  const tileArb = fc.record({ level: fc.integer({ min: 0, max: 3 }), n: fc.integer({ min: 0, max: 99999 }), width: fc.integer({ min: 1, max: 256 }) });
  fc.assert(
    fc.property(tileArb, (arb) => {
      const t = { ...arb }; // fc.record builds null-prototype objects
      assert.deepEqual(parseTilePath(tilePath(t)), { kind: 'hash', tile: t });
      assert.deepEqual(parseTilePath(entriesPath(t.n, t.width)), { kind: 'entries', n: t.n, width: t.width });
    }),
    { numRuns: 300 },
  );
  const pathish = fc.oneof(
    fc.string(),
    fc.array(fc.constantFrom('tile', 'entries', '0', '1', '63', '64', '000', '001', 'x001', 'x000', '.p', '255', '256', '067.p', '/', 'x'), { maxLength: 8 }).map((a) => a.join('/')),
    fc.array(fc.constantFrom('tile/', '0/', 'entries/', 'x001/', '067', '.p/', '1', '12', '255', 'x', '/'), { maxLength: 8 }).map((a) => a.join('')),
  );
  fc.assert(
    fc.property(pathish, (s) => {
      let p;
      try {
        p = parseTilePath(s);
      } catch (err) {
        assert.ok(err instanceof TileError, String(err));
        return;
      }
      assert.equal(p.kind === 'hash' ? tilePath(p.tile) : entriesPath(p.n, p.width), s);
    }),
    { numRuns: 2000 },
  );
});

test('entry bundles round-trip and reject malformed input (property)', () => {
  const entriesArb = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 });
  fc.assert(
    fc.property(entriesArb, (entries) => {
      const data = encodeEntryBundle(entries);
      assert.deepEqual(parseEntryBundle(data, entries.length), entries);
      assert.deepEqual(parseEntryBundle(data), entries);
      if (data.length > 0) assert.throws(() => parseEntryBundle(data.subarray(0, data.length - 1)), TileError);
      assert.throws(() => parseEntryBundle(data, entries.length + 1), TileError);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
      let entries;
      try {
        entries = parseEntryBundle(data);
      } catch (err) {
        assert.ok(err instanceof TileError, String(err));
        return;
      }
      assert.deepEqual(encodeEntryBundle(entries), data);
    }),
    { numRuns: 1000 },
  );
  assert.throws(() => encodeEntryBundle([new Uint8Array(65536)]), TileError);
  assert.equal(encodeEntryBundle([new Uint8Array(65535)]).length, 65537);
  assert.throws(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0))), TileError);
  assert.throws(() => parseEntryBundle(new Uint8Array(2 * 257)), TileError);
  assert.equal(parseEntryBundle(new Uint8Array(2 * 256)).length, 256);
  assert.throws(() => parseEntryBundle(new Uint8Array(0), 257), TileError);
  assert.deepEqual(parseEntryBundle(new Uint8Array([0, 2, 7, 8, 0, 0])), [new Uint8Array([7, 8]), new Uint8Array(0)]);
});
