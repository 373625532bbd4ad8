// A HashReader backed by tiles fetched from an untrusted server, authenticated against a trusted
// (signed) tree head before any hash in them is used. Split in two so src/tlog stays free of I/O:
// tilePathsForHashes says what to fetch, tileHashReader checks what was fetched.
//
// Every tile is authenticated, not just those on the tree-hash path: partial (right-edge) tiles hash
// up to the signed root together, and each full tile must hash to its entry in the (authenticated)
// tile above it. x/mod's TileHashReader skips that parent check for tiles outside its tree-hash plan,
// which lets a forged level-0 tile through; this reader has no such exemption.

import { HASH_SIZE, hashEqual } from './hash.ts';
import type { Hash } from './hash.ts';
import { checkCount, splitStoredHashIndex, storedHashIndex, subTreeHash, subTreeIndex } from './stored.ts';
import type { HashReader } from './stored.ts';
import { TILE_HEIGHT, TILE_WIDTH, hashFromTile, tileHash, tilePath } from './tile.ts';
import type { Tile } from './tile.ts';
import { MissingHashError, TileAuthError, TreeRangeError } from './errors.ts';

/** The trusted part of a checkpoint: tree size and root hash (a Checkpoint satisfies it). */
export interface TreeHead {
  size: number;
  hash: Hash;
}

/**
 * The tile of the tree of `size` records that holds stored hash `storedIndex`, at the width it has
 * in that tree (full, or the right-edge partial width). Throws TreeRangeError when that hash is not a
 * complete subtree of the tree.
 */
export function tileForStoredHash(size: number, storedIndex: number): Tile {
  checkCount('tree size', size);
  const { level, n } = splitStoredHashIndex(storedIndex);
  if ((n + 1) * 2 ** level > size) {
    throw new TreeRangeError(`tlog: stored hash ${storedIndex} is not in a tree of size ${size}`);
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const first = n * 2 ** (level - tileLevel * TILE_HEIGHT); // first base-level hash it covers
  const tn = Math.floor(first / TILE_WIDTH);
  const baseHashes = Math.floor(size / TILE_WIDTH ** tileLevel); // hashes at the tile's base level
  const width = Math.min(TILE_WIDTH, baseHashes - tn * TILE_WIDTH);
  return { level: tileLevel, n: tn, width };
}

// The tile whose hashes include the root of full tile `t` (always exists: t lies inside the tree).
function parentTile(size: number, t: Tile): { tile: Tile; index: number } {
  const index = storedHashIndex((t.level + 1) * TILE_HEIGHT, t.n);
  return { tile: tileForStoredHash(size, index), index };
}

// The right-edge tiles whose hashes fold into the root of the tree of `size` records.
function rootTiles(size: number): { indexes: number[]; tiles: Tile[] } {
  const indexes = subTreeIndex(0, size);
  const tiles = indexes.map((i) => tileForStoredHash(size, i));
  return { indexes, tiles };
}

/**
 * The tiles a client must fetch so that tileHashReader can serve and authenticate the given stored
 * hashes under a tree head of `size` records: the tile of each hash, the chain of tiles above each
 * full tile, and the right-edge tiles that hash to the root. Sorted by level then number, no duplicates.
 */
export function tilesForHashes(size: number, storedIndexes: number[]): Tile[] {
  const want = new Map<string, Tile>();
  const add = (t: Tile): void => {
    for (;;) {
      const path = tilePath(t);
      if (want.has(path)) return;
      want.set(path, t);
      if (t.width < TILE_WIDTH) return;
      t = parentTile(size, t).tile;
    }
  };
  if (storedIndexes.length > 0) for (const t of rootTiles(size).tiles) add(t);
  for (const i of storedIndexes) add(tileForStoredHash(size, i));
  return [...want.values()].sort((a, b) => a.level - b.level || a.n - b.n);
}

/** tilesForHashes as C2SP paths ('tile/0/x001/067', ...), the form a client fetches. */
export function tilePathsForHashes(size: number, storedIndexes: number[]): string[] {
  return tilesForHashes(size, storedIndexes).map(tilePath);
}

/**
 * A HashReader over fetched tiles (path -> bytes) for the tree described by `head`, which the caller
 * has already verified (signed checkpoint). Before returning any hash it authenticates the tile it
 * comes from up to head.hash; a tile that does not authenticate throws TileAuthError (exit 3), a
 * tile not supplied throws MissingHashError naming its path. Tiles are authenticated lazily, once.
 */
export function tileHashReader(head: TreeHead, tiles: ReadonlyMap<string, Uint8Array>): HashReader {
  const size = head.size;
  checkCount('tree size', size);
  const trusted = new Set<string>();

  const dataOf = (t: Tile): Uint8Array => {
    const path = tilePath(t);
    const data = tiles.get(path);
    if (data === undefined) throw new MissingHashError(`tlog: tile ${path} was not fetched`);
    if (data.length !== t.width * HASH_SIZE) {
      throw new TileAuthError(`tlog: tile ${path} has ${data.length} bytes, want ${t.width * HASH_SIZE}`);
    }
    return data;
  };

  // All right-edge tiles at once: their hashes fold into the signed root.
  const authenticateRoot = (): void => {
    const { indexes, tiles: edge } = rootTiles(size);
    const hashes = indexes.map((i, k) => hashFromTile(edge[k], dataOf(edge[k]), i));
    const root = subTreeHash(0, size, hashes).hash;
    const paths = [...new Set(edge.map(tilePath))];
    if (!hashEqual(root, head.hash)) {
      throw new TileAuthError(`tlog: tiles ${paths.join(', ')} do not hash to the checkpoint root of tree size ${size}`);
    }
    for (const p of paths) trusted.add(p);
  };

  const authenticate = (t: Tile): void => {
    const path = tilePath(t);
    if (trusted.has(path)) return;
    if (t.width < TILE_WIDTH) {
      authenticateRoot();
      // Every partial tile of the tree is on the right edge, so the root check covers it.
      if (!trusted.has(path)) throw new Error(`tlog: bad math: partial tile ${path} not on the right edge`);
      return;
    }
    const parent = parentTile(size, t);
    authenticate(parent.tile);
    const want = hashFromTile(parent.tile, dataOf(parent.tile), parent.index);
    if (!hashEqual(tileHash(dataOf(t)), want)) {
      throw new TileAuthError(`tlog: tile ${path} does not match its hash in ${tilePath(parent.tile)}`);
    }
    trusted.add(path);
  };

  return (indexes) =>
    indexes.map((i) => {
      const t = tileForStoredHash(size, i);
      authenticate(t);
      return hashFromTile(t, dataOf(t), i);
    });
}
