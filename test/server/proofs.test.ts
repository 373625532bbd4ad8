// Proofs from cached tile trees equal the log's own proofs (LogReader.proveInclusion, which
// rehashes stored tiles) for every entry of a growing log, even with no room in the cache.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inclusionProof } from '../../src/server/proofs.ts';
import { tileCache } from '../../src/server/tilecache.ts';
import { TreeRangeError } from '../../src/tlog/errors.ts';
import { logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

let f: Fixture;
before(async () => {
  f = await logFixture();
});
after(() => f.close());

test('equal to proveInclusion at many tree sizes, with and without cache room', async () => {
  const roomy = tileCache(f.open.reader, 16 << 20);
  const none = tileCache(f.open.reader, 0);
  let size = 0;
  for (const grow of [1, 2, 5, 248, 1, 255, 1, 300]) {
    await f.append(manyEntries('p', grow, size));
    size += grow;
    const indexes = [...new Set([0, 1, size - 1, size >> 1, Math.max(0, size - 2), 255, 256].filter((i) => i < size))];
    for (const i of indexes) {
      const want = await f.open.reader.proveInclusion(i, size);
      assert.deepEqual(await inclusionProof(roomy, size, i), want, `size ${size} index ${i}`);
      assert.deepEqual(await inclusionProof(none, size, i), want, `size ${size} index ${i} (no cache)`);
    }
    // An older tree size the store still proves from the stored (wider) tiles.
    if (size > 3) assert.deepEqual(await inclusionProof(roomy, size - 3, 0), await f.open.reader.proveInclusion(0, size - 3));
  }
  await assert.rejects(inclusionProof(roomy, size, size), TreeRangeError);
});
