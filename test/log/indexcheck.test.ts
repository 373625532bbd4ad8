// The audit's index check: order-independent pair digests, and the problems named for each way an
// index can disagree with the entries, against a fake transaction holding hand-made indexes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INDEX_NAMES, addPair, emptyDigest, indexExpectation, sameDigest } from '../../src/log/indexcheck.ts';
import type { PairDigest } from '../../src/log/indexcheck.ts';
import type { IndexKeys, IndexName, ReadTx } from '../../src/store/store.ts';

type Pair = [number, number];
type Indexes = Record<IndexName, Pair[]>;

const U32 = 2 ** 32;
const LABEL: Record<IndexName, string> = { filename: 'file-name', sha256: 'sha256', project: 'project' };

function digestOf(pairs: Pair[]): PairDigest {
  const d = emptyDigest();
  for (const [k, i] of pairs) addPair(d, k, i);
  return d;
}

// A transaction that only scans: each index's pairs in ascending (key, index) order, as the store does.
function fakeTx(indexes: Indexes, scans: IndexName[] = []): ReadTx {
  const tx: Pick<ReadTx, 'scanIndex'> = {
    async scanIndex(name, fn) {
      scans.push(name);
      const sorted = [...indexes[name]].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      for (const [k, i] of sorted) fn(k, i);
      return sorted.length;
    },
  };
  return tx as ReadTx;
}

// The indexes exactly as the entries want them.
function indexesOf(keys: IndexKeys[]): Indexes {
  const out: Indexes = { filename: [], sha256: [], project: [] };
  keys.forEach((k, i) => {
    for (const n of INDEX_NAMES) out[n].push([k[n], i]);
  });
  return out;
}

async function audit(keys: IndexKeys[], indexes: Indexes): Promise<{ problems: string[]; keysOfCalls: number }> {
  const exp = indexExpectation(fakeTx(indexes));
  keys.forEach((k, i) => exp.add(i, k));
  const problems: string[] = [];
  let keysOfCalls = 0;
  await exp.check(
    (p) => problems.push(p),
    async () => {
      keysOfCalls++;
      return new Map(keys.map((k, i) => [i, k]));
    },
  );
  return { problems, keysOfCalls };
}

const pairArb = fc.tuple(fc.integer({ min: 0, max: U32 - 1 }), fc.integer({ min: 0, max: U32 - 1 }));
const smallPairArb = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }));
const pairsArb = fc.array(fc.oneof(pairArb, smallPairArb), { maxLength: 60 });

test('property: digests of the same multiset in any order are equal', () => {
  fc.assert(
    fc.property(pairsArb.chain((p) => fc.tuple(fc.constant(p), fc.shuffledSubarray(p, { minLength: p.length, maxLength: p.length }))), ([pairs, permuted]) => {
      const d = digestOf(pairs);
      assert.equal(d.count, pairs.length);
      assert.ok(sameDigest(d, digestOf(permuted)), 'permuted');
    }),
  );
  assert.ok(sameDigest(emptyDigest(), emptyDigest()), 'empty');
  assert.ok(sameDigest(emptyDigest(), digestOf([])), 'empty');
});

