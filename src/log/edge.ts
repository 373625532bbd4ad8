// The right edge of the log's Merkle tree: everything needed to append records without reading the
// rest of the tree. That is the stored hashes of the maximal complete subtrees (which fold into the
// root and are the only left siblings a new record can need), the partial hash tile of each level and
// the partial entry bundle. The sequencer keeps one in memory and grows it batch by batch; the tiles
// and bundles it emits are exactly what the store must hold afterwards.

import type { Hash } from '../tlog/hash.ts';
import { HASH_SIZE, nodeHashInto, recordHash } from '../tlog/hash.ts';
import { splitStoredHashIndex, storedHashIndex, treeHash } from '../tlog/stored.ts';
import type { HashReader } from '../tlog/stored.ts';
import { TILE_HEIGHT, hashFromTile, tileForIndex } from '../tlog/tile.ts';
import type { StoredBundle, StoredTile } from '../store/store.ts';
import { MissingHashError } from '../tlog/errors.ts';

const WIDTH = 2 ** TILE_HEIGHT;
const HASH = HASH_SIZE;

/**
 * The right edge of a tree of `size` records. `hashes` maps the stored index of each maximal
 * complete subtree (edgeIndexes(size)) to its hash; `tiles` maps a level to the data of that level's
 * partial tile (1..255 hashes) and has no key for levels whose hash count is a multiple of 256;
 * `bundle` is the partial entry bundle (size % 256 entries, empty when that is 0). Never mutated.
 */
export interface TreeEdge {
  size: number;
  hashes: ReadonlyMap<number, Hash>;
  tiles: ReadonlyMap<number, Uint8Array>;
  bundle: Uint8Array;
}

/** The edge of the empty tree. */
export const EMPTY_EDGE: TreeEdge = { size: 0, hashes: new Map(), tiles: new Map(), bundle: new Uint8Array(0) };

/**
 * Stored indexes of the maximal complete subtrees of a tree of `size` records, largest (leftmost)
 * first: one per set bit of size. These are the hashes treeHash(size) reads.
 */
export function edgeIndexes(size: number): number[] {
  const out: number[] = [];
  for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level--) {
    const n = Math.floor(size / 2 ** level);
    if (n % 2 === 1) out.push(storedHashIndex(level, n - 1));
  }
  return out;
}

/** A HashReader over a map; throws MissingHashError for an index it does not hold. */
export function mapHashReader(m: ReadonlyMap<number, Hash>): HashReader {
  return (indexes) =>
    indexes.map((i) => {
      const h = m.get(i);
      if (h === undefined) throw new MissingHashError(`log: stored hash ${i} is not available`);
      return h;
    });
}

/** The root hash of the tree the edge describes (SHA-256("") for the empty tree). */
export function edgeRoot(edge: TreeEdge): Hash {
  return treeHash(edge.size, mapHashReader(edge.hashes));
}

/** The tiles (level, n) and bundle number whose stored data loadEdge needs for a tree of `size`. */
export function edgeReads(size: number): { tiles: { level: number; n: number }[]; bundle?: number } {
  const want = new Map<string, { level: number; n: number }>();
  for (const i of edgeIndexes(size)) {
    const t = tileForIndex(i);
    want.set(`${t.level}/${t.n}`, { level: t.level, n: t.n });
  }
  for (const p of partialTiles(size)) want.set(`${p.level}/${p.n}`, { level: p.level, n: p.n });
  const tiles = [...want.values()];
  return size % WIDTH === 0 ? { tiles } : { tiles, bundle: Math.floor(size / WIDTH) };
}

// The partial tile of each level of a tree of `size` records: level, number and width.
function partialTiles(size: number): { level: number; n: number; width: number }[] {
  const out: { level: number; n: number; width: number }[] = [];
  for (let level = 0; Math.floor(size / WIDTH ** level) > 0; level++) {
    const count = Math.floor(size / WIDTH ** level);
    if (count % WIDTH !== 0) out.push({ level, n: Math.floor(count / WIDTH), width: count % WIDTH });
  }
  return out;
}

/**
 * Rebuilds the edge of a tree of `size` records from stored tiles and the partial bundle, as
 * returned for edgeReads(size). Throws MissingHashError when a tile is missing or too short. The
 * caller must compare edgeRoot with the signed checkpoint before trusting the result.
 */
