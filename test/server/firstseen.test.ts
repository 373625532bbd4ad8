// First-commit times: one store read per checkpoint range, exact answers at range boundaries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstSeenCache } from '../../src/server/firstseen.ts';
import type { LogReader } from '../../src/log/log.ts';

// Checkpoints of sizes `sizes` (ascending), created at time = size * 1000.
function reader(sizes: number[]) {
  let reads = 0;
  return {
    reads: () => reads,
    reader: {
      async checkpoints(after: number, limit: number) {
        reads++;
        return sizes.filter((s) => s > after).slice(0, limit).map((size) => ({ size, hash: new Uint8Array(32), note: new Uint8Array(0), created: size * 1000 }));
      },
    } as unknown as LogReader,
  };
}

test('answers from the first checkpoint that holds the entry, reading each range once', async () => {
  const r = reader([3, 10, 11]);
  const fs = firstSeenCache(r.reader);
  assert.equal((await fs.get(0))!.getTime(), 3000);
  assert.equal((await fs.get(2))!.getTime(), 3000);
  assert.equal((await fs.get(1))!.getTime(), 3000);
  assert.equal(r.reads(), 1);
  assert.equal((await fs.get(3))!.getTime(), 10000);
  assert.equal((await fs.get(9))!.getTime(), 10000);
  assert.equal((await fs.get(10))!.getTime(), 11000);
  assert.equal(await fs.get(11), undefined);
});

test('random queries agree with a direct scan', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 0, max: 210 }), { maxLength: 60 }), async (raw, queries) => {
      const sizes = [...raw].sort((a, b) => a - b);
      const fs = firstSeenCache(reader(sizes).reader);
      for (const q of queries) {
        const want = sizes.find((s) => s > q);
        const got = await fs.get(q);
        assert.equal(got?.getTime(), want === undefined ? undefined : want * 1000, `index ${q} in ${sizes}`);
      }
    }),
  );
});
