// Claims in the form the sequencer appends them: each entry's line, leaf hash and index keys
// computed once, packed in a few typed arrays. A bulk import computes them in worker threads and
// hands whole batches over without an object per claim; the follower and the API pack their claim
// objects here.

import { recordHash, HASH_SIZE } from '../tlog/hash.ts';
import { nameKey } from '../store/keyruns.ts';
import { encodeEntry, parseEntry } from './entry.ts';
import type { Entry } from './entry.ts';

/** A claim that a file exists with these digests, and where the claim came from (for alerts). */
export interface Claim {
  entry: Entry;
  /** Where the claim was seen: "import file.jsonl:12", an index URL, ... */
  source: string;
}

/**
 * The arrays of `count` packed claims. Claim i's entry line (formatEntry's bytes, valid) is
 * records[ends[i-1] .. ends[i]) with ends[-1] = 0; its leaf hash is leaves[32i .. 32i+32); its index
 * keys (computed with the store's keySeed) are fileKeys[i], shaKeys[i], projectKeys[i].
 */
export interface ClaimArrays {
  count: number;
  records: Uint8Array;
  ends: Uint32Array;
  leaves: Uint8Array;
  fileKeys: Uint32Array;
  shaKeys: Uint32Array;
  projectKeys: Uint32Array;
}

/** Packed claims with where each was seen. */
export interface ClaimBatch extends ClaimArrays {
  /** Where claim i was seen (asked only for claims that raise an alert). */
  source(i: number): string;
  /** Claim i's entry, when the packer kept it (else it is parsed back from its line when needed). */
  entry?(i: number): Entry;
}

/** The key of a sha256 digest given as 64 hex digits: digestKey (src/store/keyruns.ts) of its bytes. */
export function hexDigestKey(hex: string): number {
  return parseInt(hex.slice(0, 8), 16) >>> 0;
}

/**
 * Packs claims (their entries valid: encodeEntry throws EntryError otherwise) with the index keys of
 * a store whose keySeed is `seed`.
 */
export function packClaims(claims: readonly Claim[], seed: Uint8Array): ClaimBatch {
  const n = claims.length;
  const lines = claims.map((c) => encodeEntry(c.entry));
  const ends = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) ends[i] = total += lines[i].length;
  const records = new Uint8Array(total);
  const leaves = new Uint8Array(n * HASH_SIZE);
  const fileKeys = new Uint32Array(n);
  const shaKeys = new Uint32Array(n);
  const projectKeys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const e = claims[i].entry;
    records.set(lines[i], i === 0 ? 0 : ends[i - 1]);
    leaves.set(recordHash(lines[i]), i * HASH_SIZE);
    fileKeys[i] = nameKey(seed, e.filename);
    shaKeys[i] = hexDigestKey(e.sha256);
    projectKeys[i] = nameKey(seed, e.project);
  }
  return {
    count: n,
    records,
    ends,
    leaves,
    fileKeys,
    shaKeys,
    projectKeys,
    source: (i) => claims[i].source,
    entry: (i) => claims[i].entry,
  };
}

/** Claim i's entry line (a view into the batch). */
export function recordOf(b: ClaimBatch, i: number): Uint8Array {
  return b.records.subarray(i === 0 ? 0 : b.ends[i - 1], b.ends[i]);
}

/** Claim i's entry. */
export function entryOf(b: ClaimBatch, i: number): Entry {
  return b.entry ? b.entry(i) : parseEntry(recordOf(b, i));
}

/** Claim i's file name: the third field of its entry line. */
export function filenameOf(b: ClaimBatch, i: number): string {
  if (b.entry) return b.entry(i).filename;
  const start = i === 0 ? 0 : b.ends[i - 1];
  let sp = 0;
  let from = start;
  for (let p = start; p < b.ends[i]; p++) {
    if (b.records[p] !== 0x20) continue;
    if (++sp === 2) from = p + 1;
    else if (sp === 3) return Buffer.from(b.records.buffer, b.records.byteOffset, b.records.byteLength).toString('utf8', from, p);
  }
  throw new RangeError(`claims: record ${i} is not an entry line`);
}

