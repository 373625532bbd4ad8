import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_TREE_HASH, hashBase64, recordHash } from '../../src/tlog/hash.ts';
import type { Hash } from '../../src/tlog/hash.ts';
import {
  MAX_TREE_SIZE,
  arrayHashReader,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashesForRecordHash,
  treeHash,
} from '../../src/tlog/stored.ts';
import { MissingHashError, TreeRangeError } from '../../src/tlog/errors.ts';
import { buildLog, loadVector, record } from './testlog.ts';

const vectors = loadVector('tlog/tree-hashes.json');
const log = buildLog(70000);

// The layout written out by hand: record k appends its leaf, then each subtree it completes.
// Records 0..7 -> (level, n) at stored indexes 0..14.
const LAYOUT: Array<[number, number]> = [
  [0, 0],
  [0, 1], [1, 0],
  [0, 2],
  [0, 3], [1, 1], [2, 0],
  [0, 4],
  [0, 5], [1, 2],
  [0, 6],
  [0, 7], [1, 3], [2, 1], [3, 0],
];

test('storedHashIndex and splitStoredHashIndex follow the x/mod layout', () => {
  LAYOUT.forEach(([level, n], i) => {
    assert.equal(storedHashIndex(level, n), i, `(${level}, ${n})`);
    assert.deepEqual(splitStoredHashIndex(i), { level, n });
  });
});

test('storedHashCount counts the hashes of small trees', () => {
  const want = [0, 1, 3, 4, 7, 8, 10, 11, 15];
  want.forEach((c, n) => assert.equal(storedHashCount(n), c, `size ${n}`));
});

test('building 70000 records yields storedHashCount(70000) hashes, quickly', (t) => {
  t.diagnostic(`built 70000 records (${log.stored.length} stored hashes) in ${log.buildMs.toFixed(0)} ms`);
  assert.equal(log.stored.length, storedHashCount(70000));
});

test('treeHash matches every vector root (sizes 0..300, 1000, 4096, 65536, 65537, 70000)', () => {
  assert.equal(vectors.roots.length, 306);
  for (const v of vectors.roots) {
    assert.equal(hashBase64(treeHash(v.size, log.read)), v.root, `size ${v.size}`);
  }
});

test('treeHash(0) is the RFC 6962 empty-tree hash and reads nothing', () => {
  const h = treeHash(0, () => {
    throw new Error('must not read');
  });
  assert.deepEqual(h, EMPTY_TREE_HASH);
  assert.equal(hashBase64(h), vectors.empty_tree.root);
});

test('storedHashesForRecordHash ends with the root of each completed power-of-two tree', () => {
  const roots = new Map<number, string>(vectors.roots.map((v: any) => [v.size, v.root]));
  const stored: Hash[] = [];
  const read = arrayHashReader(stored);
  for (let i = 0; i < 256; i++) {
    const added = storedHashesForRecordHash(i, recordHash(record(i)), read);
    stored.push(...added);
    const size = i + 1;
    if ((size & (size - 1)) === 0) assert.equal(hashBase64(added[added.length - 1]), roots.get(size), `size ${size}`);
    else assert.equal(added.length, 1 + Math.log2((size & -size)), `size ${size}`);
  }
});

test('split and index are inverse (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 52 }), fc.double({ min: 0, max: 1, noNaN: true }), (level, f) => {
      const maxN = MAX_TREE_SIZE / 2 ** level - 1;
      const n = Math.floor(f * maxN);
      const i = storedHashIndex(level, n);
      assert.deepEqual(splitStoredHashIndex(i), { level, n });
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }), (i) => {
      const { level, n } = splitStoredHashIndex(i);
      assert.equal(storedHashIndex(level, n), i);
    }),
    { numRuns: 500 },
  );
});

test('out-of-range sizes and indexes throw TreeRangeError', () => {
  for (const bad of [-1, 1.5, NaN, Infinity, MAX_TREE_SIZE + 2]) {
    assert.throws(() => storedHashCount(bad), TreeRangeError, String(bad));
    assert.throws(() => treeHash(bad, log.read), TreeRangeError, String(bad));
    assert.throws(() => splitStoredHashIndex(bad === MAX_TREE_SIZE + 2 ? Number.MAX_SAFE_INTEGER + 1 : bad), TreeRangeError);
  }
  assert.throws(() => storedHashIndex(0, MAX_TREE_SIZE), TreeRangeError);
  assert.throws(() => storedHashIndex(53, 0), TreeRangeError);
});

test('a reader that lacks a hash or breaks its contract is reported', () => {
  assert.throws(() => treeHash(70001, log.read), MissingHashError);
  assert.throws(() => treeHash(5, () => []), MissingHashError);
  assert.throws(() => treeHash(5, (ix) => ix.map(() => new Uint8Array(31))), MissingHashError);
  assert.throws(() => storedHashesForRecordHash(3, recordHash(record(3)), arrayHashReader([])), MissingHashError);
});
