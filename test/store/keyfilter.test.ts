// The writer's Bloom filter of file-name keys: sizing, no false negatives ever, and a measured
// false-positive rate near the documented ~0.25% at capacity.

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

test('false-positive rate near the documented ~0.25% at capacity, far lower at half (seeded keys)', (t) => {
  // A Bloom filter of 16 bits per key and 4 probes: (1 - e^(-4/16))^4 = 0.24%.
  for (const capacity of [65_536, 1_000_000]) {
    const full = falsePositiveRate(capacity, 1, 1);
    const half = falsePositiveRate(capacity, 0.5, 2);
    t.diagnostic(`capacity ${newKeyFilter(capacity).capacity}: false positives ${(100 * full).toFixed(3)}% full, ${(100 * half).toFixed(4)}% half full`);
    assert.ok(full < 0.01, `rate at capacity ${full}`);
    assert.ok(full > 0.001, `rate at capacity ${full} is below what 16 bits and 4 probes allow`);
    assert.ok(half < 0.001, `rate at half capacity ${half}`);
  }
});