export function loadEdge(
  size: number,
  readTile: (level: number, n: number) => Uint8Array | undefined,
  bundle: Uint8Array | undefined,
): TreeEdge {
  const hashes = new Map<number, Hash>();
  for (const i of edgeIndexes(size)) {
    const t = tileForIndex(i);
    const data = readTile(t.level, t.n);
    if (data === undefined || data.length < t.width * HASH) throw new MissingHashError(`log: tile ${t.level}/${t.n} is missing or short`);
    hashes.set(i, hashFromTile(t, data.subarray(0, t.width * HASH), i));
  }
  const tiles = new Map<number, Uint8Array>();
  for (const p of partialTiles(size)) {
    const data = readTile(p.level, p.n);
    if (data === undefined || data.length !== p.width * HASH) {
      throw new MissingHashError(`log: partial tile ${p.level}/${p.n} does not hold ${p.width} hashes`);
    }
    tiles.set(p.level, data);
  }
  if (size % WIDTH !== 0 && bundle === undefined) throw new MissingHashError(`log: entry bundle ${Math.floor(size / WIDTH)} is missing`);
  return { size, hashes, tiles, bundle: size % WIDTH === 0 ? new Uint8Array(0) : bundle! };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0].constructor === Uint8Array) return parts[0];
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// Largest record an entry bundle holds (uint16 length prefix).
const MAX_RECORD = 0xffff;

// The C2SP entry bundle encoding (uint16 length, bytes) of records from..to-1, in one copy each.
function bundleOf(input: FlatRecords, from: number, to: number): Uint8Array {
  const { records, ends } = input;
  const start = from === 0 ? 0 : ends[from - 1];
  const out = new Uint8Array(ends[to - 1] - start + 2 * (to - from));
  let off = 0;
  for (let r = from; r < to; r++) {
    const s = r === 0 ? 0 : ends[r - 1];
    const len = ends[r] - s;
    out[off] = len >> 8;
    out[off + 1] = len & 0xff;
    out.set(records.subarray(s, ends[r]), off + 2);
    off += 2 + len;
  }
  return out;
}

/** What appending a batch of records produced. */
export interface Growth {
  edge: TreeEdge;
  root: Hash;
  /** Every tile that changed (full tiles completed, the new partial tile of each level that grew). */
  tiles: StoredTile[];
  /** Every entry bundle that changed, likewise. */
  bundles: StoredBundle[];
  /** The stored hashes produced whose index was in `keep`. */
  kept: Map<number, Hash>;
}

// Number of trailing 1 bits of n: the subtrees record n completes.
function trailingOnes(n: number): number {
  let m = 0;
  if (n < 0x7fffffff) {
    while ((n >> m) & 1) m++;
    return m;
  }
  for (let x = n; x % 2 === 1; x = Math.floor(x / 2)) m++;
  return m;
}

/**
 * Records to append, back to back: record i is records[ends[i-1] .. ends[i]) (ends[-1] = 0), and
 * when `leaves` is given its leaf hash (recordHash) is leaves[32i .. 32i+32).
 */
export interface FlatRecords {
  count: number;
  records: Uint8Array;
  ends: Uint32Array;
  leaves?: Uint8Array;
}

/**
 * Appends `records` (entry bytes, each at most 65535 bytes) to the tree described by `edge` and
 * returns the new edge, its root and the changed tiles and bundles. Stored hashes produced whose
 * index is in `keep` are returned too (for a consistency proof against the old tree). Pure: the
 * input edge is unchanged. Produces exactly the stored hashes of tlog's storedHashesForRecordHash,
 * keeping the edge as a stack of subtree hashes by level (a compact range) instead of reading them.
 */
export function growEdge(edge: TreeEdge, records: readonly Uint8Array[], keep: ReadonlySet<number> = new Set()): Growth {
  const ends = new Uint32Array(records.length);
  let total = 0;
  records.forEach((r, i) => (ends[i] = total += r.length));
  const flat = new Uint8Array(total);
  records.forEach((r, i) => flat.set(r, i === 0 ? 0 : ends[i - 1]));
  return growEdgeFlat(edge, { count: records.length, records: flat, ends }, keep);
}

