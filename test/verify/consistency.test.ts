import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConsistency, consistencyTilePaths } from '../../src/verify/consistency.ts';
import { parseTilePath, readTileData } from '../../src/tlog/tile.ts';
import { MissingHashError, TileAuthError } from '../../src/tlog/errors.ts';
import { b64, buildLog, loadVector, toB64 } from '../tlog/testlog.ts';

interface Case {
  old_size: number;
  new_size: number;
  old_root: string;
  new_root: string;
  proof: string[];
}

const cases = loadVector<{ cases: Case[] }>('tlog/consistency.json').cases;
const log = buildLog(Math.max(...cases.map((c) => c.new_size)));

function tilesFor(paths: string[]): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const p of paths) {
    const parsed = parseTilePath(p);
    assert.equal(parsed.kind, 'hash');
    if (parsed.kind === 'hash') m.set(p, readTileData(parsed.tile, log.read));
  }
  return m;
}

test('the proof built from tiles equals x/mod ProveTree for every vector case, and checks', () => {
  for (const c of cases) {
    const small = { size: c.old_size, hash: b64(c.old_root) };
    const big = { size: c.new_size, hash: b64(c.new_root) };
    const r = checkConsistency(small, big, tilesFor(consistencyTilePaths(small, big)));
    assert.equal(r.ok, true, `${c.old_size} -> ${c.new_size}`);
    assert.deepEqual(r.proof.map(toB64), c.proof, `${c.old_size} -> ${c.new_size}`);
  }
});

test('a root that the tree does not extend gives a failed proof (evidence), not an exception', () => {
  const c = cases.find((x) => x.old_size > 1 && x.new_size > x.old_size + 1)!;
  const forged = b64(c.old_root);
  forged[0] ^= 1;
  const small = { size: c.old_size, hash: forged };
  const big = { size: c.new_size, hash: b64(c.new_root) };
  const r = checkConsistency(small, big, tilesFor(consistencyTilePaths(small, big)));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && /root does not match/.test(r.why), !r.ok ? r.why : '');
  assert.deepEqual(r.proof.map(toB64), c.proof);
});

test('equal sizes need equal roots; size 0 needs the empty-tree root', () => {
  const c = cases.find((x) => x.old_size === x.new_size)!;
  const h = { size: c.old_size, hash: b64(c.old_root) };
  assert.deepEqual(checkConsistency(h, h, new Map()), { ok: true, proof: [] });
  const other = { size: c.old_size, hash: new Uint8Array(32) };
  assert.equal(checkConsistency(other, h, new Map()).ok, false);
  const empty = { size: 0, hash: b64('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=') };
  assert.equal(checkConsistency(empty, h, new Map()).ok, true);
  assert.equal(checkConsistency({ size: 0, hash: new Uint8Array(32) }, h, new Map()).ok, false);
});

test('tiles are authenticated against the larger root before use', () => {
  const c = cases.find((x) => x.new_size >= 65537 && x.old_size > 300)!;
  const small = { size: c.old_size, hash: b64(c.old_root) };
  const big = { size: c.new_size, hash: b64(c.new_root) };
  const paths = consistencyTilePaths(small, big);
  for (const victim of paths) {
    const tiles = tilesFor(paths);
    const data = tiles.get(victim)!.slice();
    data[data.length - 1] ^= 0x80;
    tiles.set(victim, data);
    assert.throws(() => checkConsistency(small, big, tiles), TileAuthError, victim);
  }
  const missing = tilesFor(paths);
  missing.delete(paths[0]);
  assert.throws(() => checkConsistency(small, big, missing), MissingHashError);
  assert.throws(() => consistencyTilePaths(big, small), RangeError);
});
