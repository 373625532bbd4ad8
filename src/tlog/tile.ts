// C2SP tlog-tiles with height 8: the Merkle tree served as immutable 256-hash tiles plus entry bundles.
// A tile at level L, number N holds the stored hashes at tree level 8L with indexes N*256 .. N*256+W-1;
// each hash at level L >= 1 is the root of a full tile at level L-1.

import { HASH_SIZE, nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';
import { MAX_TREE_SIZE, checkCount, readHashes, splitStoredHashIndex, storedHashIndex } from './stored.ts';
import type { HashReader } from './stored.ts';
import { TileError } from './errors.ts';

/** Tree levels per tile: a full tile holds 2^TILE_HEIGHT = 256 hashes. */
export const TILE_HEIGHT = 8;

/** Hashes in a full tile and entries in a full entry bundle. */
export const TILE_WIDTH = 256;

/** Highest tile level the C2SP path syntax allows. */
export const MAX_TILE_LEVEL = 63;

/** Largest entry an entry bundle can hold (uint16 length prefix). */
export const MAX_ENTRY_SIZE = 0xffff;

/**
 * One tile: level (0 = leaf hashes), number within the level, and width 1..256 (256 = full tile).
 * Valid tiles fit a tree of at most MAX_TREE_SIZE records.
 */
export interface Tile {
  level: number;
  n: number;
  width: number;
}

/** 256^level as an exact number. */
function tileSpan(level: number): number {
  return TILE_WIDTH ** level;
}

/** The smallest tree size in which tile `t` exists (records covered up to its last hash). */
export function tileMinTreeSize(t: Tile): number {
  return (t.n * TILE_WIDTH + t.width) * tileSpan(t.level);
}

/** Throws TileError unless `t` is a well-formed tile that fits a supported tree. */
export function checkTile(t: Tile): void {
  if (!Number.isSafeInteger(t.level) || t.level < 0 || t.level > MAX_TILE_LEVEL) {
    throw new TileError(`tlog: tile level ${String(t.level)} is not in 0..${MAX_TILE_LEVEL}`);
  }
  if (!Number.isSafeInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) {
    throw new TileError(`tlog: tile width ${String(t.width)} is not in 1..${TILE_WIDTH}`);
  }
  if (!Number.isSafeInteger(t.n) || t.n < 0 || tileMinTreeSize(t) > MAX_TREE_SIZE) {
    throw new TileError(`tlog: tile ${String(t.level)}/${String(t.n)} lies beyond the largest supported tree`);
  }
}

// N in zero-padded 3-digit groups, all but the last prefixed with 'x': 1234067 -> x001/x234/067.
function formatIndex(n: number): string {
  let s = String(n % 1000).padStart(3, '0');
  for (let m = Math.floor(n / 1000); m > 0; m = Math.floor(m / 1000)) {
    s = `x${String(m % 1000).padStart(3, '0')}/${s}`;
  }
  return s;
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** The C2SP path of a hash tile, e.g. 'tile/0/x001/067' or 'tile/1/005.p/17'. */
export function tilePath(t: Tile): string {
  checkTile(t);
  return `tile/${t.level}/${formatIndex(t.n)}${widthSuffix(t.width)}`;
}

/** The C2SP path of entry bundle `n` holding `width` entries, e.g. 'tile/entries/x001/067.p/5'. */
export function entriesPath(n: number, width: number): string {
  checkTile({ level: 0, n, width });
  return `tile/entries/${formatIndex(n)}${widthSuffix(width)}`;
}

const MAX_PATH_LENGTH = 100;
const LEVEL_RE = /^(?:0|[1-9][0-9]?)$/;
const GROUP_RE = /^x[0-9]{3}$/;
const LAST_GROUP_RE = /^[0-9]{3}$/;
const WIDTH_RE = /^[1-9][0-9]{0,2}$/;

/**
 * Parses a tile or entry-bundle path in exactly the canonical form tilePath/entriesPath produce
 * (no leading slash, no redundant 'x000/' groups, width 1..255 only with '.p/'); throws TileError
 * for anything else, including tiles beyond the largest supported tree.
 */
export function parseTilePath(
  path: string,
): { kind: 'hash'; tile: Tile } | { kind: 'entries'; n: number; width: number } {
  const bad = (why: string): TileError => new TileError(`tlog: bad tile path ${JSON.stringify(String(path).slice(0, MAX_PATH_LENGTH))}: ${why}`);
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) throw bad('too long');
  const parts = path.split('/');
  if (parts[0] !== 'tile' || parts.length < 3) throw bad('expected tile/<L>/<N> or tile/entries/<N>');
  const isEntries = parts[1] === 'entries';
  let level = 0;
  if (!isEntries) {
    if (!LEVEL_RE.test(parts[1])) throw bad('level must be a decimal 0..63 without leading zeros');
    level = Number(parts[1]);
    if (level > MAX_TILE_LEVEL) throw bad('level must be 0..63');
  }
  let rest = parts.slice(2);
  let width = TILE_WIDTH;
  // A partial tile ends in '<NNN>.p/<W>'.
  if (rest.length >= 2 && rest[rest.length - 2].endsWith('.p')) {
    const w = rest[rest.length - 1];
    if (!WIDTH_RE.test(w) || Number(w) > TILE_WIDTH - 1) throw bad('partial width must be 1..255');
    width = Number(w);
    rest = rest.slice(0, -1);
    rest[rest.length - 1] = rest[rest.length - 1].slice(0, -2);
  }
  if (rest.length > 6) throw bad('index has too many groups');
  let n = 0;
  for (let i = 0; i < rest.length; i++) {
    const g = rest[i];
    const last = i === rest.length - 1;
    if (!(last ? LAST_GROUP_RE : GROUP_RE).test(g)) throw bad('index groups must be xNNN/.../NNN');
    if (i === 0 && !last && g === 'x000') throw bad('index has a leading zero group');
    n = n * 1000 + Number(last ? g : g.slice(1));
  }
  const tile = { level, n, width };
  try {
    checkTile(tile);
  } catch (err) {
    throw bad((err as Error).message.replace(/^tlog: /, ''));
  }
  return isEntries ? { kind: 'entries', n, width } : { kind: 'hash', tile };
}

/**
 * Every tile that exists for a tree of `size` records per C2SP: at each level, the full tiles and
 * the one partial tile of width floor(size/256^L) mod 256 when that is non-zero. Ordered by level,
 * then number.
 */
export function tilesForSize(size: number): Tile[] {
  checkCount('tree size', size);
  const tiles: Tile[] = [];
  for (let level = 0; Math.floor(size / tileSpan(level)) > 0; level++) {
    const hashes = Math.floor(size / tileSpan(level));
    const full = Math.floor(hashes / TILE_WIDTH);
    for (let n = 0; n < full; n++) tiles.push({ level, n, width: TILE_WIDTH });
    const w = hashes % TILE_WIDTH;
    if (w > 0) tiles.push({ level, n: full, width: w });
  }
  return tiles;
}

/**
 * The tiles of the tree of `newSize` records that the tree of `oldSize` records did not have: the
 * full tiles completed while growing and the new partial tile at each level whose hash count changed.
 * A server publishes exactly these after signing a checkpoint of newSize.
 */
export function newTiles(oldSize: number, newSize: number): Tile[] {
  checkCount('new tree size', newSize);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
    throw new TileError(`tlog: cannot grow from tree size ${String(oldSize)} to ${newSize}`);
  }
  const tiles: Tile[] = [];
  for (let level = 0; Math.floor(newSize / tileSpan(level)) > 0; level++) {
    const oldN = Math.floor(oldSize / tileSpan(level));
    const newN = Math.floor(newSize / tileSpan(level));
    if (oldN === newN) continue;
    for (let n = Math.floor(oldN / TILE_WIDTH); n < Math.floor(newN / TILE_WIDTH); n++) {
      tiles.push({ level, n, width: TILE_WIDTH });
    }
    const n = Math.floor(newN / TILE_WIDTH);
    const w = newN - n * TILE_WIDTH;
    if (w > 0) tiles.push({ level, n, width: w });
  }
  return tiles;
}

