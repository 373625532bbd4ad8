// When the log first committed an entry: the signing time of the first checkpoint whose tree holds
// it. Checkpoints never change, so every answer "indexes lo..hi-1 were first committed at T" stays
// true; the server keeps these ranges and reads the store only for indexes no range covers yet.

import type { LogReader } from '../log/log.ts';

/** First-commit times of entries. */
export interface FirstSeen {
  /** When entry `index` was first committed, or undefined when no checkpoint holds it yet. */
  get(index: number): Promise<Date | undefined>;
}

/** Ranges kept before the cache starts over (each is three numbers). */
export const MAX_RANGES = 100_000;

/** A cache over `reader`. */
export function firstSeenCache(reader: LogReader): FirstSeen {
  // Disjoint ranges [lo, hi) sorted by hi; hi is a checkpoint size, at is its signing time (ms).
  let ranges: { lo: number; hi: number; at: number }[] = [];

  // The first range with hi > index (binary search).
  function find(index: number): number {
    let a = 0;
    let b = ranges.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (ranges[m].hi > index) b = m;
      else a = m + 1;
    }
    return a;
  }

  return {
    async get(index) {
      const k = find(index);
      const r = ranges[k];
      if (r !== undefined && r.lo <= index) return new Date(r.at);
      const [c] = await reader.checkpoints(index, 1);
      if (c === undefined) return undefined;
      if (ranges.length >= MAX_RANGES) ranges = [];
      // Every index in [index, c.size) has c as its first checkpoint; merge with a range ending there.
      const j = find(index);
      const same = ranges[j];
      if (same !== undefined && same.hi === c.size) same.lo = Math.min(same.lo, index);
      else if (same === undefined || same.lo > index) ranges.splice(j, 0, { lo: index, hi: c.size, at: c.created });
      return new Date(c.created);
    },
  };
}
