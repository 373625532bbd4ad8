// The store's lookup indexes as sorted runs of (key, index) pairs, merged in tiers (a log-structured
// merge tree). A B-tree insert per entry and index costs about 1.5 µs plus the pages it dirties; a
// batch of entries sorted into one immutable run costs a sort and a memcpy, and merging runs of
// similar size keeps their number logarithmic in the log's size. Pure: no I/O; src/store/sqlite.ts
// keeps the pages.
//
// A key is 32 bits of a hash, so two values can share one: a lookup yields candidate indexes that
// the caller checks against the entries. File names and projects are hashed with a secret per-store
// key, so nobody can choose names that pile onto one index key.

/** What a run indexes: entries by file name, by sha256 digest, by project. */
export const KIND_FILENAME = 0;
export const KIND_SHA256 = 1;
export const KIND_PROJECT = 2;
export type IndexKind = typeof KIND_FILENAME | typeof KIND_SHA256 | typeof KIND_PROJECT;
export const INDEX_KINDS: readonly IndexKind[] = [KIND_FILENAME, KIND_SHA256, KIND_PROJECT];

/** Pairs per stored page (8 KiB of little-endian uint32 key, index). */
export const PAGE_PAIRS = 1024;

/** Entry indexes are stored in 32 bits: the largest index a run can hold. */
export const MAX_INDEXED = 2 ** 32 - 1;

/** Runs of one kind merge when this many fall in one tier. */
export const MERGE_FANOUT = 4;

/**
 * Runs smaller than this (one page) are all in tier 0. A log that appends a few entries per batch
 * (the follower) rewrites its small run with each batch, so this bounds that rewrite to one page.
 */
export const TIER_BASE = 1024;

/**
 * A sorted run: `pairs` interleaves key and index ([k0, i0, k1, i1, ...]) in ascending (key, index)
 * order, with no pair twice.
 */
export type Pairs = Uint32Array;

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

function seedWord(seed: Uint8Array, at: number): number {
  if (seed.length !== 16) throw new RangeError('keyruns: the seed must be 16 bytes');
  return seed[at] | (seed[at + 1] << 8) | (seed[at + 2] << 16) | (seed[at + 3] << 24);
}

// Code units of the value being keyed; both callers copy theirs here, so the hash below has one
// array type to read (a string and a byte array would make it polymorphic, and slower).
let units = new Uint16Array(1024);

// HalfSipHash-1-3 keyed by (k0, k1) of the UTF-16LE bytes of units[0..n): one compression round per
// 4-byte word, the last block (byte length in the top byte, an odd last unit below), then three
// finalization rounds, all in one loop over the rounds.
function keyOfUnits(k0: number, k1: number, n: number): number {
  let v0 = k0;
  let v1 = k1;
  let v2 = 0x6c796765 ^ k0;
  let v3 = 0x74656462 ^ k1;
  const words = n >> 1;
  const last = (((2 * n) & 0xff) << 24) | (n & 1 ? units[n - 1] : 0);
  for (let r = 0; r < words + 4; r++) {
    const m = r < words ? units[2 * r] | (units[2 * r + 1] << 16) : r === words ? last : 0;
    v3 ^= m;
    v0 = (v0 + v1) | 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) | 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) | 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
    v0 ^= m;
    if (r === words) v2 ^= 0xff;
  }
  return (v1 ^ v3) >>> 0;
}

function roomFor(n: number): void {
  if (units.length < n) units = new Uint16Array(Math.max(n, 2 * units.length));
}

/**
 * The key of a file name or project name: HalfSipHash-1-3 (the 32-bit SipHash variant the Linux
 * kernel uses for hash tables) keyed by the first 8 bytes of the store's secret 16-byte seed, over
 * the UTF-16LE code units of `value`. A keyed function, so nobody who lacks the seed can choose names
 * that share a key; several times cheaper than SHA-256 for a short name.
 */
export function nameKey(seed: Uint8Array, value: string): number {
  const k0 = seedWord(seed, 0);
  const k1 = seedWord(seed, 4);
  const n = value.length;
  roomFor(n);
  for (let i = 0; i < n; i++) units[i] = value.charCodeAt(i);
  return keyOfUnits(k0, k1, n);
}

/**
 * nameKey(seed, s) for the string s whose code units are bytes[start..end) (Latin-1; for ASCII
 * bytes, the text they encode), without making s.
 */
export function bytesNameKey(seed: Uint8Array, bytes: Uint8Array, start: number, end: number): number {
  const k0 = seedWord(seed, 0);
  const k1 = seedWord(seed, 4);
  const n = end - start;
  roomFor(n);
  for (let i = 0; i < n; i++) units[i] = bytes[start + i];
  return keyOfUnits(k0, k1, n);
}

