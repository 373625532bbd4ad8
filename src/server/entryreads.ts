// Reading single entries the way lookups need them: the file name index in the store, then the
// entry out of the (cached, immutable) entry bundle that holds it, parsing only that entry. The
// log's LogReader.lookupFilename parses the whole bundle per call; a lookup server does this often.

import { parseEntry } from '../log/entry.ts';
import type { LogReader } from '../log/log.ts';
import type { LoggedEntry } from '../log/reads.ts';
import { StoreCorruptError } from '../store/errors.ts';
import { TILE_WIDTH, entriesPath } from '../tlog/tile.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';

/** Width of entry bundle `n` in a tree of `size` entries (0 when the tree does not reach it). */
export function bundleWidth(n: number, size: number): number {
  return Math.max(0, Math.min(TILE_WIDTH, size - n * TILE_WIDTH));
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
 * Entry `index` of a tree of `size` entries (index < size, the tree is in the store). Throws
 * StoreCorruptError when the bundle is missing or the entry does not parse. Uses the cached bundle
 * when clients fetched it, but does not cache bundles itself: a lookup needs one entry, and whole
 * bundles (~45 KB each) would crowd the tiles out of the cache.
 */
export async function entryAt(cache: TileCache, reader: LogReader, index: number, size: number): Promise<LoggedEntry> {
  const n = Math.floor(index / TILE_WIDTH);
  const width = bundleWidth(n, size);
  // Straight from the store on a miss: caching whole bundles for single entries evicted the tile
  // trees every proof needs (measured: lookups fell to a third of their rate on a 1M-entry log).
  const bundle = cache.peek(entriesPath(n, width), false) ?? (await reader.entryBundle(n, width));
  const data = bundle === undefined ? undefined : bundleEntry(bundle, index % TILE_WIDTH);
  if (data === undefined) throw new StoreCorruptError(`log: entry ${index} is missing from the store`);
  try {
    return { index, entry: parseEntry(data), data: data.slice() };
  } catch (e) {
    throw new StoreCorruptError(`log: entry ${index} is damaged: ${(e as Error).message}`);
  }
}

/**
 * The logged entry for `filename`, or undefined. The checkpoint is read after the index, so the
 * tree read from always holds the entry.
 */
export async function lookupFilename(
  src: { findFilename: (f: string) => Promise<number | undefined>; latest: LatestCheckpoint; cache: TileCache; reader: LogReader },
  filename: string,
): Promise<LoggedEntry | undefined> {
  const index = await src.findFilename(filename);
  if (index === undefined) return undefined;
  const cp = await src.latest.get(index + 1);
  const e = await entryAt(src.cache, src.reader, index, cp.size);
  if (e.entry.filename !== filename) throw new StoreCorruptError(`log: the file name index points ${JSON.stringify(filename.slice(0, 100))} at entry ${index}, which is another file`);
  return e;
}
