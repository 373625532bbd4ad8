import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAhead } from '../../src/monitor/readahead.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('values come from a few chunked loads, each started one chunk ahead of the taker', async () => {
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  const loads: string[][] = [];
  const take = readAhead(keys, 4, async (ks) => {
    loads.push(ks);
    return ks.map((k) => k.toUpperCase());
  });
  assert.equal(await take(0), 'K0');
  // Taking from the first chunk started the second.
  assert.deepEqual(loads, [['k0', 'k1', 'k2', 'k3'], ['k4', 'k5', 'k6', 'k7']]);
  for (let i = 1; i < 10; i++) assert.equal(await take(i), `K${i}`);
  assert.deepEqual(loads, [['k0', 'k1', 'k2', 'k3'], ['k4', 'k5', 'k6', 'k7'], ['k8', 'k9']]);
});

test('a failed load rejects the takes of its chunk only, and is never an unhandled rejection', async () => {
  let unhandled = 0;
  const count = () => unhandled++;
  process.on('unhandledRejection', count);
  try {
    const take = readAhead([1, 2, 3, 4, 5, 6], 2, async (ks) => {
      if (ks.includes(3) || ks.includes(5)) throw new Error(`cannot read ${ks}`);
      return ks.map((k) => k * 2);
    });
    assert.equal(await take(0), 2);
    assert.equal(await take(1), 4);
    // Chunk [3, 4] failed; chunk [5, 6], loaded ahead by take(2), fails too and is never taken.
    await assert.rejects(take(2), /cannot read 3,4/);
    await assert.rejects(take(3), /cannot read 3,4/);
    await tick();
    await tick();
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', count);
  }
});

test('indexes outside the keys, wrong chunk sizes and loads of the wrong length are errors', async () => {
  const take = readAhead(['a'], 8, async (ks) => ks);
  await assert.rejects(take(1), RangeError);
  await assert.rejects(take(-1), RangeError);
  await assert.rejects(take(0.5), RangeError);
  assert.throws(() => readAhead(['a'], 0, async (ks) => ks), RangeError);
  const short = readAhead(['a', 'b'], 8, async () => ['only one']);
  await assert.rejects(short(0), /1 values loaded for 2 keys/);
});

test('property: taking every index in order gives every value, with ceil(n/chunk) loads of consecutive keys', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string(), { maxLength: 80 }), fc.integer({ min: 1, max: 20 }), async (keys, chunk) => {
      const loads: string[][] = [];
      const take = readAhead(keys, chunk, async (ks) => {
        loads.push(ks);
        await tick();
        return ks.map((k) => `v:${k}`);
      });
      // Several takers at once, as the follower's workers take them.
      const got = await Promise.all(keys.map((_, i) => take(i)));
      assert.deepEqual(got, keys.map((k) => `v:${k}`));
      assert.equal(loads.length, Math.ceil(keys.length / chunk));
      assert.deepEqual(loads.flat(), keys);
    }),
    { numRuns: 100 },
  );
});
