// Read-through cache of the log's tile data. Everything a tile path names is immutable once it
// exists (a tile of width W never changes as the log grows; only new widths and tiles appear), so
// values are cached without invalidation, keyed by their canonical C2SP path; "not in the tree yet"
// is never cached. Concurrent misses for one key share one store read. Keying by path lets the
// fast path (fastpath.ts) answer a request straight from the request URL.

import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { LogReader } from '../log/log.ts';
import { entriesPath, tilePath } from '../tlog/tile.ts';
import { byteLru } from './lru.ts';
import type { LruKey, LruStats } from './lru.ts';
import { buildTileTree, tileTreeBytes } from './tiletree.ts';
import type { TileTree } from './tiletree.ts';

const gzipAsync = promisify(gzip);

/** Cached access to hash tiles, entry bundles (plain and gzip) and tile trees. */
export interface TileCache {
  /** Hash tile (level, n) at `width`, or undefined when the tree does not have it. */
  hashTile(level: number, n: number, width: number): Promise<Uint8Array | undefined>;
  /** Entry bundle n with `width` entries, gzip-compressed when `gz`; undefined when not in the tree. */
  entryBundle(n: number, width: number, gz: boolean): Promise<Uint8Array | undefined>;
  /** The node hashes of hash tile (level, n) at `width` (see buildTileTree), or undefined. */
  tileTree(level: number, n: number, width: number): Promise<TileTree | undefined>;
  /**
   * The cached bytes for canonical tile path `path` (no leading slash), gzip-compressed when `gz`
   * and it names an entry bundle; undefined when not in memory. Never reads the store.
   */
  peek(path: string, gz: boolean): Uint8Array | undefined;
  /** The tile tree of (level, n, width) when it is in memory; never reads the store. */
  peekTree(level: number, n: number, width: number): TileTree | undefined;
  /**
   * The value keepDerived stored as (`kind`, `key`) while it is still in memory, or undefined;
   * never reads the store. Derived values share the byte bound with the tile data, in their own key
   * space. Numeric keys are integers in [0, 2^44); string keys are file names for kind 'logged'
   * (a name containing '/' is never kept) and any text for the other kinds.
   */
  derived(kind: DerivedKind, key: number | string): unknown;
  /**
   * Keeps `value`, which occupies about `bytes` of memory, as (`kind`, `key`) within the byte bound.
   * Only for values that never go stale: functions of immutable log data (a tile, a bundle's prefix,
   * the tree of one size), with everything they depend on in the key or checked in the value.
   */
  keepDerived(kind: DerivedKind, key: number | string, value: unknown, bytes: number): void;
  stats(): LruStats;
}

const GZ = 'gz:';

/** What a derived value is; each kind has its own key space. */
export type DerivedKind = 'tree' | 'offsets' | 'parts' | 'tail' | 'fold' | 'logged';

// The LRU holds, without collisions: tile paths and their 'gz:' forms (strings with '/'), numbers
// (kind code in the low 3 bits), file names (strings without '/': the 'logged' kind, so a lookup's
// own name string is the key) and other derived text keys ('d/<kind>/<key>').
const KIND_CODE: Record<DerivedKind, number> = { tree: 0, offsets: 1, parts: 2, tail: 3, fold: 4, logged: 5 };
const MAX_NUMERIC_KEY = 2 ** 44;

function derivedKey(kind: DerivedKind, key: number | string): LruKey | undefined {
  if (typeof key === 'number') {
    return Number.isInteger(key) && key >= 0 && key < MAX_NUMERIC_KEY ? key * 8 + KIND_CODE[kind] : undefined;
  }
  if (kind === 'logged') return key.includes('/') ? undefined : key;
  return `d/${kind}/${key}`;
}

// Derived values are boxed, so peek and peekTree can never hand one out whatever key they are given.
interface Boxed {
  derived: unknown;
}
// Tile trees are looked up several times per proof: a number rather than the formatted path.
// level < 8, width <= 256 and n < 2^32 (trees below 2^40 leaves) fit the numeric key range.
const treeKey = (level: number, n: number, width: number): LruKey =>
  level < 8 && width <= 256 && n < 2 ** 32 ? ((n * 8 + level) * 512 + width) * 8 + KIND_CODE.tree : `d/tree/${level}/${n}/${width}`;

/** A cache over `reader` holding at most `maxBytes` of data. */
export function tileCache(reader: LogReader, maxBytes: number): TileCache {
  const lru = byteLru<Uint8Array | TileTree | Boxed>(maxBytes);
  const pending = new Map<LruKey, Promise<Uint8Array | TileTree | undefined>>();

  function cached<T extends Uint8Array | TileTree>(key: LruKey, load: () => Promise<T | undefined>, size: (v: T) => number): Promise<T | undefined> {
    const hit = lru.get(key);
    if (hit !== undefined) return Promise.resolve(hit as T);
    const inFlight = pending.get(key);
    if (inFlight !== undefined) return inFlight as Promise<T | undefined>;
    const p = load().then(
      (v) => {
        pending.delete(key);
        if (v !== undefined) lru.set(key, v, size(v));
        return v;
      },
      (e: unknown) => {
        pending.delete(key);
        throw e;
      },
    );
    pending.set(key, p);
    return p;
  }

  const bytes = (v: Uint8Array) => v.length;
  // A prefix view would pin the whole (wider) stored value in memory: keep an exact copy instead.
  const own = (v: Uint8Array | undefined) => (v === undefined || (v.byteOffset === 0 && v.buffer.byteLength === v.length) ? v : v.slice());
  const api: TileCache = {
    hashTile: (level, n, width) => cached(tilePath({ level, n, width }), async () => own(await reader.tile(level, n, width)), bytes),
    entryBundle(n, width, gz) {
      const path = entriesPath(n, width);
      if (!gz) return cached(path, async () => own(await reader.entryBundle(n, width)), bytes);
      return cached(
        GZ + path,
        async () => {
          const plain = await api.entryBundle(n, width, false);
          return plain === undefined ? undefined : new Uint8Array(await gzipAsync(plain, { level: 6 }));
        },
        bytes,
      );
    },
    tileTree(level, n, width) {
      return cached(
        treeKey(level, n, width),
        async () => {
          const data = await api.hashTile(level, n, width);
          return data === undefined ? undefined : buildTileTree(data);
        },
        tileTreeBytes,
      );
    },
    peek(path, gz) {
      const v = lru.get(gz && path.startsWith('tile/entries/') ? GZ + path : path);
      return v instanceof Uint8Array ? v : undefined;
    },
    peekTree(level, n, width) {
      const v = lru.get(treeKey(level, n, width));
      return Array.isArray(v) ? v : undefined;
    },
    derived(kind, key) {
      const k = derivedKey(kind, key);
      const v = k === undefined ? undefined : lru.get(k);
      return v === undefined ? undefined : (v as Boxed).derived;
    },
    keepDerived(kind, key, value, size) {
      const k = derivedKey(kind, key);
      if (k !== undefined) lru.set(k, { derived: value }, size);
    },
    stats: () => lru.stats(),
  };
  return api;
}
