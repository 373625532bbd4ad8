// Packed claims: packing, slicing, joining and picking keep every claim's bytes, hash, keys and
// source; and the sequencer tells file names apart that share an index key (a hash collision),
// within a batch and against the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { concatBatches, entryOf, filenameOf, hexDigestKey, packClaims, pickClaims, recordOf, sliceBatch } from '../../src/log/claims.ts';
import type { ClaimBatch } from '../../src/log/claims.ts';
import { formatEntry } from '../../src/log/entry.ts';
import { digestKey, nameKey } from '../../src/store/keyruns.ts';
import { APPENDED, CONFLICT, PRESENT } from '../../src/log/sequencer.ts';
import { auditLog } from '../../src/log/audit.ts';
import { claim, entry, hexOf, newLog } from './helpers.ts';

const SEED = new Uint8Array(16).map((_, i) => i * 17);

// What a claim of a batch is, as plain values (for comparing batches).
function view(b: ClaimBatch, i: number) {
  return {
    record: Buffer.from(recordOf(b, i)).toString(),
    leaf: Buffer.from(b.leaves.subarray(32 * i, 32 * i + 32)).toString('hex'),
    keys: [b.fileKeys[i], b.shaKeys[i], b.projectKeys[i]],
    source: b.source(i),
    filename: filenameOf(b, i),
  };
}

const views = (b: ClaimBatch) => Array.from({ length: b.count }, (_, i) => view(b, i));

test('packClaims: the entry line, its RFC 6962 leaf hash (python3-independent: node SHA-256 of 0x00 || line) and the store keys', () => {
  const claims = [claim(entry(1), 'a:1'), claim(entry(2, 'zope-interface', { b2: false }), 'a:2'), claim({ ...entry(3), filename: 'ünï-1.0.tar.gz' }, 'a:3')];
  const b = packClaims(claims, SEED);
  assert.equal(b.count, 3);
  claims.forEach((c, i) => {
    const line = formatEntry(c.entry);
    assert.equal(Buffer.from(recordOf(b, i)).toString('utf8'), line);
    assert.equal(view(b, i).leaf, createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(line)])).digest('hex'));
    assert.deepEqual(view(b, i).keys, [nameKey(SEED, c.entry.filename), digestKey(Buffer.from(c.entry.sha256, 'hex')), nameKey(SEED, c.entry.project)]);
    assert.equal(filenameOf(b, i), c.entry.filename);
    assert.equal(b.source(i), c.source);
    assert.deepEqual(entryOf(b, i), c.entry);
  });
  // Without the entry objects, file name and entry come back from the line.
  const bare: ClaimBatch = { ...b, entry: undefined };
  claims.forEach((c, i) => {
    assert.equal(filenameOf(bare, i), c.entry.filename);
    assert.deepEqual(entryOf(bare, i), c.entry);
  });
});

test('property: hexDigestKey is digestKey of the digest bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (d) => hexDigestKey(Buffer.from(d).toString('hex')) === digestKey(d)));
});

test('property: slicing, joining and picking keep each claim as it was', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 1000 }), (sizes, seed) => {
      let n = seed;
      const batches = sizes.map((k) => packClaims(Array.from({ length: k }, () => claim(entry(n++), `s${n}`)), SEED));
      const all = batches.flatMap(views);
      const joined = concatBatches(batches);
      assert.deepEqual(views(joined), all);
      const from = seed % joined.count;
      const to = from + ((seed >> 3) % (joined.count - from + 1));
      assert.deepEqual(views(sliceBatch(joined, from, to)), all.slice(from, to));
      const picks = all.map((_, i) => i).filter((i) => (i * 7 + seed) % 3 === 0);
      assert.deepEqual(views(pickClaims(joined, picks)), picks.map((i) => all[i]));
      assert.deepEqual(views(concatBatches([sliceBatch(joined, 0, from), sliceBatch(joined, from, joined.count)])), all);
    }),
    { numRuns: 60 },
  );
});

// Two file names with the same index key under `seed`: a birthday search over 32-bit keys (about
// 2^16 names).
function collision(seed: Uint8Array, prefix: string): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const name = `${prefix}_${i}-1.0.tar.gz`;
    const k = nameKey(seed, name);
    const other = seen.get(k);
    if (other !== undefined) return [other, name];
    seen.set(k, name);
  }
}

test('file names that share an index key are told apart, within a batch and against the log', async (t) => {
  const { log, dir } = await newLog(t);
  const w = log.writer!;
  const [n1, n2] = collision(w.keySeed, 'pa');
  const [n3, n4] = collision(w.keySeed, 'pb');
  const e = (filename: string, i: number) => ({ ...entry(i), filename });
  const [a, b, c, d] = [e(n1, 1), e(n2, 2), e(n3, 3), e(n4, 4)];
  // In one batch: a and b (same key) are both new; a again is present; b with other digests conflicts.
  let o = await w.appendBatch(packClaims([a, b, a, { ...b, sha256: hexOf('other') }, c].map((x) => claim(x)), w.keySeed));
  assert.deepEqual([...o.status], [APPENDED, APPENDED, PRESENT, CONFLICT, APPENDED]);
  assert.deepEqual([...o.index], [0, 1, 0, 1, 2]);
  assert.equal(o.alertIds.size, 1);
  // Against the log: d shares c's key but is new; then both are present.
  o = await w.appendBatch(packClaims([d, c, b].map((x) => claim(x)), w.keySeed));
  assert.deepEqual([...o.status], [APPENDED, PRESENT, PRESENT]);
  assert.deepEqual([...o.index], [3, 2, 1]);
  o = await w.appendBatch(packClaims([d].map((x) => claim(x)), w.keySeed));
  assert.deepEqual([...o.status], [PRESENT]);
  // Lookups give each name its own entry.
  for (const [x, i] of [[a, 0], [b, 1], [c, 2], [d, 3]] as const) assert.equal((await w.lookupFilename(x.filename))?.index, i);
  await log.close();
  const { openDataDir } = await import('../../src/log/datadir.ts');
  const l = await openDataDir(dir, { now: () => new Date() });
  const r = await auditLog(l.store);
  await l.close();
  assert.deepEqual(r.problems, []);
});
