// Inclusion proofs computed from cached tile trees: the audit path's subtrees (auditpath.ts) are
// looked up in the node hashes of the tiles that hold them, so a proof needs no hashing beyond the
// right edge's few folds. The log's own LogReader.proveInclusion rehashes up to ~500 nodes per
// proof out of stored tiles, which is too slow for a lookup server.
//
// A proof splits at the leaf's level-0 tile: the head (the 8 path elements inside that tile, and
// the leaf's own hash) comes straight out of the tile's tree, while the tail above it is the same
// for every leaf of the tile in a tree of one size. Tails (with their base64 text) and right-edge
// folds are kept in the tile cache, keyed by the tree size, so a proof for a tree that has grown
// never uses one computed for a smaller tree.

import type { Hash } from '../tlog/hash.ts';
import { HASH_SIZE, nodeHash } from '../tlog/hash.ts';
import { MissingHashError } from '../tlog/errors.ts';
import { TILE_HEIGHT, TILE_WIDTH } from '../tlog/tile.ts';
import type { Tile } from '../tlog/tile.ts';
import type { TileCache } from './tilecache.ts';
import type { TileTree } from './tiletree.ts';
import { auditPathSubtrees, checkLeaf } from './auditpath.ts';
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

/**
 * The audit path of the leaves of one level-0 tile above that tile, in a tree of one size, with
 * its text in a lookup's JSON answer. Shared through the cache: never modify it.
 */
export interface ProofTail {
  /** The path elements above the tile, lowest first (own memory, not views into tiles). */
  hashes: Hash[];
  /** ASCII: the hashes' base64 as JSON strings joined by commas (`"a","b"`; empty for no hashes). */
  jsonItems: Uint8Array;
  /** ASCII: each hash's base64 followed by a backslash and an n (`a\nb\n`): tlog-proof lines inside a JSON string. */
  jsonLines: Uint8Array;
}

/** An inclusion proof in parts. Views into cached tile trees: never modify them. */
export interface ProofParts {
  /** The leaf's hash as the tree stores it (the record hash of the entry). */
  leaf: Hash;
  /** The path elements inside the leaf's level-0 tile, leaf's sibling first (0 to 8 of them). */
  head: Hash[];
  /** The rest of the path. */
  tail: ProofTail;
}

/**
 * The canonical padded base64 of each hash (as encodeBase64 gives it), with one encoder call for
 * all of them: a 32-byte hash followed by a zero byte is exactly 44 base64 characters, of which
 * the first 43 are the hash's own (the zero byte only fills the last character's low bits).
 */
export function base64Hashes(hashes: Hash[]): string[] {
  const buf = Buffer.alloc(hashes.length * 33);
  for (let i = 0; i < hashes.length; i++) buf.set(hashes[i], i * 33);
  const s = buf.toString('base64');
  const out = new Array<string>(hashes.length);
  for (let i = 0; i < hashes.length; i++) out[i] = s.slice(i * 44, i * 44 + 43) + '=';
  return out;
}

// Standard base64 alphabet as character codes.
const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/** Length of a hash's padded base64. */
export const HASH_BASE64_LENGTH = 44;

/**
 * Writes the padded standard base64 of 32-byte hash `h` (HASH_BASE64_LENGTH ASCII bytes) into
 * `out` at `pos`; returns the position after it. A loop over 32 bytes costs less than a call into
 * the encoder and back out of a string.
 */
export function writeBase64Hash(out: Uint8Array, pos: number, h: Hash): number {
  let i = 0;
  for (; i < 30; i += 3) {
    const v = (h[i] << 16) | (h[i + 1] << 8) | h[i + 2];
    out[pos] = B64[v >>> 18];
    out[pos + 1] = B64[(v >>> 12) & 63];
    out[pos + 2] = B64[(v >>> 6) & 63];
    out[pos + 3] = B64[v & 63];
    pos += 4;
  }
  const v = (h[30] << 8) | h[31];
  out[pos] = B64[v >>> 10];
  out[pos + 1] = B64[(v >>> 4) & 63];
  out[pos + 2] = B64[(v << 2) & 63];
  out[pos + 3] = 0x3d; // '='
  return pos + 4;
}

/** The ProofTail of path elements `hashes` (32 bytes each; kept, not copied). */
export function proofTailOf(hashes: Hash[]): ProofTail {
  const m = hashes.length;
  const jsonItems = new Uint8Array(m === 0 ? 0 : m * (HASH_BASE64_LENGTH + 3) - 1);
  const jsonLines = new Uint8Array(m * (HASH_BASE64_LENGTH + 2));
  let a = 0;
  let b = 0;
  for (let i = 0; i < m; i++) {
    if (i > 0) jsonItems[a++] = 0x2c; // ','
    jsonItems[a++] = 0x22; // '"'
    a = writeBase64Hash(jsonItems, a, hashes[i]);
    jsonItems[a++] = 0x22;
    b = writeBase64Hash(jsonLines, b, hashes[i]);
    jsonLines[b++] = 0x5c; // '\'
    jsonLines[b++] = 0x6e; // 'n'
  }
  return { hashes, jsonItems, jsonLines };
}

// The tile tree of `tile`, from memory or the store.
async function treeOf(cache: TileCache, tile: Tile): Promise<TileTree> {
  const tree = cache.peekTree(tile.level, tile.n, tile.width) ?? (await cache.tileTree(tile.level, tile.n, tile.width));
  if (tree === undefined) throw new MissingHashError(`server: tile ${tile.level}/${tile.n}.p/${tile.width} is not in the store`);
  return tree;
}

// A view of hash k in a row of a tile tree, or undefined when the row is shorter.
function rowHash(row: Uint8Array, k: number): Hash | undefined {
  return k < 0 || (k + 1) * HASH_SIZE > row.length ? undefined : row.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE);
}

