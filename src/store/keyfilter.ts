// A Bloom filter over 32-bit index keys. The log's writer asks "is this file name logged?" for every
// claim, and nearly always the answer is no: the filter says so from memory, so only the rare maybe
// reads index pages. It never forgets a key (a false "maybe" is only a wasted read), so keys added by
// a transaction that rolled back are harmless.

/** A Bloom filter of 2^b bits with 4 probes per key. `count` is the keys added so far. */
export interface KeyFilter {
  bits: Uint32Array;
  /** Number of bits minus one (a power of two minus one). */
  mask: number;
  count: number;
  /** Keys it holds before its false-positive rate passes ~0.25% (16 bits per key). */
  capacity: number;
}

const BITS_PER_KEY = 16;

/** An empty filter for at least `capacity` keys (at least 2^16 bits). */
export function newKeyFilter(capacity: number): KeyFilter {
  let bits = 2 ** 16;
  while (bits < capacity * BITS_PER_KEY && bits < 2 ** 32) bits *= 2;
  return { bits: new Uint32Array(bits / 32), mask: bits - 1, count: 0, capacity: bits / BITS_PER_KEY };
}

// A second hash of the key for double hashing (odd, so the probes differ).
function step(key: number): number {
  let h = Math.imul(key ^ (key >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 1;
}

/** Adds `key` (a uint32). */
export function addKey(f: KeyFilter, key: number): void {
  const s = step(key);
  let h = key;
  for (let j = 0; j < 4; j++) {
    const b = (h & f.mask) >>> 0;
    f.bits[b >>> 5] |= 1 << (b & 31);
    h = (h + s) | 0;
  }
  f.count++;
}

/** False when `key` was certainly never added; true when it may have been. */
export function mayHaveKey(f: KeyFilter, key: number): boolean {
  const s = step(key);
  let h = key;
  for (let j = 0; j < 4; j++) {
    const b = (h & f.mask) >>> 0;
    if ((f.bits[b >>> 5] & (1 << (b & 31))) === 0) return false;
    h = (h + s) | 0;
  }
  return true;
}
