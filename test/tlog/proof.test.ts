import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_TREE_HASH, recordHash } from '../../src/tlog/hash.ts';
import type { Hash } from '../../src/tlog/hash.ts';
import { treeHash } from '../../src/tlog/stored.ts';
import type { HashReader } from '../../src/tlog/stored.ts';
import { checkRecord, checkTree, proveRecord, proveTree, recordProofIndexes, treeProofIndexes } from '../../src/tlog/proof.ts';
import { ProofError, TreeRangeError } from '../../src/tlog/errors.ts';
import { b64, buildLog, loadVector, record, toB64 } from './testlog.ts';

const inclusion = loadVector('tlog/inclusion.json');
const consistency = loadVector('tlog/consistency.json');
const SIZE = 70000;
const log = buildLog(SIZE);

// Roots are computed once per size; treeHash itself is pinned by the vector roots in stored.test.ts.
const rootCache = new Map<number, Hash>();
function root(n: number): Hash {
  let h = rootCache.get(n);
  if (h === undefined) rootCache.set(n, (h = treeHash(n, log.read)));
  return h;
}

// A reader that serves only the listed stored hashes: proves the *ProofIndexes lists are sufficient.
function onlyReader(allowed: number[]): HashReader {
  const ok = new Set(allowed);
  return (ix) => {
    for (const i of ix) if (!ok.has(i)) throw new Error(`stored hash ${i} was not listed`);
    return log.read(ix);
  };
}

function flip(h: Hash, byte: number, bit: number): Hash {
  const c = h.slice();
  c[byte % c.length] ^= 1 << bit % 8;
  return c;
}

test('proveRecord reproduces, and checkRecord accepts, every vector inclusion proof', () => {
  assert.equal(inclusion.cases.length, 60);
  for (const c of inclusion.cases) {
    const what = `size ${c.tree_size} index ${c.index}`;
    assert.equal(toB64(recordHash(record(c.index))), c.leaf_hash, what);
    assert.deepEqual(proveRecord(c.tree_size, c.index, log.read).map(toB64), c.proof, what);
    assert.deepEqual(proveRecord(c.tree_size, c.index, onlyReader(recordProofIndexes(c.tree_size, c.index))).map(toB64), c.proof, what);
    checkRecord(c.proof.map(b64), c.tree_size, b64(c.root), c.index, b64(c.leaf_hash));
  }
});

test('proveTree reproduces, and checkTree accepts, every vector consistency proof', () => {
  assert.equal(consistency.cases.length, 57);
  for (const c of consistency.cases) {
    const what = `${c.old_size} -> ${c.new_size}`;
    assert.deepEqual(proveTree(c.new_size, c.old_size, log.read).map(toB64), c.proof, what);
    assert.deepEqual(proveTree(c.new_size, c.old_size, onlyReader(treeProofIndexes(c.new_size, c.old_size))).map(toB64), c.proof, what);
    checkTree(c.proof.map(b64), c.new_size, b64(c.new_root), c.old_size, b64(c.old_root));
  }
});

test('vector proofs fail when any hash, the index, the leaf or the root is altered', () => {
  for (const c of inclusion.cases) {
    const proof: Hash[] = c.proof.map(b64);
    const leaf = b64(c.leaf_hash);
    const r = b64(c.root);
    proof.forEach((_, i) => {
      const bad = proof.slice();
      bad[i] = flip(bad[i], i * 7, i);
      assert.throws(() => checkRecord(bad, c.tree_size, r, c.index, leaf), ProofError);
    });
    if (c.tree_size > 1) {
      assert.throws(() => checkRecord(proof, c.tree_size, r, (c.index + 1) % c.tree_size, leaf), ProofError);
    }
    assert.throws(() => checkRecord(proof, c.tree_size, flip(r, 3, 1), c.index, leaf), ProofError);
    assert.throws(() => checkRecord(proof, c.tree_size, r, c.index, flip(leaf, 0, 0)), ProofError);
    assert.throws(() => checkRecord([...proof, leaf], c.tree_size, r, c.index, leaf), ProofError);
    if (proof.length > 0) assert.throws(() => checkRecord(proof.slice(1), c.tree_size, r, c.index, leaf), ProofError);
  }
  for (const c of consistency.cases) {
    const proof: Hash[] = c.proof.map(b64);
    const oldRoot = b64(c.old_root);
    const newRoot = b64(c.new_root);
    proof.forEach((_, i) => {
      const bad = proof.slice();
      bad[i] = flip(bad[i], i * 5, i + 3);
      assert.throws(() => checkTree(bad, c.new_size, newRoot, c.old_size, oldRoot), ProofError);
    });
    assert.throws(() => checkTree(proof, c.new_size, newRoot, c.old_size, flip(oldRoot, 9, 2)), ProofError);
    assert.throws(() => checkTree(proof, c.new_size, flip(newRoot, 9, 2), c.old_size, oldRoot), ProofError);
    assert.throws(() => checkTree([...proof, oldRoot], c.new_size, newRoot, c.old_size, oldRoot), ProofError);
  }
});

