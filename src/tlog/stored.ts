// The stored-hash layout of golang.org/x/mod/sumdb/tlog: every complete subtree hash of the tree,
// numbered in the order they become known while appending records. Stored index i never changes once
// written, so a log can keep them in an append-only table and read any subtree root directly.
//
// Indexes are JS numbers; all arithmetic avoids 32-bit bitwise operators so it stays exact up to 2^53.

import { EMPTY_TREE_HASH, HASH_SIZE, nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';
import { MissingHashError, TreeRangeError } from './errors.ts';

/**
 * Reads stored hashes by stored index. Must return exactly one 32-byte hash per requested index,
 * in the order asked, or throw (for example MissingHashError) when one is not available.
 */
export type HashReader = (indexes: number[]) => Hash[];

/** Largest record count whose stored-hash indexes stay below 2^53 (exact JS integers). */
export const MAX_TREE_SIZE = 2 ** 52;

/** storedHashCount(MAX_TREE_SIZE): every valid stored-hash index is below it (and below 2^53). */
export const MAX_STORED_HASHES = 2 * MAX_TREE_SIZE - 1;

/** Throws TreeRangeError unless `n` is an integer in [0, max]. */
export function checkCount(what: string, n: number, max: number = MAX_TREE_SIZE): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new TreeRangeError(`tlog: ${what} ${String(n)} is not an integer in 0..${max}`);
  }
}

/** 2^k as an exact number (k < 53). */
function pow2(k: number): number {
  return 2 ** k;
}

/** floor(n / 2^k) for non-negative n, exact beyond 32 bits. */
export function shiftRight(n: number, k: number): number {
  return Math.floor(n / pow2(k));
}

/** Number of trailing zero bits of a positive integer n. */
export function trailingZeros(n: number): number {
  let z = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
}

/**
 * The stored index of the hash of the level-`level` subtree number `n` (covering records
 * n*2^level .. (n+1)*2^level-1). Record k appends its leaf hash, then the root of each subtree it
 * completes, lowest level first; storedHashIndex(0, k) is where record k's leaf hash goes.
 */
export function storedHashIndex(level: number, n: number): number {
  checkCount('level', level, 52);
  checkCount('subtree number', n);
  if ((n + 1) * pow2(level) > MAX_TREE_SIZE) {
    throw new TreeRangeError(`tlog: subtree (${level}, ${n}) lies beyond the largest supported tree`);
  }
  // Level `level`'s n-th hash is written right after the level-0 hash of its last record,
  // n' = (n+1)*2^level - 1, and after the `level` hashes below it completed by that record.
  let m = n;
  for (let l = level; l > 0; l--) m = 2 * m + 1;
  // Level 0's m-th hash is at m + m/2 + m/4 + ... (each record adds its leaf plus completed parents).
  let i = 0;
  for (; m > 0; m = Math.floor(m / 2)) i += m;
  return i + level;
}

/** The inverse of storedHashIndex: the (level, n) whose hash is stored at `index`. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  checkCount('stored hash index', index, MAX_STORED_HASHES - 1);
  // storedHashIndex(0, n) <= 2n, so the record that wrote `index` is in [index/2, index/2 + log2(index)].
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // Record n writes its leaf hash plus trailingZeros(n+1) completed subtree roots; record n+1 follows.
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: shiftRight(n, level) };
}

/** The number of stored hashes in a tree of `n` records (the next free stored index). */
export function storedHashCount(n: number): number {
  checkCount('tree size', n);
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  // Plus one for each subtree that the last record completes.
  for (let i = n - 1; i % 2 === 1; i = Math.floor(i / 2)) count++;
  return count;
}

/**
 * Calls `read` and checks that it kept its contract (one 32-byte hash per index), so a buggy or
 * hostile reader cannot make later arithmetic silently wrong.
 */
