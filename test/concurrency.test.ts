import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mapLimit } from '../src/concurrency.ts';

test('mapLimit keeps order and never exceeds the limit', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(5), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (delays, limit) => {
      let running = 0;
      let peak = 0;
      const out = await mapLimit(delays, limit, async (d, i) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, d));
        running--;
        return i * 2;
      });
      assert.deepEqual(out, delays.map((_, i) => i * 2));
      assert.ok(peak <= limit, `peak ${peak} > ${limit}`);
    }),
    { numRuns: 30 },
  );
});

test('mapLimit rejects with the first error', async () => {
  await assert.rejects(mapLimit([1, 2, 3], 2, async (x) => { if (x === 2) throw new Error('boom'); return x; }), /boom/);
});