/** The key of a sha256 digest (32 bytes): its first 4 bytes, big-endian. */
export function digestKey(sha256: Uint8Array): number {
  if (sha256.length !== 32) throw new RangeError('keyruns: a sha256 digest is 32 bytes');
  return ((sha256[0] << 24) | (sha256[1] << 16) | (sha256[2] << 8) | sha256[3]) >>> 0;
}

/**
 * The positions 0..n-1 of `keys` ordered by (key, position): a stable least-significant-digit
 * radix sort in three passes of 11 bits, several times faster than sorting numbers for a batch.
 */
export function orderByKey(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let ks = keys.slice();
  let ps = new Uint32Array(n);
  for (let i = 0; i < n; i++) ps[i] = i;
  let ks2 = new Uint32Array(n);
  let ps2 = new Uint32Array(n);
  const start = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    start.fill(0);
    for (let i = 0; i < n; i++) start[(ks[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = start[d];
      start[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = ks[i];
      const at = start[(k >>> shift) & 2047]++;
      ks2[at] = k;
      ps2[at] = ps[i];
    }
    [ks, ks2] = [ks2, ks];
    [ps, ps2] = [ps2, ps];
  }
  return ps;
}

/**
 * The run of entries first, first+1, ... whose keys are `keys` (keys[i] belongs to entry first+i).
 * Throws RangeError when an index would exceed MAX_INDEXED.
 */
export function runOf(keys: Uint32Array, first: number): Pairs {
  const n = keys.length;
  if (!Number.isSafeInteger(first) || first < 0 || first + n - 1 > MAX_INDEXED) {
    throw new RangeError(`keyruns: entries ${first}..${first + n - 1} do not fit 32-bit indexes`);
  }
  const order = orderByKey(keys);
  const out = new Uint32Array(2 * n);
  for (let j = 0; j < n; j++) {
    const i = order[j];
    out[2 * j] = keys[i];
    out[2 * j + 1] = first + i;
  }
  return out;
}

/** The stored bytes of a page (little-endian uint32 pairs), sharing memory on little-endian hosts. */
export function pageBytes(pairs: Pairs): Uint8Array {
  if (LE) return new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength);
  const out = new Uint8Array(pairs.byteLength);
  const v = new DataView(out.buffer);
  for (let i = 0; i < pairs.length; i++) v.setUint32(4 * i, pairs[i], true);
  return out;
}

/**
 * The little-endian uint32s in `bytes` (a page or a fence). Throws RangeError when `bytes` is not a
 * whole number of them. The result may share memory with `bytes`.
 */
export function uint32sOf(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`keyruns: ${bytes.length} bytes are not whole uint32s`);
  if (LE && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const out = new Uint32Array(bytes.length / 4);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(4 * i, true);
  return out;
}

/**
 * The pairs of a stored page. Throws RangeError when `bytes` is not a whole number of pairs. The
 * result may share memory with `bytes` (copy before keeping it past the bytes' lifetime).
 */
export function pagePairs(bytes: Uint8Array): Pairs {
  if (bytes.length % 8 !== 0) throw new RangeError(`keyruns: a page of ${bytes.length} bytes is not whole pairs`);
  return uint32sOf(bytes);
}

/** The first key of each PAGE_PAIRS-pair page of `pairs`: the run's fence, for finding pages. */
export function fenceOf(pairs: Pairs): Uint32Array {
  const pages = Math.ceil(pairs.length / (2 * PAGE_PAIRS));
  const fence = new Uint32Array(pages);
  for (let p = 0; p < pages; p++) fence[p] = pairs[2 * p * PAGE_PAIRS];
  return fence;
}

/**
 * The pages of a run that can hold `key`, as [from, to): the last page starting below key (a run
 * of equal keys may begin there) through the last page starting at key.
 */
export function pagesFor(fence: Uint32Array, key: number): [number, number] {
  // lo = number of pages whose first key is < key; hi = number whose first key is <= key.
  let lo = 0;
  let hi = fence.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (fence[m] < key) lo = m + 1;
    else hi = m;
  }
  let end = lo;
  while (end < fence.length && fence[end] === key) end++;
  return [Math.max(0, lo - 1), end];
}

/** Appends to `out` the index of every pair in `page` with this key, ascending. */
export function matchesIn(page: Pairs, key: number, out: number[]): void {
  let lo = 0;
  let hi = page.length / 2;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (page[2 * m] < key) lo = m + 1;
    else hi = m;
  }
  for (let i = lo; 2 * i < page.length && page[2 * i] === key; i++) out.push(page[2 * i + 1]);
}