const missing = (what: string, tile: Tile) => new MissingHashError(`server: ${what} is not in tile ${tile.level}/${tile.n}.p/${tile.width} of the store`);

// Bytes a cached hash or tail occupies, roughly (contents plus V8 object overhead).
const HASH_BYTES = HASH_SIZE + 96;
const tailBytes = (t: ProofTail) => t.hashes.length * HASH_BYTES + t.jsonItems.length + t.jsonLines.length + 256;

/**
 * The hashes of audit path elements `groups` in the tree of `treeSize` leaves (views where an
 * element is one complete subtree; right-edge folds are computed once per tree size and cached).
 */
async function groupHashes(cache: TileCache, treeSize: number, groups: SubTree[][]): Promise<Hash[]> {
  const trees = new Map<string, TileTree>();
  const hashOf = async (t: SubTree): Promise<Hash> => {
    const { tile, height, k } = tileOfSubtree(treeSize, t);
    const key = `${tile.level}/${tile.n}/${tile.width}`;
    let tree = trees.get(key);
    if (tree === undefined) trees.set(key, (tree = await treeOf(cache, tile)));
    const h = rowHash(tree[height], k);
    if (h === undefined) throw missing(`subtree ${t.level}/${t.n}`, tile);
    return h;
  };
  const out: Hash[] = [];
  for (const group of groups) {
    if (group.length === 1) {
      out.push(await hashOf(group[0]));
      continue;
    }
    // A partial range [start of group[0], treeSize): its start and the tree size identify it.
    const key = `${treeSize}/${group[0].level}/${group[0].n}`;
    let h = cache.derived('fold', key) as Hash | undefined;
    if (h === undefined) {
      h = await hashOf(group[group.length - 1]);
      for (let k = group.length - 2; k >= 0; k--) h = nodeHash(await hashOf(group[k]), h);
      cache.keepDerived('fold', key, h, HASH_BYTES);
    }
    out.push(h);
  }
  return out;
}

// The tail of the leaves of level-0 tile n0 in the tree of `treeSize` leaves.
/** The proof tail of level-0 tile n0 in the tree of `treeSize` leaves when it is in memory; never reads. */
export function peekProofTail(cache: TileCache, treeSize: number, n0: number): ProofTail | undefined {
  const hit = cache.derived('tail', n0) as { size: number; tail: ProofTail } | undefined;
  return hit !== undefined && hit.size === treeSize ? hit.tail : undefined;
}

// Kept per tile with the tree size it is for (a number key; a newer size replaces it).
async function proofTail(cache: TileCache, treeSize: number, n0: number): Promise<ProofTail> {
  const known = peekProofTail(cache, treeSize, n0);
  if (known !== undefined) return known;
  const hit = cache.derived('tail', n0) as { size: number; tail: ProofTail } | undefined;
  // Above the tile every leaf of it has the same path: compute it for the tile's first leaf.
  const groups = auditPathSubtrees(treeSize, n0 * TILE_WIDTH, TILE_HEIGHT);
  const hashes = (await groupHashes(cache, treeSize, groups)).map((h) => h.slice());
  const tail = proofTailOf(hashes);
  // An older tree's tail is of no more use; a proof for an older size (a request that read its
  // checkpoint before a commit) does not displace the newer one.
  if (hit === undefined || hit.size < treeSize) cache.keepDerived('tail', n0, { size: treeSize, tail }, tailBytes(tail));
  return tail;
}

/**
 * The inclusion proof of entry `index` in the tree of `treeSize` entries, in parts (see
 * ProofParts), with the leaf's stored hash. The store must hold that tree (treeSize <= its latest
 * checkpoint). Throws TreeRangeError for an index outside the tree and MissingHashError when a tile
 * is missing from the store.
 */
export async function proofParts(cache: TileCache, treeSize: number, index: number): Promise<ProofParts> {
  checkLeaf(treeSize, index);
  const n0 = Math.floor(index / TILE_WIDTH);
  const k = index - n0 * TILE_WIDTH;
  const width = Math.min(TILE_WIDTH, treeSize - n0 * TILE_WIDTH);
  const tile: Tile = { level: 0, n: n0, width };
  const tree = await treeOf(cache, tile);
  const leaf = rowHash(tree[0], k);
  if (leaf === undefined) throw missing(`leaf ${index}`, tile);
  let head: Hash[];
  if (width === TILE_WIDTH) {
    // A full tile holds the sibling of the leaf's ancestor at each of its 8 heights.
    head = new Array<Hash>(TILE_HEIGHT);
    for (let h = 0; h < TILE_HEIGHT; h++) {
      const sibling = rowHash(tree[h], (k >> h) ^ 1);
      if (sibling === undefined) throw missing(`the sibling of leaf ${index}'s ancestor at height ${h}`, tile);
      head[h] = sibling;
    }
  } else {
    head = await groupHashes(cache, treeSize, auditPathSubtrees(treeSize, index, 0, TILE_HEIGHT));
  }
  return { leaf, head, tail: await proofTail(cache, treeSize, n0) };
}

/**
 * The inclusion proof (audit path, leaf's sibling first) of entry `index` in the tree of `treeSize`
 * entries, which the store must hold (treeSize <= its latest checkpoint). Throws TreeRangeError for
 * an index outside the tree and MissingHashError when a tile is missing from the store. The hashes
 * are the caller's own copies.
 */
export async function inclusionProof(cache: TileCache, treeSize: number, index: number): Promise<Hash[]> {
  const { head, tail } = await proofParts(cache, treeSize, index);
  return [...head, ...tail.hashes].map((h) => h.slice());
}
