import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BUCKETS, bucketKey, bucketOf, decodeBucket, emptySnapshot, encodeBucket, loadSnapshot, redirty, setKnown, takeSnapshotWrites, type Known, type Snapshot } from '../../src/monitor/snapshot.ts';
import type { ReadTx } from '../../src/store/store.ts';

test('bucket numbers are the first three hex digits of sha256(name)', () => {
  // sha256("requests") starts ec7: with python3 -c "import hashlib; print(hashlib.sha256(b'requests').hexdigest()[:3])"
  assert.equal(bucketOf('requests'), 0xec7);
  assert.equal(bucketKey(0x0b4), 'follow/s/0b4');
  fc.assert(fc.property(fc.string(), (s) => bucketOf(s) >= 0 && bucketOf(s) < BUCKETS));
});

test('a snapshot saved bucket by bucket loads back the same', async () => {
  const s = emptySnapshot();
  const want = new Map<string, Known>();
  for (let i = 0; i < 500; i++) {
    const k: Known = { serial: i % 3 === 0 ? null : i * 7, polled: 1000 + i };
    setKnown(s, `p-${i}`, k);
    want.set(`p-${i}`, k);
  }
  setKnown(s, 'p-3', undefined);
  want.delete('p-3');
  const { writes } = takeSnapshotWrites(s);
  assert.equal(s.dirty.size, 0);
  const meta = new Map(writes);
  const tx = { getMeta: async (k: string) => meta.get(k) } as unknown as ReadTx;
  const back = await loadSnapshot(tx);
  assert.deepEqual(back.projects, want);
  assert.deepEqual(takeSnapshotWrites(back).writes, []);
});

test('only changed buckets are written, and a failed save can be retried', () => {
  const s = emptySnapshot();
  setKnown(s, 'a', { serial: 1, polled: 1 });
  setKnown(s, 'b', { serial: 2, polled: 2 });
  const first = takeSnapshotWrites(s);
  assert.deepEqual(first.buckets.sort(), [...new Set([bucketOf('a'), bucketOf('b')])].sort());
  setKnown(s, 'a', { serial: 3, polled: 3 });
  const second = takeSnapshotWrites(s);
  assert.deepEqual(second.buckets, [bucketOf('a')]);
  redirty(s, second.buckets);
  assert.deepEqual(takeSnapshotWrites(s).writes, second.writes);
  setKnown(s, 'never-there', undefined);
  assert.equal(s.dirty.size, 0);
});

test('a bucket is stored as the text earlier versions wrote (JSON.stringify of a prototype-less object), so each reads the other', () => {
  const before = (s: Snapshot, b: number) => {
    const o = Object.create(null) as Record<string, [number | null, number]>;
    for (const name of s.members.get(b) ?? []) {
      const k = s.projects.get(name)!;
      o[name] = [k.serial, k.polled];
    }
    return JSON.stringify(o);
  };
  // Names that JSON escapes or that an object lists first (PyPI has projects named 2048).
  const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat().map(String), fc.constantFrom('__proto__', 'a"b', '\u2028', '\ud800'));
  const knownArb = fc.record({ serial: fc.option(fc.nat(), { nil: null }), polled: fc.integer({ min: 0, max: 2 ** 45 }) }).map((k): Known => ({ serial: k.serial, polled: k.polled }));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(nameArb, knownArb), { selector: (e) => e[0], maxLength: 40 }), (entries) => {
      const s = emptySnapshot();
      for (const [n, k] of entries) setKnown(s, n, k);
      for (const b of s.members.keys()) {
        const text = encodeBucket(s, b);
        assert.equal(text, before(s, b));
        const back = new Map<string, Known>();
        decodeBucket(text, b, back);
        assert.deepEqual(back, new Map([...s.members.get(b)!].map((n) => [n, s.projects.get(n)!])));
      }
    }),
    { numRuns: 300 },
  );
});

test('property: every known name is listed once, in its bucket, and a forgotten one nowhere', () => {
  const names = fc.constantFrom('a', 'b', 'c', 'requests', '2048', '__proto__', 'x-y');
  const op = fc.tuple(names, fc.option(fc.record({ serial: fc.option(fc.nat(), { nil: null }), polled: fc.nat() }), { nil: undefined }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const s = emptySnapshot();
      const want = new Map<string, Known>();
      for (const [n, k] of ops) {
        setKnown(s, n, k === undefined ? undefined : { serial: k.serial, polled: k.polled });
        if (k === undefined) want.delete(n);
        else want.set(n, { serial: k.serial, polled: k.polled });
      }
      assert.deepEqual(s.projects, want);
      const listed = [...s.members].flatMap(([b, ms]) => ms.map((n) => [b, n] as const));
      assert.deepEqual(listed.map(([, n]) => n).sort(), [...want.keys()].sort());
      for (const [b, n] of listed) assert.equal(b, bucketOf(n));
    }),
  );
});

test('damaged buckets are skipped entry by entry, never thrown', () => {
  const into = new Map<string, Known>();
  const b = bucketOf('x');
  decodeBucket(JSON.stringify({ x: [5, 6], y: [1, 2], z: ['a', 1], w: [1] }), b, into);
  // y is not in bucket b (unless it hashes there), z and w are malformed.
  const expectY = bucketOf('y') === b;
  assert.deepEqual(into.get('x'), { serial: 5, polled: 6 });
  assert.equal(into.has('y'), expectY);
  assert.equal(into.has('z'), false);
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), fc.integer({ min: 0, max: BUCKETS - 1 }), (v, n) => {
    const m = new Map<string, Known>();
    decodeBucket(v, n, m);
    return [...m.keys()].every((k) => bucketOf(k) === n);
  }));
  const s = emptySnapshot();
  setKnown(s, 'x', { serial: null, polled: 0 });
  const m = new Map<string, Known>();
  decodeBucket(encodeBucket(s, b), b, m);
  assert.deepEqual(m.get('x'), { serial: null, polled: 0 });
});

test('bucket numbers agree with python3 hashlib on many names (the stored layout must not change)', async () => {
  const { execFileSync } = await import('node:child_process');
  const names = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), 300).concat(['', 'numpy', 'zope.interface']);
  const out = execFileSync('python3', ['-c', 'import hashlib,json,sys\nfor n in json.load(sys.stdin): print(int(hashlib.sha256(n.encode()).hexdigest()[:3], 16))'], { input: JSON.stringify(names), encoding: 'utf8' });
  assert.deepEqual(names.map(bucketOf), out.trim().split('\n').map(Number));
});