test('property: digests differ for a changed, missing or extra copy of a pair', () => {
  fc.assert(
    fc.property(pairsArb, fc.nat(), pairArb, (pairs, at, other) => {
      const d = digestOf(pairs);
      const withCopy = pairs.length > 0 ? [...pairs, pairs[at % pairs.length]] : [other];
      assert.ok(!sameDigest(d, digestOf(withCopy)), 'a pair twice');
      if (pairs.length === 0) return;
      const j = at % pairs.length;
      assert.ok(!sameDigest(d, digestOf(pairs.filter((_, x) => x !== j))), 'a pair missing');
      const [k, i] = pairs[j];
      for (const changed of [[other[0], i], [k, other[1]], other, [i, k], [k ^ 1, i], [k, i ^ 0x80000000]] as Pair[]) {
        if (changed[0] === k && changed[1] === i) continue;
        const c = pairs.slice();
        c[j] = changed;
        assert.ok(!sameDigest(d, digestOf(c)), `(${k}, ${i}) -> (${changed[0]}, ${changed[1]})`);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: exchanging indexes between pairs of different keys changes the digest (same count)', () => {
  fc.assert(
    fc.property(pairArb, pairArb, (x, y) => {
      fc.pre(x[0] !== y[0] && x[1] !== y[1]);
      assert.ok(!sameDigest(digestOf([x, y]), digestOf([[x[0], y[1]], [y[0], x[1]]])), 'indexes exchanged');
    }),
  );
});

// murmur3's 32-bit finalizer, the mix the digest's doc comment names: used to build pairs that leave
// one of the two sums unchanged, so the other must tell them apart.
function fmix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

test('property: a substitution that keeps either sum still changes the digest', () => {
  fc.assert(
    fc.property(pairsArb, pairArb, fc.integer({ min: 0, max: U32 - 1 }), (rest, [k, i], other) => {
      const base = digestOf([...rest, [k, i]]);
      // Same first sum: k ^ mix(i) unchanged, another index.
      const i2 = other === i ? (other + 1) % U32 : other;
      const sameA: Pair = [(k ^ fmix32(i) ^ fmix32(i2)) >>> 0, i2];
      const da = digestOf([...rest, sameA]);
      assert.equal(da.a, base.a, 'construction of an equal first sum');
      assert.ok(!sameDigest(base, da), 'equal first sum');
      // Same second sum: i ^ mix(k ^ 0x9e3779b9) unchanged, another key.
      const k2 = other === k ? (other + 1) % U32 : other;
      const sameB: Pair = [k2, (i ^ fmix32(k ^ 0x9e3779b9) ^ fmix32(k2 ^ 0x9e3779b9)) >>> 0];
      const db = digestOf([...rest, sameB]);
      assert.equal(db.b, base.b, 'construction of an equal second sum');
      assert.ok(!sameDigest(base, db), 'equal second sum');
    }),
    { numRuns: 300 },
  );
});

const keysArb = fc.array(
  fc.record({ filename: fc.integer({ min: 0, max: 6 }), sha256: fc.integer({ min: 0, max: U32 - 1 }), project: fc.integer({ min: 0, max: 3 }) }),
  { maxLength: 40 },
);

test('property: consistent indexes raise no problem and never fetch the keys again, shared keys or not', async () => {
  await fc.assert(
    fc.asyncProperty(keysArb, async (keys) => {
      const r = await audit(keys, indexesOf(keys));
      assert.deepEqual(r.problems, []);
      assert.equal(r.keysOfCalls, 0);
    }),
    { numRuns: 200 },
  );
  assert.deepEqual(await audit([], indexesOf([])), { problems: [], keysOfCalls: 0 });
});

// One way an index can be wrong, and the problem the audit must name for it.
type Fault = 'missing' | 'wrong-key' | 'beyond' | 'twice';

function corrupt(keys: IndexKeys[], name: IndexName, fault: Fault, pick: number, other: number): { indexes: Indexes; problem: string } {
  const indexes = indexesOf(keys);
  const list = indexes[name];
  const j = pick % list.length;
  const [k, i] = list[j];
  switch (fault) {
    case 'missing':
      list.splice(j, 1);
      return { indexes, problem: `entry ${i} is missing from the ${LABEL[name]} index` };
    case 'wrong-key':
      list[j] = [other === k ? (k + 1) % U32 : other, i];
      return { indexes, problem: `the ${LABEL[name]} index files entry ${i} under a key that is not its own` };
    case 'beyond': {
      const beyond = keys.length + (other % 1000);
      list.push([k, beyond]);
      return { indexes, problem: `the ${LABEL[name]} index holds entry ${beyond}, which is not in the tree` };
    }
    case 'twice':
      list.push([k, i]);
      return { indexes, problem: `the ${LABEL[name]} index holds entry ${i} twice` };
  }
}

test('property: each kind of fault in any index is named exactly, once', async () => {
  await fc.assert(
    fc.asyncProperty(
      keysArb.filter((k) => k.length > 0),
      fc.constantFrom(...INDEX_NAMES),
      fc.constantFrom<Fault>('missing', 'wrong-key', 'beyond', 'twice'),
      fc.nat(),
      fc.integer({ min: 0, max: U32 - 1 }),
      async (keys, name, fault, pick, other) => {
        const { indexes, problem } = corrupt(keys, name, fault, pick, other);
        const r = await audit(keys, indexes);
        assert.deepEqual(r.problems, [problem]);
        assert.equal(r.keysOfCalls, 1);
      },
    ),
    { numRuns: 300 },
  );
});

test('the documented messages, index by index in audit order', async () => {
  const keys: IndexKeys[] = [
    { filename: 10, sha256: 20, project: 30 },
    { filename: 11, sha256: 21, project: 30 },
    { filename: 12, sha256: 22, project: 31 },
  ];
  const indexes = indexesOf(keys);
  indexes.project = [[30, 0], [30, 1], [30, 1]];
  indexes.sha256 = [[20, 0], [99, 1], [22, 2], [22, 7]];
  indexes.filename = [[10, 0], [11, 1]];
  const r = await audit(keys, indexes);
  assert.deepEqual(r.problems, [
    'entry 2 is missing from the file-name index',
    'the sha256 index holds entry 7, which is not in the tree',
    'the sha256 index files entry 1 under a key that is not its own',
    'the project index holds entry 1 twice',
    'entry 2 is missing from the project index',
  ]);
});

test('an entry filed under its own key and another one is reported whichever key sorts first', async () => {
  const keys: IndexKeys[] = [{ filename: 50, sha256: 1, project: 1 }];
  for (const wrong of [49, 51]) {
    const indexes = indexesOf(keys);
    indexes.filename.push([wrong, 0]);
    const r = await audit(keys, indexes);
    assert.ok(r.problems.includes('the file-name index files entry 0 under a key that is not its own'), `${wrong}: ${r.problems.join('; ')}`);
    assert.ok(!r.problems.some((p) => p.includes('missing')), `${wrong}: ${r.problems.join('; ')}`);
  }
});

test('check scans each index once in audit order when they agree, and again only the ones that differ', async () => {
  const keys: IndexKeys[] = [{ filename: 1, sha256: 2, project: 3 }];
  const scans: IndexName[] = [];
  const exp = indexExpectation(fakeTx(indexesOf(keys), scans));
  exp.add(0, keys[0]);
  await exp.check(() => assert.fail('no problem expected'), () => assert.fail('keys not needed'));
  assert.deepEqual(scans, ['filename', 'sha256', 'project']);
  const bad = indexesOf(keys);
  bad.sha256 = [];
  const scans2: IndexName[] = [];
  const exp2 = indexExpectation(fakeTx(bad, scans2));
  exp2.add(0, keys[0]);
  const problems: string[] = [];
  await exp2.check((p) => problems.push(p), async () => new Map([[0, keys[0]]]));
  assert.deepEqual(scans2, ['filename', 'sha256', 'project', 'sha256']);
  assert.deepEqual(problems, ['entry 0 is missing from the sha256 index']);
});

test('digests are keyed: the same pairs under another secret give other sums, the same secret the same', () => {
  const pairs: [number, number][] = [[1, 2], [3, 4], [0xffffffff, 0]];
  const under = (k1: number, k2: number) => {
    const d = emptyDigest(k1, k2);
    for (const [k, i] of pairs) addPair(d, k, i);
    return d;
  };
  assert.ok(sameDigest(under(5, 6), under(5, 6)), 'same secret');
  assert.ok(!sameDigest(under(5, 6), under(5, 7)), 'other k2');
  assert.ok(!sameDigest(under(5, 6), under(9, 6)), 'other k1');
});