// The tile holding stored hash `storedIndex` with the smallest width that includes it, and the byte
// range [start, end) within that tile's data whose hashes fold into it.
function locate(storedIndex: number): { tile: Tile; start: number; end: number } {
  const split = splitStoredHashIndex(storedIndex);
  const level = Math.floor(split.level / TILE_HEIGHT);
  const inTile = split.level - level * TILE_HEIGHT; // tree levels above the tile's base level
  const scale = 2 ** inTile;
  // The hash covers base-level hashes split.n*scale .. (split.n+1)*scale-1.
  const first = split.n * scale;
  const n = Math.floor(first / TILE_WIDTH);
  const lo = first - n * TILE_WIDTH;
  const tile = { level, n, width: lo + scale };
  return { tile, start: lo * HASH_SIZE, end: (lo + scale) * HASH_SIZE };
}

/**
 * The tile (smallest width) that holds stored hash `storedIndex`: either directly (a hash at a tile
 * base level) or as the root of a power-of-two run of its hashes. Like x/mod TileForIndex, height 8.
 */
export function tileForIndex(storedIndex: number): Tile {
  const { tile } = locate(storedIndex);
  checkTile(tile);
  return tile;
}

/** The contents of tile `t`: its t.width stored hashes concatenated (t.width*32 bytes). */
export function readTileData(t: Tile, read: HashReader): Uint8Array {
  checkTile(t);
  const start = t.n * TILE_WIDTH;
  const indexes: number[] = [];
  for (let i = 0; i < t.width; i++) indexes.push(storedHashIndex(t.level * TILE_HEIGHT, start + i));
  const hashes = readHashes(read, indexes);
  const data = new Uint8Array(t.width * HASH_SIZE);
  hashes.forEach((h, i) => data.set(h, i * HASH_SIZE));
  return data;
}