/** The tier of a run of `count` pairs: 0 below TIER_BASE, then one per factor of MERGE_FANOUT. */
export function tierOf(count: number): number {
  let t = 0;
  for (let c = count; c >= TIER_BASE; c = Math.floor(c / MERGE_FANOUT)) t++;
  return t;
}

/**
 * Which runs to merge next, given every run of one kind (id and pair count): all runs of the lowest
 * tier holding MERGE_FANOUT or more, or undefined when no tier does. Merging until this returns
 * undefined leaves fewer than MERGE_FANOUT runs per tier, so a log of N entries has
 * O(MERGE_FANOUT * log(N)) runs per kind. A pair is rewritten O(log(N)) times once its run reaches
 * TIER_BASE; before, appends of b pairs each rewrite it up to TIER_BASE / b times, one page a time.
 */
export function runsToMerge(runs: readonly { id: number; count: number }[]): number[] | undefined {
  const byTier = new Map<number, number[]>();
  for (const r of runs) {
    const t = tierOf(r.count);
    const list = byTier.get(t);
    if (list) list.push(r.id);
    else byTier.set(t, [r.id]);
  }
  const full = [...byTier].filter(([, ids]) => ids.length >= MERGE_FANOUT).sort((a, b) => a[0] - b[0]);
  return full.length > 0 ? full[0][1] : undefined;
}

// Inputs up to this many are merged by scanning their heads; more, through a heap.
const SCAN_MERGE_MAX = 4;

/**
 * Merges sorted runs, each read page by page through `next` (undefined at its end), into one run
 * handed to `emit` in pages of PAGE_PAIRS pairs (the last may be shorter). A pair present in
 * several inputs is emitted once. Memory is one page per input and one output page.
 */
export function mergeRuns(sources: (() => Pairs | undefined)[], emit: (page: Pairs) => void): number {
  const k = sources.length;
  const pages: (Pairs | undefined)[] = new Array(k);
  const pos = new Uint32Array(k);
  // The head pair of each input (key, index), and whether it has one.
  const headKey = new Float64Array(k);
  const headIdx = new Float64Array(k);
  const live = new Uint8Array(k);
  const advance = (s: number) => {
    let p = pages[s];
    while (p !== undefined && pos[s] >= p.length) {
      p = pages[s] = sources[s]();
      pos[s] = 0;
    }
    if (p === undefined) {
      live[s] = 0;
      return;
    }
    live[s] = 1;
    headKey[s] = p[pos[s]];
    headIdx[s] = p[pos[s] + 1];
    pos[s] += 2;
  };
  for (let s = 0; s < k; s++) {
    pages[s] = sources[s]();
    advance(s);
  }
  let out = new Uint32Array(2 * PAGE_PAIRS);
  let n = 0;
  let total = 0;
  let lastKey = -1;
  let lastIdx = -1;
  // Few inputs: the smallest head by a scan. Many (a bulk import's deferred runs, an audit's scan
  // of every run): a binary heap of the live inputs by head, log k comparisons per pair.
  const wide = k > SCAN_MERGE_MAX;
  const heap = new Int32Array(wide ? k : 0);
  let h = 0;
  const less = (a: number, b: number) => headKey[a] < headKey[b] || (headKey[a] === headKey[b] && headIdx[a] < headIdx[b]);
  const siftDown = (from: number) => {
    let i = from;
    const s = heap[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= h) break;
      if (c + 1 < h && less(heap[c + 1], heap[c])) c++;
      if (!less(heap[c], s)) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = s;
  };
  if (wide) {
    for (let s = 0; s < k; s++) if (live[s] === 1) heap[h++] = s;
    for (let i = (h >> 1) - 1; i >= 0; i--) siftDown(i);
  }
  for (;;) {
    let best = -1;
    let bk = 0;
    let bi = 0;
    if (wide) {
      if (h === 0) break;
      best = heap[0];
      bk = headKey[best];
      bi = headIdx[best];
      advance(best);
      if (live[best] === 0) heap[0] = heap[--h];
      if (h > 0) siftDown(0);
    } else {
      for (let s = 0; s < k; s++) {
        if (live[s] === 0) continue;
        const hk = headKey[s];
        if (best < 0 || hk < bk || (hk === bk && headIdx[s] < bi)) {
          best = s;
          bk = hk;
          bi = headIdx[s];
        }
      }
      if (best < 0) break;
      advance(best);
    }
    if (bk === lastKey && bi === lastIdx) continue;
    lastKey = bk;
    lastIdx = bi;
    out[2 * n] = bk;
    out[2 * n + 1] = bi;
    total++;
    if (++n === PAGE_PAIRS) {
      emit(out);
      out = new Uint32Array(2 * PAGE_PAIRS);
      n = 0;
    }
  }
  if (n > 0) emit(out.subarray(0, 2 * n));
  return total;
}
