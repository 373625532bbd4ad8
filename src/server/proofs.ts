// Inclusion proofs computed from cached tile trees: the audit path's subtrees (auditpath.ts) are
// looked up in the node hashes of the tiles that hold them, so a proof needs no hashing beyond the
// right edge's few folds. The log's own LogReader.proveInclusion rehashes up to ~500 nodes per
// proof out of stored tiles, which is too slow for a lookup server.

import type { Hash } from '../tlog/hash.ts';
import { MissingHashError } from '../tlog/errors.ts';
import { TILE_HEIGHT, TILE_WIDTH } from '../tlog/tile.ts';
import type { Tile } from '../tlog/tile.ts';
import type { TileCache } from './tilecache.ts';
import type { TileTree } from './tiletree.ts';
import { HASH_SIZE } from '../tlog/hash.ts';
import { auditPathSubtrees, foldAuditPath } from './auditpath.ts';
import type { SubTree } from './auditpath.ts';

/**
 * The tile of a tree of `size` leaves that holds complete subtree `t`, at the width the tile has in
 * that tree, and where in the tile's tree the subtree's hash is (height, position).
 */
export function tileOfSubtree(size: number, t: SubTree): { tile: Tile; height: number; k: number } {
  const tileLevel = Math.floor(t.level / TILE_HEIGHT);
  const height = t.level - tileLevel * TILE_HEIGHT;
  const first = t.n * 2 ** height; // first hash it covers at the tile's base level
  const n = Math.floor(first / TILE_WIDTH);
  const baseHashes = Math.floor(size / TILE_WIDTH ** tileLevel);
  const width = Math.min(TILE_WIDTH, baseHashes - n * TILE_WIDTH);
  return { tile: { level: tileLevel, n, width }, height, k: t.n - n * (TILE_WIDTH >> height) };
}

const tileKey = (t: Tile) => `${t.level}/${t.n}/${t.width}`;

// Right-edge path elements (folds of several subtrees) are shared by every leaf left of them in a
// tree of a given size; remember the latest ones instead of rehashing them for each proof.
const MAX_FOLDS = 4096;
const folds = new Map<string, Hash>();

/**
 * The inclusion proof (audit path, leaf's sibling first) of entry `index` in the tree of `treeSize`
 * entries, which the store must hold (treeSize <= its latest checkpoint). Throws TreeRangeError for
 * an index outside the tree and MissingHashError when a tile is missing from the store.
 */
export async function inclusionProof(cache: TileCache, treeSize: number, index: number): Promise<Hash[]> {
  const path = auditPathSubtrees(treeSize, index);
  const trees = new Map<string, TileTree>();
  for (const group of path) {
    for (const t of group) {
      const { tile } = tileOfSubtree(treeSize, t);
      const key = tileKey(tile);
      if (trees.has(key)) continue;
      const tree = cache.peekTree(tile.level, tile.n, tile.width) ?? (await cache.tileTree(tile.level, tile.n, tile.width));
      if (tree === undefined) throw new MissingHashError(`server: tile ${tile.level}/${tile.n}.p/${tile.width} is not in the store`);
      trees.set(key, tree);
    }
  }
  const hashOf = (t: SubTree): Hash => {
    const { tile, height, k } = tileOfSubtree(treeSize, t);
    const row = trees.get(tileKey(tile))![height];
    if ((k + 1) * HASH_SIZE > row.length) throw new MissingHashError(`server: subtree ${t.level}/${t.n} is not in tile ${tile.level}/${tile.n}`);
    return row.slice(k * HASH_SIZE, (k + 1) * HASH_SIZE);
  };
  return path.map((group) => {
    if (group.length === 1) return hashOf(group[0]);
    // A partial range [start of group[0], treeSize): its start and the tree size identify it.
    const key = `${treeSize}/${group[0].level}/${group[0].n}`;
    let h = folds.get(key);
    if (h === undefined) {
      if (folds.size >= MAX_FOLDS) folds.clear();
      folds.set(key, (h = foldAuditPath([group], hashOf)[0]));
    }
    return h.slice();
  });
}
