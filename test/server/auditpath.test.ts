// Audit paths from subtree coordinates: the same proofs as the x/mod-generated vectors and as
// tlog's recursive proveRecord, and every one verifies with tlog's (RFC 9162) checkRecord.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { auditPathSubtrees, checkLeaf, foldAuditPath } from '../../src/server/auditpath.ts';
import type { SubTree } from '../../src/server/auditpath.ts';
import { recordHash } from '../../src/tlog/hash.ts';
import { checkRecord, proveRecord } from '../../src/tlog/proof.ts';
import { storedHashIndex, treeHash } from '../../src/tlog/stored.ts';
import { TreeRangeError } from '../../src/tlog/errors.ts';
import { b64, buildLog, loadVector, record } from '../tlog/testlog.ts';

const inclusion = loadVector<{ cases: { tree_size: number; index: number; proof: string[]; root: string }[] }>('tlog/inclusion.json').cases;
const log = buildLog(1100);
const hashOf = (t: SubTree) => log.read([storedHashIndex(t.level, t.n)])[0];

test('matches the inclusion vectors (x/mod ProveRecord) for sizes up to 1000', () => {
  let checked = 0;
  for (const c of inclusion) {
    if (c.tree_size > 1100) continue;
    const proof = foldAuditPath(auditPathSubtrees(c.tree_size, c.index), hashOf);
    assert.deepEqual(proof, c.proof.map(b64), `size ${c.tree_size} index ${c.index}`);
    checked++;
  }
  assert.ok(checked >= 30, `only ${checked} vector cases were small enough`);
});

test('equals tlog proveRecord and verifies against the root for random trees', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1100 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
      ([size, index]) => {
        const proof = foldAuditPath(auditPathSubtrees(size, index), hashOf);
        assert.deepEqual(proof, proveRecord(size, index, log.read));
        checkRecord(proof, size, treeHash(size, log.read), index, recordHash(record(index)));
      },
    ),
    { numRuns: 300 },
  );
});

test('subtrees of huge trees stay exact (sizes near 2^52)', () => {
  const size = 2 ** 52 - 3;
  const path = auditPathSubtrees(size, size - 1);
  // Every element covers a disjoint range and together with the leaf they cover the whole tree.
  let covered = 1;
  for (const group of path) for (const t of group) covered += 2 ** t.level;
  assert.equal(covered, size);
  assert.throws(() => auditPathSubtrees(0, 0), TreeRangeError);
  assert.throws(() => auditPathSubtrees(5, 5), TreeRangeError);
  assert.throws(() => auditPathSubtrees(2 ** 53, 1), TreeRangeError);
  assert.deepEqual(auditPathSubtrees(1, 0), []);
});

test('property: the path split at any level is the concatenation of its level ranges', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 40 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.nat({ max: 45 }))),
      ([size, index, split]) => {
        const whole = auditPathSubtrees(size, index);
        assert.deepEqual([...auditPathSubtrees(size, index, 0, split), ...auditPathSubtrees(size, index, split)], whole);
        // Below the split, every element lies in the leaf's own 2^split-aligned block; above it, outside.
        for (const g of auditPathSubtrees(size, index, 0, split)) {
          assert.equal(Math.floor((g[0].n * 2 ** g[0].level) / 2 ** split), Math.floor(index / 2 ** split));
        }
        for (const g of auditPathSubtrees(size, index, split)) {
          assert.notEqual(Math.floor((g[0].n * 2 ** g[0].level) / 2 ** split), Math.floor(index / 2 ** split));
        }
      },
    ),
    { numRuns: 500 },
  );
  assert.throws(() => checkLeaf(3, 3), TreeRangeError);
  assert.throws(() => checkLeaf(0, 0), TreeRangeError);
  checkLeaf(3, 2);
});