test('inclusion proofs verify for random sizes and indexes, and fail when tampered (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: SIZE }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.nat(), fc.nat(), fc.nat())),
      ([n, i, a, b, c]) => {
        const proof = proveRecord(n, i, log.read);
        const leaf = recordHash(record(i));
        checkRecord(proof, n, root(n), i, leaf);
        if (proof.length > 0) {
          const bad = proof.slice();
          const k = a % bad.length;
          bad[k] = flip(bad[k], b, c);
          assert.throws(() => checkRecord(bad, n, root(n), i, leaf), ProofError);
        }
        if (n > 1) assert.throws(() => checkRecord(proof, n, root(n), (i + 1 + (a % (n - 1))) % n, leaf), ProofError);
        assert.throws(() => checkRecord(proof, n, flip(root(n), b, c), i, leaf), ProofError);
      },
    ),
    { numRuns: 300 },
  );
});

test('consistency proofs verify for random size pairs, and fail when tampered (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: SIZE }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }), fc.nat(), fc.nat(), fc.nat())),
      ([n, m, a, b, c]) => {
        const proof = proveTree(n, m, log.read);
        checkTree(proof, n, root(n), m, root(m));
        if (proof.length > 0) {
          const bad = proof.slice();
          const k = a % bad.length;
          bad[k] = flip(bad[k], b, c);
          assert.throws(() => checkTree(bad, n, root(n), m, root(m)), ProofError);
        }
        assert.throws(() => checkTree(proof, n, flip(root(n), b, c), m, root(m)), ProofError);
        assert.throws(() => checkTree(proof, n, root(n), m, flip(root(m), b, c)), ProofError);
      },
    ),
    { numRuns: 300 },
  );
});

test('the empty tree is a prefix of every tree (empty proof, empty-tree root)', () => {
  assert.deepEqual(proveTree(5, 0, log.read), []);
  assert.deepEqual(proveTree(0, 0, log.read), []);
  checkTree([], 5, root(5), 0, EMPTY_TREE_HASH);
  checkTree([], 0, EMPTY_TREE_HASH, 0, EMPTY_TREE_HASH);
  assert.throws(() => checkTree([], 5, root(5), 0, new Uint8Array(32)), ProofError);
  assert.throws(() => checkTree([root(5)], 5, root(5), 0, EMPTY_TREE_HASH), ProofError);
});

test('equal sizes need an empty proof and equal roots', () => {
  checkTree([], 8, root(8), 8, root(8));
  assert.throws(() => checkTree([], 8, root(8), 8, root(7)), ProofError);
  assert.throws(() => checkTree([root(8)], 8, root(8), 8, root(8)), ProofError);
});

test('bad arguments are rejected with typed errors', () => {
  assert.throws(() => proveRecord(5, 5, log.read), TreeRangeError);
  assert.throws(() => proveRecord(0, 0, log.read), TreeRangeError);
  assert.throws(() => proveRecord(5, -1, log.read), TreeRangeError);
  assert.throws(() => proveTree(5, 6, log.read), TreeRangeError);
  assert.throws(() => proveTree(5, 1.5, log.read), TreeRangeError);
  const leaf = recordHash(record(0));
  assert.throws(() => checkRecord([], 0, leaf, 0, leaf), ProofError);
  assert.throws(() => checkRecord([], 1, leaf, 1, leaf), ProofError);
  assert.throws(() => checkRecord([new Uint8Array(31)], 2, root(2), 0, leaf), ProofError);
  assert.throws(() => checkRecord(new Array(65).fill(leaf), 2 ** 40, leaf, 0, leaf), ProofError);
  assert.throws(() => checkRecord([], 1, new Uint8Array(3), 0, leaf), ProofError);
  assert.throws(() => checkTree([], 5, root(5), 6, root(6)), ProofError);
  assert.throws(() => checkTree([], 5, root(5), -1, root(5)), ProofError);
  // The one-record tree: the leaf is the root and the proof is empty.
  checkRecord([], 1, leaf, 0, leaf);
});
