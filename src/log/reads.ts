// Reading the log's own data back from the store: stored hashes (out of hash tiles) and entries (out
// of entry bundles). These are trusted reads of our own store, not authenticated client reads.

import type { Hash } from '../tlog/hash.ts';
import { bundleOffsets, hashFromTile, tileForIndex } from '../tlog/tile.ts';
import { MissingHashError } from '../tlog/errors.ts';
import type { ReadTx } from '../store/store.ts';
import { StoreCorruptError } from '../store/errors.ts';
import { parseEntry } from './entry.ts';
import type { Entry } from './entry.ts';

const WIDTH = 256;

/** An entry of the log with its position and exact leaf bytes. */
export interface LoggedEntry {
  index: number;
  entry: Entry;
  /** The entry line as hashed into the tree. */
  data: Uint8Array;
}

/**
 * The stored hashes at `indexes` (in order), computed from the hash tiles that hold them. Throws
 * MissingHashError when a tile is missing or too narrow (the hash is not in the tree yet).
 */
export async function readStoredHashes(tx: ReadTx, indexes: number[]): Promise<Hash[]> {
  const tiles = indexes.map(tileForIndex);
  const keys = new Map<string, { level: number; n: number }>();
  for (const t of tiles) keys.set(`${t.level}/${t.n}`, { level: t.level, n: t.n });
  const list = [...keys.values()];
  const data = await tx.readTiles(list);
  const byKey = new Map(list.map((k, i) => [`${k.level}/${k.n}`, data[i]]));
  return indexes.map((idx, i) => {
    const t = tiles[i];
    const d = byKey.get(`${t.level}/${t.n}`);
    if (d === undefined || d.length < t.width * 32) throw new MissingHashError(`log: stored hash ${idx} is not in the store`);
    return hashFromTile(t, d.subarray(0, t.width * 32), idx);
  });
}

/** Cached reader of entries by index within one transaction (bundles are parsed once). */
export interface EntryReader {
  /** The entries at `indexes`, in order; throws StoreCorruptError for a missing or bad one. */
  read(indexes: number[]): Promise<LoggedEntry[]>;
}

/** An EntryReader over `tx` for a tree of `size` entries. */
export function entryReader(tx: ReadTx, size: number): EntryReader {
  // Each bundle read with where its entries lie: most reads want one or two entries of a bundle
  // (the writer checking a name's candidates), so entries are not split out one by one.
  const cache = new Map<number, { bundle: Uint8Array; offsets: Uint32Array }>();
  return {
    async read(indexes) {
      for (const i of indexes) {
        if (!Number.isSafeInteger(i) || i < 0 || i >= size) throw new StoreCorruptError(`log: entry ${i} is not in the tree of size ${size}`);
      }
      const missing = [...new Set(indexes.map((i) => Math.floor(i / WIDTH)))].filter((n) => !cache.has(n));
      if (missing.length > 0) {
        const data = await tx.readBundles(missing);
        missing.forEach((n, k) => {
          const d = data[k];
          const want = Math.min(WIDTH, size - n * WIDTH);
          if (d === undefined) throw new StoreCorruptError(`log: entry bundle ${n} is missing from the store`);
          const offsets = bundleOffsets(d, want);
          if (offsets === undefined) throw new StoreCorruptError(`log: entry bundle ${n} is damaged: it holds fewer than the ${want} entries of the tree`);
          cache.set(n, { bundle: d, offsets });
        });
      }
      return indexes.map((index) => {
        const { bundle, offsets } = cache.get(Math.floor(index / WIDTH))!;
        const k = index % WIDTH;
        const data = bundle.slice(offsets[k] + 2, offsets[k + 1]);
        let entry: Entry;
        try {
          entry = parseEntry(data);
        } catch (e) {
          throw new StoreCorruptError(`log: entry ${index} is damaged: ${(e as Error).message}`);
        }
        return { index, entry, data };
      });
    },
  };
}

/**
 * For each file name, in the order asked, the index of its entry in the tree of `size` entries, or
 * undefined: the store's candidates checked against the entries themselves (read through `reader`).
 * The log holds at most one entry per file name; should it hold more, the first is returned.
 */
export async function findFilenames(tx: ReadTx, names: string[], size: number, reader = entryReader(tx, size)): Promise<(number | undefined)[]> {
  if (names.length === 0) return [];
  const candidates = await tx.filenameCandidates(names);
  const wanted = new Set<number>();
  for (const c of candidates) for (const i of c) if (i < size) wanted.add(i);
  if (wanted.size === 0) return names.map(() => undefined);
  const entries = new Map((await reader.read([...wanted])).map((e) => [e.index, e.entry.filename]));
  return names.map((name, k) => candidates[k].find((i) => entries.get(i) === name));
}