/** The Merkle root of a power-of-two run of concatenated hashes (the subtree they are the leaves of). */
export function tileHash(data: Uint8Array): Hash {
  if (data.length === HASH_SIZE) return data.slice();
  if (data.length === 0 || data.length % HASH_SIZE !== 0) throw new Error('tlog: bad math in tileHash');
  const half = data.length / 2;
  return nodeHash(tileHash(data.subarray(0, half)), tileHash(data.subarray(half)));
}

/**
 * Stored hash `storedIndex` computed from the data of tile `t`. Throws TileError when the data is not
 * t.width*32 bytes or the hash is not in that tile.
 */
export function hashFromTile(t: Tile, data: Uint8Array, storedIndex: number): Hash {
  checkTile(t);
  if (data.length !== t.width * HASH_SIZE) {
    throw new TileError(`tlog: tile ${tilePath(t)} has ${data.length} bytes, want ${t.width * HASH_SIZE}`);
  }
  const loc = locate(storedIndex);
  if (loc.tile.level !== t.level || loc.tile.n !== t.n || loc.tile.width > t.width) {
    throw new TileError(`tlog: stored hash ${storedIndex} is in ${tilePath(loc.tile)}, not ${tilePath(t)}`);
  }
  return tileHash(data.subarray(loc.start, loc.end));
}

/**
 * An entry bundle: each entry as a big-endian uint16 length then its bytes. Throws TileError for more
 * than 256 entries or an entry longer than 65535 bytes.
 */
export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new TileError(`tlog: an entry bundle holds at most ${TILE_WIDTH} entries`);
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw new TileError(`tlog: entry of ${e.length} bytes exceeds ${MAX_ENTRY_SIZE}`);
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const e of entries) {
    out[off] = e.length >> 8;
    out[off + 1] = e.length & 0xff;
    out.set(e, off + 2);
    off += 2 + e.length;
  }
  return out;
}

/**
 * Splits an entry bundle into its entries (copies). Throws TileError when a length prefix runs past
 * the end, there are more than 256 entries, or `expectedCount` is given and differs.
 */
export function parseEntryBundle(data: Uint8Array, expectedCount?: number): Uint8Array[] {
  const max = expectedCount ?? TILE_WIDTH;
  if (!Number.isSafeInteger(max) || max < 0 || max > TILE_WIDTH) {
    throw new TileError(`tlog: expected entry count ${String(expectedCount)} is not in 0..${TILE_WIDTH}`);
  }
  const entries: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    if (entries.length === max) throw new TileError(`tlog: entry bundle has more than ${max} entries`);
    if (off + 2 > data.length) throw new TileError('tlog: entry bundle ends inside a length prefix');
    const len = (data[off] << 8) | data[off + 1];
    if (off + 2 + len > data.length) throw new TileError('tlog: entry bundle ends inside an entry');
    entries.push(data.slice(off + 2, off + 2 + len));
    off += 2 + len;
  }
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    throw new TileError(`tlog: entry bundle has ${entries.length} entries, want ${expectedCount}`);
  }
  return entries;
}

/** The bytes of entry `k` of an entry bundle (a view), or undefined when the bundle is shorter. */
export function bundleEntry(bundle: Uint8Array, k: number): Uint8Array | undefined {
  let off = 0;
  for (let i = 0; i < k; i++) {
    if (off + 2 > bundle.length) return undefined;
    off += 2 + ((bundle[off] << 8) | bundle[off + 1]);
  }
  if (off + 2 > bundle.length) return undefined;
  const len = (bundle[off] << 8) | bundle[off + 1];
  if (off + 2 + len > bundle.length) return undefined;
  return bundle.subarray(off + 2, off + 2 + len);
}

/**
 * Where the first `count` entries of `bundle` lie: offsets[k] is the position of entry k's uint16
 * length prefix and offsets[count] the end of entry count-1 (count + 1 numbers, ascending).
 * Undefined when the bundle holds fewer than `count` complete entries.
 */
export function bundleOffsets(bundle: Uint8Array, count: number): Uint32Array | undefined {
  const offsets = new Uint32Array(count + 1);
  let off = 0;
  for (let k = 0; k < count; k++) {
    if (off + 2 > bundle.length) return undefined;
    offsets[k] = off;
    off += 2 + ((bundle[off] << 8) | bundle[off + 1]);
  }
  if (off > bundle.length) return undefined;
  offsets[count] = off;
  return offsets;
}
