// Checking the store's lookup indexes against the entries (part of `log audit`). Each index must hold
// exactly one (key, index) pair per entry, under the key the store gives that entry. A first pass
// compares order-independent digests of what the entries want and what the index holds, in
// constant memory; only an index that differs is compared pair by pair to say which entries.

import { randomInt } from 'node:crypto';
import type { IndexKeys, IndexName, ReadTx } from '../store/store.ts';

/** The indexes, in the order audit reports them. */
export const INDEX_NAMES: readonly IndexName[] = ['filename', 'sha256', 'project'];

const LABEL: Record<IndexName, string> = { filename: 'file-name', sha256: 'sha256', project: 'project' };

/**
 * An order-independent digest of a multiset of (key, index) pairs: two mixed sums and a count,
 * under a 64-bit secret (k1, k2). Digests compare only under the same secret; a random one per
 * audit keeps someone who can write the store from choosing pairs that sum to the same digest.
 */
export interface PairDigest {
  count: number;
  a: number;
  b: number;
  k1: number;
  k2: number;
}

/** The digest of no pairs under the secret (k1, k2) (uint32s). */
export function emptyDigest(k1 = 0, k2 = 0): PairDigest {
  return { count: 0, a: 0, b: 0, k1, k2 };
}

// Two independent 32-bit mixes of a pair (murmur3's finalizer over different combinations).
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Adds the pair (key, index) to `d` (index below 2^32). */
export function addPair(d: PairDigest, key: number, index: number): void {
  d.count++;
  d.a = (d.a + mix(key ^ d.k1 ^ mix(index ^ d.k2))) >>> 0;
  d.b = (d.b + mix(index ^ d.k1 ^ mix(key ^ d.k2 ^ 0x9e3779b9))) >>> 0;
}

/** True when two digests under the same secret describe the same multiset (up to a ~2^-64 chance). */
export function sameDigest(x: PairDigest, y: PairDigest): boolean {
  return x.count === y.count && x.a === y.a && x.b === y.b;
}

/** What the entries want of the indexes, gathered entry by entry. */
export interface IndexExpectation {
  /** Records entry `index` with its keys. */
  add(index: number, keys: IndexKeys): void;
  /**
   * Compares with the store's indexes and calls problem for each difference; `keysOf` gives every
   * entry's keys again, read only when an index differs.
   */
  check(problem: (p: string) => void, keysOf: () => Promise<Map<number, IndexKeys>>): Promise<void>;
}

/** An expectation over `tx`'s indexes; `secret` keys its digests (random unless a test gives one). */
export function indexExpectation(tx: ReadTx, secret: [number, number] = [randomInt(2 ** 32), randomInt(2 ** 32)]): IndexExpectation {
  const [k1, k2] = secret;
  const want: Record<IndexName, PairDigest> = { filename: emptyDigest(k1, k2), sha256: emptyDigest(k1, k2), project: emptyDigest(k1, k2) };
  return {
    add(index, keys) {
      for (const n of INDEX_NAMES) addPair(want[n], keys[n], index);
    },
    async check(problem, keysOf) {
      const differ: IndexName[] = [];
      for (const name of INDEX_NAMES) {
        const have = emptyDigest(k1, k2);
        await tx.scanIndex(name, (key, index) => addPair(have, key, index));
        if (!sameDigest(have, want[name])) differ.push(name);
      }
      if (differ.length === 0) return;
      const keys = await keysOf();
      for (const name of differ) await explain(tx, name, keys, problem);
    },
  };
}

// Names the entries missing from index `name` and the pairs it holds that no entry wants.
async function explain(tx: ReadTx, name: IndexName, keys: Map<number, IndexKeys>, problem: (p: string) => void): Promise<void> {
  const seen = new Set<number>();
  await tx.scanIndex(name, (key, index) => {
    const k = keys.get(index);
    if (k === undefined) problem(`the ${LABEL[name]} index holds entry ${index}, which is not in the tree`);
    else if (k[name] !== key) {
      problem(`the ${LABEL[name]} index files entry ${index} under a key that is not its own`);
      seen.add(index);
    }
    else if (seen.has(index)) problem(`the ${LABEL[name]} index holds entry ${index} twice`);
    else seen.add(index);
  });
  for (const index of keys.keys()) if (!seen.has(index)) problem(`entry ${index} is missing from the ${LABEL[name]} index`);
}