/** growEdge for records given back to back (with their leaf hashes, when computed beforehand). */
export function growEdgeFlat(edge: TreeEdge, input: FlatRecords, keep: ReadonlySet<number> = new Set()): Growth {
  const { count, records: bytes, ends, leaves } = input;
  const kept = new Map<number, Hash>();
  // stack[l]: hash of the level-l complete subtree on the edge, when bit l of the size is set. The
  // hashes live in fixed 32-byte slots and node hashes are computed into one work buffer, so
  // growing by a million records allocates no million small arrays.
  const LEVELS = 64;
  const slots = new Uint8Array(LEVELS * HASH);
  const stack: Uint8Array[] = Array.from({ length: LEVELS }, (_, l) => slots.subarray(l * HASH, (l + 1) * HASH));
  for (const [i, h] of edge.hashes) stack[splitStoredHashIndex(i).level].set(h);
  const work = new Uint8Array(HASH);

  // Per tile level: the tile being filled, copied into a full-size buffer as hashes arrive (so the
  // many small hash buffers die young).
  const filling = new Map<number, { n: number; data: Uint8Array; count: number }>();
  const tiles: StoredTile[] = [];
  const tileFor = (level: number) => {
    let f = filling.get(level);
    if (f === undefined) {
      const count = Math.floor(edge.size / WIDTH ** level);
      const data = new Uint8Array(WIDTH * HASH);
      const old = edge.tiles.get(level);
      if (old) data.set(old);
      f = { n: Math.floor(count / WIDTH), data, count: count % WIDTH };
      filling.set(level, f);
    }
    return f;
  };
  const emit = (l: number, h: Hash) => {
    if (l % TILE_HEIGHT !== 0) return;
    const level = l / TILE_HEIGHT;
    const f = tileFor(level);
    f.data.set(h, f.count * HASH);
    if (++f.count === WIDTH) {
      tiles.push({ level, n: f.n, data: f.data });
      filling.set(level, { n: f.n + 1, data: new Uint8Array(WIDTH * HASH), count: 0 });
    }
  };

  const bundles: StoredBundle[] = [];
  let bundleN = Math.floor(edge.size / WIDTH);
  let bundleParts: Uint8Array[] = edge.bundle.length > 0 ? [edge.bundle] : [];
  let pendingFrom = 0; // first record not yet in a bundle

  let n = edge.size;
  let stored = storedHashIndex(0, n); // where record n's leaf hash goes
  const keepAny = keep.size > 0;
  for (let r = 0; r < count; r++) {
    const start = r === 0 ? 0 : ends[r - 1];
    if (ends[r] - start > MAX_RECORD) throw new RangeError(`log: record of ${ends[r] - start} bytes exceeds ${MAX_RECORD}`);
    let h = leaves === undefined ? recordHash(bytes.subarray(start, ends[r])) : leaves.subarray(r * HASH, r * HASH + HASH);
    if (keepAny && keep.has(stored)) kept.set(stored, h.slice());
    emit(0, h);
    const m = trailingOnes(n);
    for (let l = 0; l < m; l++) {
      h = nodeHashInto(stack[l], h, work);
      if (keepAny && keep.has(stored + l + 1)) kept.set(stored + l + 1, h.slice());
      emit(l + 1, h);
    }
    stack[m].set(h);
    if ((n + 1) % WIDTH === 0) {
      bundleParts.push(bundleOf(input, pendingFrom, r + 1));
      bundles.push({ n: bundleN, data: concat(bundleParts) });
      bundleN++;
      bundleParts = [];
      pendingFrom = r + 1;
    }
    stored += m + 1;
    n++;
  }

  const newTiles = new Map(edge.tiles);
  for (const [level, f] of filling) {
    if (f.count === 0) {
      newTiles.delete(level);
      continue;
    }
    const data = f.data.slice(0, f.count * HASH);
    tiles.push({ level, n: f.n, data });
    newTiles.set(level, data);
  }
  let bundle = n % WIDTH === 0 ? new Uint8Array(0) : edge.bundle;
  if (pendingFrom < count) {
    bundleParts.push(bundleOf(input, pendingFrom, count));
    bundle = concat(bundleParts);
    bundles.push({ n: bundleN, data: bundle });
  }
  tiles.sort((a, b) => a.level - b.level || a.n - b.n);
  const hashes = new Map<number, Hash>();
  for (const i of edgeIndexes(n)) hashes.set(i, stack[splitStoredHashIndex(i).level].slice());
  const next: TreeEdge = { size: n, hashes, tiles: newTiles, bundle };
  return { edge: next, root: edgeRoot(next), tiles, bundles, kept };
}
