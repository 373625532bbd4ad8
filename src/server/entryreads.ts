// Reading single entries the way lookups need them: the file name index in the store, then the
// entry out of the (cached, immutable) entry bundle that holds it, parsing only that entry. The
// log's LogReader.lookupFilename parses the whole bundle per call; a lookup server does this often.
// Once a bundle was read whole, where its entries lie is remembered (a few hundred numbers, in the
// tile cache's byte bound), and later entries of it are read from the store alone: reading a whole
// ~50 KB bundle to keep ~190 bytes of it cost twice the time (measured 16 against 8 µs) and left
// 50 KB of garbage per lookup.

import { parseEntry } from '../log/entry.ts';
import type { LogReader } from '../log/log.ts';
import type { LoggedEntry } from '../log/reads.ts';
import { StoreCorruptError } from '../store/errors.ts';
import type { StoredCheckpoint } from '../store/store.ts';
import { TILE_WIDTH, bundleEntry, bundleOffsets, entriesPath } from '../tlog/tile.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';

/** Width of entry bundle `n` in a tree of `size` entries (0 when the tree does not reach it). */
export function bundleWidth(n: number, size: number): number {
  return Math.max(0, Math.min(TILE_WIDTH, size - n * TILE_WIDTH));
}

// Bundle n's entry offsets are kept under key n. Any width's offsets are a prefix of a wider
// one's (a bundle only grows), so one key per bundle holds the widest seen.

/** The remembered entry offsets of bundle n (see bundleOffsets), if any. */
function knownOffsets(cache: TileCache, n: number): Uint32Array | undefined {
  const v = cache.derived('offsets', n);
  return v instanceof Uint32Array ? v : undefined;
}

// Remembers where the first `width` entries of bundle n lie, unless as many are known already.
function keepOffsets(cache: TileCache, n: number, bundle: Uint8Array, width: number): void {
  const known = knownOffsets(cache, n);
  if (known !== undefined && known.length > width) return;
  const offsets = bundleOffsets(bundle, width);
  // The array plus V8's object overhead, roughly.
  if (offsets !== undefined) cache.keepDerived('offsets', n, offsets, offsets.byteLength + 128);
}

// A logged entry from its leaf bytes; StoreCorruptError when they do not parse.
function logged(index: number, data: Uint8Array): LoggedEntry {
  try {
    return { index, entry: parseEntry(data), data };
  } catch (e) {
    throw new StoreCorruptError(`log: entry ${index} is damaged: ${(e as Error).message}`);
  }
}

/**
 * Entry `index` of a tree of `size` entries (index < size, the tree is in the store). Throws
 * StoreCorruptError when the bundle is missing or the entry does not parse. Uses the cached bundle
 * when clients fetched it, but does not cache bundles itself: a lookup needs one entry, and whole
 * bundles (~45 KB each) would crowd the tiles out of the cache. Reads the whole bundle through
 * `reader` otherwise (and remembers where its entries lie, for readEntry).
 */
export async function entryAt(cache: TileCache, reader: LogReader, index: number, size: number): Promise<LoggedEntry> {
  const n = Math.floor(index / TILE_WIDTH);
  const width = bundleWidth(n, size);
  // Straight from the store on a miss: caching whole bundles for single entries evicted the tile
  // trees every proof needs (measured: lookups fell to a third of their rate on a 1M-entry log).
  let bundle = cache.peek(entriesPath(n, width), false);
  if (bundle === undefined) {
    bundle = await reader.entryBundle(n, width);
    if (bundle !== undefined) keepOffsets(cache, n, bundle, width);
  }
  const data = bundle === undefined ? undefined : bundleEntry(bundle, index % TILE_WIDTH);
  if (data === undefined) throw new StoreCorruptError(`log: entry ${index} is missing from the store`);
  return logged(index, data.slice());
}

/**
 * entryAt, but reading only the entry's own bytes from the store when the bundle is not cached and
 * where its entries lie is known (from an earlier whole read of it). The same entry, the same errors.
 */
export async function readEntry(cache: TileCache, reader: LogReader, index: number, size: number): Promise<LoggedEntry> {
  const n = Math.floor(index / TILE_WIDTH);
  const k = index % TILE_WIDTH;
  const width = bundleWidth(n, size);
  const offsets = k < width ? knownOffsets(cache, n) : undefined;
  // Entry k is known when offsets hold k + 2 numbers; a cached bundle is cheaper than any read.
  if (offsets === undefined || offsets.length < k + 2 || cache.peek(entriesPath(n, width), false) !== undefined) {
    return entryAt(cache, reader, index, size);
  }
  const start = offsets[k];
  const length = offsets[k + 1] - start;
  const b = await reader.entryBundleSlice(n, start, length);
  if (b === undefined || b.length !== length) throw new StoreCorruptError(`log: entry ${index} is missing from the store`);
  // The length prefix read back must be the one the offsets came from: a cheap check that the
  // stored bundle is still the one they describe.
  if (((b[0] << 8) | b[1]) !== length - 2) throw new StoreCorruptError(`log: entry bundle ${n} changed under entry ${index}`);
  return logged(index, b.subarray(2));
}

/** A logged entry and the checkpoint read after finding it (its tree holds the entry). */
export interface Found {
  logged: LoggedEntry;
  checkpoint: StoredCheckpoint;
}

/** What a lookup by file name reads. */
export interface LookupSources {
  /** Candidate indexes for a file name (see ServerDeps.findFilename). */
  findFilename: (f: string) => Promise<number[]>;
  latest: LatestCheckpoint;
  cache: TileCache;
  reader: LogReader;
}

/**
 * The logged entry for `filename` with the latest checkpoint, or undefined when it is not logged.
 * The checkpoint is read after the index, so its tree always holds the entry. Of the index's
 * candidates, the entry is the one with this file name (another is a hash collision).
 */
export async function findLogged(src: LookupSources, filename: string): Promise<Found | undefined> {
  const known = src.cache.derived('logged', filename) as LoggedEntry | undefined;
  if (known !== undefined) return { logged: known, checkpoint: await src.latest.get(known.index + 1) };
  for (const index of await src.findFilename(filename)) {
    const checkpoint = await src.latest.get(index + 1);
    const e = await readEntry(src.cache, src.reader, index, checkpoint.size);
    if (e.entry.filename !== filename) continue;
    // The record twice (bytes and parsed fields), the key, and object overhead, roughly.
    src.cache.keepDerived('logged', filename, e, 3 * e.data.length + 2 * filename.length + 300);
    return { logged: e, checkpoint };
  }
  return undefined;
}

// Found entries are kept by file name (the request's own string is the key). The first entry for a
// name is the only one it ever gets (first seen wins) and entries never change, so a found entry
// never goes stale: names looked up again (popular files) skip both store reads. Names not logged
// are not kept.

/**
 * The logged entry for `filename`, or undefined. The checkpoint is read after the index, so the
 * tree read from always holds the entry.
 */
export async function lookupFilename(src: LookupSources, filename: string): Promise<LoggedEntry | undefined> {
  return (await findLogged(src, filename))?.logged;
}