/** Claims from..to-1 of `b` as a batch of their own (sharing b's memory where it can). */
export function sliceBatch(b: ClaimBatch, from: number, to: number): ClaimBatch {
  const base = from === 0 ? 0 : b.ends[from - 1];
  const ends = b.ends.slice(from, to);
  for (let i = 0; i < ends.length; i++) ends[i] -= base;
  const entry = b.entry;
  return {
    count: to - from,
    records: b.records.subarray(base, to === 0 ? 0 : b.ends[to - 1]),
    ends,
    leaves: b.leaves.subarray(from * HASH_SIZE, to * HASH_SIZE),
    fileKeys: b.fileKeys.subarray(from, to),
    shaKeys: b.shaKeys.subarray(from, to),
    projectKeys: b.projectKeys.subarray(from, to),
    source: (i) => b.source(from + i),
    entry: entry && ((i) => entry(from + i)),
  };
}

/** The claims of several batches, in order, as one batch (the batch itself when there is one). */
export function concatBatches(bs: readonly ClaimBatch[]): ClaimBatch {
  if (bs.length === 1) return bs[0];
  let count = 0;
  let bytes = 0;
  for (const b of bs) {
    count += b.count;
    bytes += b.records.length;
  }
  const out: ClaimBatch = {
    count,
    records: new Uint8Array(bytes),
    ends: new Uint32Array(count),
    leaves: new Uint8Array(count * HASH_SIZE),
    fileKeys: new Uint32Array(count),
    shaKeys: new Uint32Array(count),
    projectKeys: new Uint32Array(count),
    source: (i) => {
      const [b, j] = locate(i);
      return b.source(j);
    },
  };
  // Where claim i of the result came from: batch and position in it.
  const firsts: number[] = [];
  let n = 0;
  let off = 0;
  for (const b of bs) {
    firsts.push(n);
    out.records.set(b.records, off);
    for (let i = 0; i < b.count; i++) out.ends[n + i] = b.ends[i] + off;
    out.leaves.set(b.leaves, n * HASH_SIZE);
    out.fileKeys.set(b.fileKeys, n);
    out.shaKeys.set(b.shaKeys, n);
    out.projectKeys.set(b.projectKeys, n);
    n += b.count;
    off += b.records.length;
  }
  const locate = (i: number): [ClaimBatch, number] => {
    let k = firsts.length - 1;
    while (firsts[k] > i) k--;
    return [bs[k], i - firsts[k]];
  };
  if (bs.every((b) => b.entry !== undefined)) {
    out.entry = (i) => {
      const [b, j] = locate(i);
      return b.entry!(j);
    };
  }
  return out;
}

/** The claims of `b` at `positions` (ascending), in that order, as a batch of their own. */
export function pickClaims(b: ClaimBatch, positions: ArrayLike<number>): ClaimBatch {
  const n = positions.length;
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    const i = positions[k];
    bytes += b.ends[i] - (i === 0 ? 0 : b.ends[i - 1]);
  }
  const out: ClaimBatch = {
    count: n,
    records: new Uint8Array(bytes),
    ends: new Uint32Array(n),
    leaves: new Uint8Array(n * HASH_SIZE),
    fileKeys: new Uint32Array(n),
    shaKeys: new Uint32Array(n),
    projectKeys: new Uint32Array(n),
    source: (k) => b.source(positions[k]),
  };
  const entry = b.entry;
  if (entry) out.entry = (k) => entry(positions[k]);
  let off = 0;
  for (let k = 0; k < n; k++) {
    const i = positions[k];
    const start = i === 0 ? 0 : b.ends[i - 1];
    out.records.set(b.records.subarray(start, b.ends[i]), off);
    off += b.ends[i] - start;
    out.ends[k] = off;
    out.leaves.set(b.leaves.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), k * HASH_SIZE);
    out.fileKeys[k] = b.fileKeys[i];
    out.shaKeys[k] = b.shaKeys[i];
    out.projectKeys[k] = b.projectKeys[i];
  }
  return out;
}
