// The writer's Bloom filter of file-name keys: sizing, no false negatives ever, a measured
// false-positive rate as theory gives for a split-block filter, and ascending keys filling it in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { addKey, mayHaveKey, newKeyFilter } from '../../src/store/keyfilter.ts';

// n deterministic pseudo-random uint32s: AES-128-CTR over zeros with a fixed key, so the measured
// rates are the same on every run (the store's keys are SHA-256 prefixes, uniform like these).
function streamKeys(n: number, label: number): Uint32Array {
  const key = Buffer.alloc(16, label);
  const c = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const bytes = Buffer.concat([c.update(Buffer.alloc(4 * n)), c.final()]);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
}

// The documented size: the smallest power of two of at least 2^16 bits and 16 bits per key.
function expectedBits(capacity: number): number {
  let bits = 65536;
  while (bits < 16 * capacity) bits *= 2;
  return bits;
}

test('newKeyFilter sizes: a power of two of bits, at least 2^16 and 16 per key asked for', () => {
  const cases: [number, number][] = [
    [0, 2 ** 16],
    [-5, 2 ** 16],
    [1, 2 ** 16],
    [4096, 2 ** 16],
    [4096.5, 2 ** 17],
    [4097, 2 ** 17],
    [8192, 2 ** 17],
    [8193, 2 ** 18],
    [1_000_000, 2 ** 24],
    [2 ** 22, 2 ** 26],
  ];
  for (const [asked, bits] of cases) {
    const f = newKeyFilter(asked);
    assert.equal(f.bits.length * 32, bits, `capacity ${asked}`);
    assert.equal(f.mask, bits - 1);
    assert.equal(f.capacity, bits / 16);
    assert.equal(f.count, 0);
    assert.ok(f.bits.every((w) => w === 0), 'a new filter is empty');
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 20 }), (asked) => {
      const f = newKeyFilter(asked);
      assert.equal(f.bits.length * 32, expectedBits(asked));
      assert.ok(f.capacity >= asked, `capacity ${f.capacity} for ${asked}`);
      assert.ok(f.capacity < 2 * asked || f.capacity === 4096, `capacity ${f.capacity} for ${asked}`);
    }),
  );
});

test('property: every added key is reported as maybe present, even far past capacity', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1), fc.integer({ min: 0, max: 70 }).map((x) => x * 65536));
  fc.assert(
    fc.property(fc.array(key, { maxLength: 3000, size: 'max' }), fc.integer({ min: 0, max: 5000 }), (keys, capacity) => {
      const f = newKeyFilter(capacity);
      keys.forEach((k, i) => {
        addKey(f, k);
        assert.equal(f.count, i + 1);
      });
      for (const k of keys) assert.equal(mayHaveKey(f, k), true, `key ${k}`);
    }),
    { numRuns: 100 },
  );
  // A small filter stuffed with 20x its capacity still forgets nothing.
  const f = newKeyFilter(0);
  const many = streamKeys(20 * f.capacity, 3);
  for (const k of many) addKey(f, k);
  let missing = 0;
  for (const k of many) if (!mayHaveKey(f, k)) missing++;
  assert.equal(missing, 0);
});

test('an empty filter says no to every key', () => {
  const f = newKeyFilter(100);
  for (const k of [...streamKeys(10_000, 4), 0, 2 ** 32 - 1]) assert.equal(mayHaveKey(f, k), false);
});

// The fraction of `probes` (none of them added) the filter wrongly calls maybe present.
function falsePositiveRate(capacity: number, fill: number, label: number): number {
  const f = newKeyFilter(capacity);
  const added = streamKeys(Math.round(fill * f.capacity), label);
  for (const k of added) addKey(f, k);
  const set = new Set(added);
  let tried = 0;
  let yes = 0;
  for (const k of streamKeys(400_000, label + 100)) {
    if (set.has(k)) continue;
    tried++;
    if (mayHaveKey(f, k)) yes++;
  }
  return yes / tried;
}

// The false-positive rate theory gives a split-block filter holding `keysPerBlock` keys per block
// on average: a block's key count is Poisson, and a probe is a false "maybe" when each of the
// eight words has its one bit set by the block's keys.
function splitBlockRate(keysPerBlock: number): number {
  let rate = 0;
  let p = Math.exp(-keysPerBlock);
  for (let j = 0; j < 400; j++) {
    if (j > 0) p *= keysPerBlock / j;
    rate += p * (1 - (31 / 32) ** j) ** 8;
  }
  return rate;
}

test('false-positive rate as theory gives for 16 bits per key in 256-bit blocks (seeded keys)', (t) => {
  // 256 bits per block / 16 bits per key: 16 keys per block at capacity (0.13%), 8 at half.
  for (const capacity of [65_536, 1_000_000]) {
    for (const fill of [1, 0.5]) {
      const measured = falsePositiveRate(capacity, fill, fill === 1 ? 1 : 2);
      const expected = splitBlockRate(16 * fill);
      t.diagnostic(`capacity ${newKeyFilter(capacity).capacity}, ${fill * 100}% full: ${(100 * measured).toFixed(4)}% false positives, theory ${(100 * expected).toFixed(4)}%`);
      assert.ok(measured < 2 * expected && measured > expected / 2, `rate ${measured} against ${expected}`);
    }
  }
  assert.ok(splitBlockRate(16) < 0.0025, 'the documented bound at capacity');
});

test('keys added in ascending order fill the filter front to back', () => {
  const f = newKeyFilter(4096);
  const keys = streamKeys(4096, 5).sort();
  let last = -1;
  for (const k of keys) {
    const before = f.bits.slice();
    addKey(f, k);
    // The block (eight words) the key changed, if any bit was new.
    const changed = f.bits.findIndex((w, i) => w !== before[i]);
    if (changed >= 0) {
      const block = Math.floor(changed / 8);
      assert.ok(block >= last, `key ${k} set block ${block} after block ${last}`);
      last = block;
    }
  }
  assert.ok(last > (3 * f.bits.length) / 8 / 4, 'the last keys reach the end');
});
