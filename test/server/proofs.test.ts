// Proofs from cached tile trees equal the log's own proofs (LogReader.proveInclusion, which
// rehashes stored tiles) for every entry of a growing log, even with no room in the cache; their
// parts (leaf, head in the leaf's tile, tail shared per tile and tree size) and base64 text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HASH_BASE64_LENGTH, base64Hashes, inclusionProof, proofParts, proofTailOf, writeBase64Hash } from '../../src/server/proofs.ts';
import { tileCache } from '../../src/server/tilecache.ts';
import { MissingHashError, TreeRangeError } from '../../src/tlog/errors.ts';
import { recordHash } from '../../src/tlog/hash.ts';
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

test('proofParts: the stored leaf hash, the head inside the leaf\'s tile and a tail shared by the tile, per tree size', async () => {
  const c = tileCache(f.open.reader, 16 << 20);
  const size = (await f.open.reader.latestCheckpoint()).size;
  assert.ok(size > 512 && size % 256 !== 0, `size ${size}`);
  const lastTile = size - (size % 256);
  for (const i of [0, 1, 200, 255, 256, 300, lastTile, size - 1]) {
    const [e] = await f.open.reader.entries([i]);
    const p = await proofParts(c, size, i);
    assert.deepEqual(p.leaf, recordHash(e.data), `leaf ${i}`);
    assert.deepEqual([...p.head, ...p.tail.hashes].map((h) => new Uint8Array(h)), await f.open.reader.proveInclusion(i, size), `proof ${i}`);
    if (i < lastTile) assert.equal(p.head.length, 8, 'a full tile gives 8 head hashes');
    assert.ok(p.head.length <= 8);
  }
  // Every leaf of a tile shares one tail object; another tile has its own.
  const a = await proofParts(c, size, 3);
  assert.equal((await proofParts(c, size, 250)).tail, a.tail);
  assert.notEqual((await proofParts(c, size, 256)).tail, a.tail);
  // After growth the same leaf gets the new size's tail, and the old size still proves right.
  await f.append(manyEntries('p', 300, size));
  const grown = size + 300;
  const b = await proofParts(c, grown, 3);
  assert.notEqual(b.tail, a.tail);
  assert.deepEqual([...b.head, ...b.tail.hashes].map((h) => new Uint8Array(h)), await f.open.reader.proveInclusion(3, grown));
  assert.deepEqual([...a.head, ...(await proofParts(c, size, 3)).tail.hashes].map((h) => new Uint8Array(h)), await f.open.reader.proveInclusion(3, size));
  await assert.rejects(proofParts(c, grown, grown), TreeRangeError);
  await assert.rejects(proofParts(c, grown + 1, 0), MissingHashError);
});

test('property: writeBase64Hash and base64Hashes are the standard padded base64; proofTailOf\'s text is the JSON forms', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }), fc.nat({ max: 7 }), (hs, at) => {
      const want = hs.map((h) => Buffer.from(h).toString('base64'));
      for (const [k, h] of hs.entries()) {
        const out = new Uint8Array(at + HASH_BASE64_LENGTH + 3).fill(0x21);
        assert.equal(writeBase64Hash(out, at, h), at + HASH_BASE64_LENGTH);
        assert.equal(Buffer.from(out.subarray(at, at + HASH_BASE64_LENGTH)).toString('latin1'), want[k]);
        assert.ok(out.subarray(0, at).every((b) => b === 0x21) && out.subarray(at + HASH_BASE64_LENGTH).every((b) => b === 0x21), 'writes nothing else');
      }
      assert.deepEqual(base64Hashes(hs), want);
      const t = proofTailOf(hs);
      assert.equal(t.hashes, hs);
      assert.equal(Buffer.from(t.jsonItems).toString('latin1'), JSON.stringify(want).slice(1, -1));
      assert.equal(Buffer.from(t.jsonLines).toString('latin1'), JSON.stringify(want.map((b) => `${b}\n`).join('')).slice(1, -1));
    }),
  );
});
