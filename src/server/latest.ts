// The latest signed checkpoint, kept in memory. Nearly every request needs it, and re-reading it
// from the store each time costs more than answering a cached tile. It is re-read when the writer
// reports a commit (invalidate), when it is older than `ttlMs` (another process may be the writer),
// or when a caller needs a tree of at least some size.

import type { LogReader } from '../log/log.ts';
import type { StoredCheckpoint } from '../store/store.ts';

/** Cached access to the latest checkpoint. */
export interface LatestCheckpoint {
  /** The latest checkpoint, at most ttlMs old; re-read when its size is below `minSize`. */
  get(minSize?: number): Promise<StoredCheckpoint>;
  /**
   * The checkpoint get(minSize) would answer without reading the store, or undefined when it would
   * have to read it (none cached, too old, or too small).
   */
  peek(minSize?: number): StoredCheckpoint | undefined;
  /** Forgets the cached checkpoint (a batch committed). */
  invalidate(): void;
}

/** A cache over `reader`; `clock` gives milliseconds (injected for tests). */
export function latestCheckpoint(reader: LogReader, ttlMs: number, clock: () => number = () => performance.now()): LatestCheckpoint {
  let cached: StoredCheckpoint | undefined;
  let readAt = 0;
  let generation = 0;
  let inFlight: Promise<StoredCheckpoint> | undefined;
  const refresh = (): Promise<StoredCheckpoint> => {
    if (inFlight !== undefined) return inFlight;
    const gen = generation;
    const at = clock();
    const p = reader.latestCheckpoint().then(
      (c) => {
        inFlight = undefined;
        // A commit reported while reading may not be in `c`: keep it only if none was.
        if (gen === generation && (cached === undefined || c.size >= cached.size)) {
          cached = c;
          readAt = at;
        }
        return c;
      },
      (e: unknown) => {
        inFlight = undefined;
        throw e;
      },
    );
    inFlight = p;
    return p;
  };
  return {
    get(minSize = 0) {
      if (cached !== undefined && cached.size >= minSize && clock() - readAt < ttlMs) return Promise.resolve(cached);
      return refresh();
    },
    peek(minSize = 0) {
      return cached !== undefined && cached.size >= minSize && clock() - readAt < ttlMs ? cached : undefined;
    },
    invalidate() {
      generation++;
      cached = undefined;
      inFlight = undefined;
    },
  };
}