export function readHashes(read: HashReader, indexes: number[]): Hash[] {
  if (indexes.length === 0) return [];
  const hashes = read(indexes);
  if (!Array.isArray(hashes) || hashes.length !== indexes.length) {
    throw new MissingHashError(`tlog: hash reader returned ${Array.isArray(hashes) ? hashes.length : 'no'} hashes for ${indexes.length} indexes`);
  }
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new MissingHashError(`tlog: hash reader returned a malformed hash for stored index ${indexes[i]}`);
    }
  }
  return hashes;
}

/**
 * The stored hashes to append, in order, when adding record number `n` (0-based) with leaf hash `h`
 * to a tree of n records: the leaf hash followed by the root of every subtree that record completes.
 * `read` must serve the stored hashes of the tree of n records.
 */
export function storedHashesForRecordHash(n: number, h: Hash, read: HashReader): Hash[] {
  checkCount('record index', n, MAX_TREE_SIZE - 1);
  if (h.length !== HASH_SIZE) throw new RangeError(`tlog: record hash must be ${HASH_SIZE} bytes`);
  // Each trailing 1 bit of n completes a subtree and consumes its left sibling's stored hash.
  const m = trailingZeros(n + 1);
  const indexes = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    // shiftRight(n, i) is odd here; its left sibling is one less. Arranged in ascending order.
    indexes[m - 1 - i] = storedHashIndex(i, shiftRight(n, i) - 1);
  }
  const old = readHashes(read, indexes);
  const out: Hash[] = [h];
  let cur = h;
  for (let i = 0; i < m; i++) {
    cur = nodeHash(old[m - 1 - i], cur);
    out.push(cur);
  }
  return out;
}

/**
 * Largest power of two strictly less than n (n >= 2), with its exponent: the size of the left
 * subtree when splitting n leaves RFC 6962 style (called with n = leaves + 1).
 */
export function maxPow2(n: number): { k: number; level: number } {
  let level = 0;
  while (pow2(level + 1) < n) level++;
  return { k: pow2(level), level };
}

/**
 * Stored indexes of the maximal complete subtrees covering records [lo, hi), left to right,
 * appended to `need`. Their hashes, folded right to left, give the hash of [lo, hi).
 */
export function subTreeIndex(lo: number, hi: number, need: number[] = []): number[] {
  while (lo < hi) {
    const { k, level } = maxPow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(level, lo / k));
    lo += k;
  }
  return need;
}

/**
 * Consumes from `hashes` the complete-subtree hashes listed by subTreeIndex(lo, hi) and returns the
 * hash of records [lo, hi) together with the unconsumed rest of `hashes`.
 */
export function subTreeHash(lo: number, hi: number, hashes: Hash[]): { hash: Hash; rest: Hash[] } {
  let numTree = 0;
  while (lo < hi) {
    const { k } = maxPow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  if (numTree === 0 || hashes.length < numTree) throw new Error('tlog: bad index math in subTreeHash');
  // The rightmost subtree is the smallest; fold leftward so each left sibling is a complete subtree.
  let h = hashes[numTree - 1];
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[i], h);
  return { hash: h, rest: hashes.slice(numTree) };
}

/**
 * The RFC 6962 root hash of the tree of the first `n` records, from its stored hashes.
 * For n = 0 it is EMPTY_TREE_HASH = SHA-256("") (x/mod returns all zeros there; RFC 6962 does not).
 */
export function treeHash(n: number, read: HashReader): Hash {
  checkCount('tree size', n);
  if (n === 0) return EMPTY_TREE_HASH.slice();
  const indexes = subTreeIndex(0, n);
  const hashes = readHashes(read, indexes);
  return subTreeHash(0, n, hashes).hash;
}

/**
 * A HashReader over an in-memory array where element i is stored hash i. Throws MissingHashError
 * for an index beyond the array. Handy for tests and small in-memory logs.
 */
export function arrayHashReader(stored: readonly Hash[]): HashReader {
  return (indexes) =>
    indexes.map((i) => {
      const h = Number.isSafeInteger(i) && i >= 0 ? stored[i] : undefined;
      if (h === undefined) throw new MissingHashError(`tlog: stored hash ${String(i)} is not available`);
      return h;
    });
}
