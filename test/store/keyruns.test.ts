// The store's sorted index runs: keys against published HalfSipHash vectors and Python, run building, page encoding, page
// lookup and merging against naive sorts and linear scans, and the tiering policy by simulation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  MAX_INDEXED,
  MERGE_FANOUT,
  PAGE_PAIRS,
  TIER_BASE,
  digestKey,
  fenceOf,
  mergeRuns,
  matchesIn,
  nameKey,
  pageBytes,
  pagePairs,
  pagesFor,
  runOf,
  orderByKey,
  runsToMerge,
  tierOf,
  uint32sOf,
} from '../../src/store/keyruns.ts';
import type { Pairs } from '../../src/store/keyruns.ts';

const U32 = 2 ** 32;

// A small seeded generator (mulberry32), so runs can be long without fast-check shrinking huge arrays.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// The oracle for a run: (key, index) pairs sorted with a comparator, duplicates dropped, flattened.
function naiveRun(pairs: [number, number][]): number[] {
  const sorted = [...pairs].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: number[] = [];
  for (const [k, i] of sorted) {
    const n = out.length;
    if (n > 0 && out[n - 2] === k && out[n - 1] === i) continue;
    out.push(k, i);
  }
  return out;
}

// Keys drawn from a few distinct values (so equal keys straddle pages) plus the extremes.
function someKeys(n: number, distinct: number, seed: number): Uint32Array {
  const r = prng(seed);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const x = r() % (distinct + 3);
    keys[i] = x < distinct ? x * 1000 + 7 : x === distinct ? 0 : x === distinct + 1 ? U32 - 1 : r();
  }
  return keys;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// HalfSipHash-1-3 of the bytes 00 01 .. (n-1) under the key 00 01 .. 07, for n = 0..63: the 32-bit
// hsiphash vectors of Linux's lib/test_siphash.c (derived from the reference at github.com/veorq/SipHash).
const HSIP13_VECTORS = [
  0x5814c896, 0xe7e864ca, 0xbc4b0e30, 0x01539939, 0x7e059ea6, 0x88e3d89b, 0xa0080b65, 0x9d38d9d6,
  0x577999b1, 0xc839caed, 0xe4fa32cf, 0x959246ee, 0x6b28096c, 0x66dd9cd6, 0x16658a7c, 0xd0257b04,
  0x8b31d501, 0x2b1cd04b, 0x06712339, 0x522aca67, 0x911bb605, 0x90a65f0e, 0xf826ef7b, 0x62512deb,
  0x57150ad7, 0x5d473507, 0x1ec47442, 0xab64afd3, 0x0a4100d0, 0x6d2ce652, 0x2331b6a3, 0x08d8791a,
  0xbc6dda8d, 0xe0f6c934, 0xb0652033, 0x9b9851cc, 0x7c46fb7f, 0x732ba8cb, 0xf142997a, 0xfcc9aa1b,
  0x05327eb2, 0xe110131c, 0xf9e5e7c0, 0xa7d708a6, 0x11795ab1, 0x65671619, 0x9f5fff91, 0xd89c5267,
  0x007783eb, 0x95766243, 0xab639262, 0x9c7e1390, 0xc368dda6, 0x38ddc455, 0xfa13d379, 0x979ea4e8,
  0x53ecd77e, 0x2ee80657, 0x33dbb66a, 0xae3f0577, 0x88b4c4cc, 0x3e7f480b, 0x74c1ebf8, 0x87178304,
];

test('nameKey is HalfSipHash-1-3 of the UTF-16LE code units: the published vectors of even length', () => {
  // The bytes 00 01 .. (2m-1) are the code units 0x0100, 0x0302, ...; seed bytes 8..15 are not used.
  for (const tail of [0x00, 0xff]) {
    const seed = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? i : tail));
    for (let m = 0; m < 32; m++) {
      const value = String.fromCharCode(...Array.from({ length: m }, (_, j) => 2 * j + ((2 * j + 1) << 8)));
      assert.equal(nameKey(seed, value), HSIP13_VECTORS[2 * m], `${2 * m} bytes`);
    }
  }
});

// HalfSipHash-1-3 in Python, written from the specification and checked against all 64 vectors
// (odd lengths too) before it serves as the oracle for arbitrary strings.
const PY_HALFSIPHASH = [
  'import json, struct, sys',
  'M = 0xffffffff',
  'def rotl(x, b): return ((x << b) | (x >> (32 - b))) & M',
  'def rounds(v, n):',
  '    for _ in range(n):',
  '        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 5) ^ v[0]; v[0] = rotl(v[0], 16)',
  '        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 8) ^ v[2]',
  '        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 7) ^ v[0]',
  '        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[2]; v[2] = rotl(v[2], 16)',
  'def hsip13(key, data):',
  "    k0, k1 = struct.unpack('<II', key[:8])",
  '    v = [k0, k1, 0x6c796765 ^ k0, 0x74656462 ^ k1]',
  '    end = len(data) - len(data) % 4',
  '    for i in range(0, end, 4):',
  "        m = int.from_bytes(data[i:i + 4], 'little')",
  '        v[3] ^= m; rounds(v, 1); v[0] ^= m',
  "    b = ((len(data) & 0xff) << 24) | int.from_bytes(data[end:], 'little')",
  '    v[3] ^= b; rounds(v, 1); v[0] ^= b',
  '    v[2] ^= 0xff; rounds(v, 3)',
  '    return v[1] ^ v[3]',
  'lines = sys.stdin.read().split("\\n")',
  'vectors = json.loads(lines[0])',
  'for n, want in enumerate(vectors):',
  '    got = hsip13(bytes(range(8)), bytes(range(n)))',
  "    if got != want: sys.exit('oracle wrong at %d bytes: %08x, want %08x' % (n, got, want))",
  'for line in lines[1:]:',
  '    seed, value = json.loads(line)',
  "    print(hsip13(bytes.fromhex(seed), value.encode('utf-16-le', 'surrogatepass')))",
].join('\n');

test('nameKey equals an independent HalfSipHash-1-3 (python3) on arbitrary strings, lone surrogates and long ones', () => {
  const seeds = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), { numRuns: 700, seed: 7 });
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
  const values: string[] = [
    '',
    'a',
    'ab',
    'abc',
    'six-1.11.0-py2.py3-none-any.whl',
    'numpy',
    'é',
    '😀',
    '\u0000',
    '\uffff',
    '\ud800',
    '\udfff',
    'x\udc00\ud800y',
    '\ud83d\ude00\ud83d',
    'a'.repeat(127),
    'a'.repeat(128),
    'a'.repeat(129),
    'a'.repeat(4096),
    'a'.repeat(10_001),
    '😀'.repeat(1021),
    ...fc.sample(fc.string({ unit: codeUnit, maxLength: 40 }), { numRuns: 300, seed: 1 }),
    ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 150, seed: 2 }),
    ...fc.sample(fc.string({ unit: 'grapheme', maxLength: 20 }), { numRuns: 150, seed: 3 }),
    ...fc.sample(fc.string({ unit: codeUnit, minLength: 100, maxLength: 3000 }), { numRuns: 40, seed: 4 }),
  ];
  assert.ok(values.length <= seeds.length, 'a seed per value');
  // JSON.stringify escapes lone surrogates and Python's surrogatepass keeps them as code units, so
  // both sides hash the same UTF-16 sequence.
  const py = spawnSync('python3', ['-c', PY_HALFSIPHASH], {
    input: [JSON.stringify(HSIP13_VECTORS), ...values.map((v, i) => JSON.stringify([hex(seeds[i]), v]))].join('\n'),
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  assert.equal(py.status, 0, py.stderr);
  const want = py.stdout.trim().split('\n').map(Number);
  assert.equal(want.length, values.length);
  values.forEach((v, i) => assert.equal(nameKey(seeds[i], v), want[i], `value #${i} (${v.length} code units): ${JSON.stringify(v.slice(0, 30))}`));
});

test('nameKey depends on the first 8 seed bytes only, and refuses a seed that is not 16 bytes', () => {
  const seed = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const key = nameKey(seed, 'numpy');
  for (let i = 0; i < 16; i++) {
    const other = seed.slice();
    other[i] ^= 1;
    if (i < 8) assert.notEqual(nameKey(other, 'numpy'), key, `seed byte ${i}`);
    else assert.equal(nameKey(other, 'numpy'), key, `seed byte ${i}`);
  }
  // Code units, not UTF-8: a lone surrogate is not U+FFFD.
  assert.notEqual(nameKey(seed, 'a\ud800b'), nameKey(seed, 'a\ufffdb'));
  for (const n of [0, 8, 15, 17, 32]) assert.throws(() => nameKey(new Uint8Array(n), 'x'), RangeError);
});

test('digestKey is the first 4 bytes of a sha256 digest, big-endian (python3 hashlib digests)', () => {
  const inputs = fc.sample(fc.uint8Array({ maxLength: 64 }), { numRuns: 200, seed: 11 });
  const py = spawnSync(
    'python3',
    ['-c', "import hashlib, sys\nfor h in sys.stdin.read().splitlines():\n    d = hashlib.sha256(bytes.fromhex(h[1:])).digest()\n    print(d.hex(), int.from_bytes(d[:4], 'big'))"],
    { input: inputs.map((b) => '#' + hex(b)).join('\n'), encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  const lines = py.stdout.trim().split('\n');
  assert.equal(lines.length, inputs.length);
  for (const l of lines) {
    const [d, k] = l.split(' ');
    assert.equal(digestKey(Buffer.from(d, 'hex')), Number(k), d);
  }
  const edge = new Uint8Array(32);
  edge.set([0xff, 0xff, 0xff, 0xff]);
  assert.equal(digestKey(edge), U32 - 1);
  edge.set([0x80, 0, 0, 1]);
  assert.equal(digestKey(edge), 0x80000001);
  for (const n of [0, 4, 31, 33, 64]) assert.throws(() => digestKey(new Uint8Array(n)), RangeError);
});

test('property: runOf equals a comparator sort of (key, first+i), duplicates and extreme indexes included', () => {
  const key = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 1, 2 ** 31, U32 - 1), fc.integer({ min: 0, max: U32 - 1 }));
  fc.assert(
    fc.property(fc.array(key, { maxLength: 300, size: 'max' }), fc.nat(1000), fc.boolean(), (ks, off, high) => {
      const keys = Uint32Array.from(ks);
      // Either a small first or one placing the last index at or near MAX_INDEXED.
      const first = high ? MAX_INDEXED - keys.length + 1 - Math.min(off, MAX_INDEXED - keys.length + 1) : off;
      const want = naiveRun(ks.map((k, i) => [k, first + i]));
      assert.deepEqual(Array.from(runOf(keys, first)), want);
    }),
    { numRuns: 300 },
  );
  assert.deepEqual(Array.from(runOf(new Uint32Array(0), 0)), []);
  assert.deepEqual(Array.from(runOf(Uint32Array.from([U32 - 1, 0, U32 - 1]), MAX_INDEXED - 2)), [0, MAX_INDEXED - 1, U32 - 1, MAX_INDEXED - 2, U32 - 1, MAX_INDEXED]);
});

test('runOf refuses indexes past MAX_INDEXED and non-integer or negative starts', () => {
  const three = Uint32Array.from([5, 6, 7]);
  assert.equal(runOf(three, MAX_INDEXED - 2).length, 6);
  for (const first of [MAX_INDEXED - 1, MAX_INDEXED, U32, 2 ** 53, -1, 0.5, NaN, Infinity]) {
    assert.throws(() => runOf(three, first), RangeError, String(first));
  }
});

test('runOf on 2^21-1 and 2^21 keys matches a counting sort', () => {
  // Keys from a table of 41 values, extremes included, so the oracle is a counting sort by slot.
  const table = [0, U32 - 1, 2 ** 31, ...Array.from({ length: 38 }, (_, j) => ((j + 1) * 0x9e3779b1) >>> 0)].sort((x, y) => x - y);
  for (const n of [2 ** 21 - 1, 2 ** 21]) {
    assert.equal(new Set(table).size, table.length);
    const r = prng(n);
    const slots = new Uint8Array(n);
    for (let i = 0; i < n; i++) slots[i] = r() % table.length;
    const keys = new Uint32Array(n);
    for (let i = 0; i < n; i++) keys[i] = table[slots[i]];
    const first = MAX_INDEXED - n + 1;
    const start = new Array<number>(table.length + 1).fill(0);
    for (let i = 0; i < n; i++) start[slots[i] + 1]++;
    for (let j = 0; j < table.length; j++) start[j + 1] += start[j];
    const want = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const at = start[slots[i]]++;
      want[2 * at] = keys[i];
      want[2 * at + 1] = first + i;
    }
    const got = runOf(keys, first);
    assert.equal(got.length, want.length);
    let bad = -1;
    for (let x = 0; x < got.length && bad < 0; x++) if (got[x] !== want[x]) bad = x;
    assert.equal(bad, -1, `n=${n}: first difference at ${bad}`);
  }
});

test('pageBytes is little-endian uint32s, also for a subarray', () => {
  const pairs = Uint32Array.from([0x01020304, 0xa0b0c0d0, 0, U32 - 1, 7, 8]);
  assert.deepEqual([...pageBytes(pairs.subarray(0, 2))], [4, 3, 2, 1, 0xd0, 0xc0, 0xb0, 0xa0]);
  const sub = pageBytes(pairs.subarray(2, 6));
  assert.deepEqual([...sub], [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0, 8, 0, 0, 0]);
  assert.equal(pageBytes(new Uint32Array(0)).length, 0);
});

test('property: pagePairs reads little-endian pairs at any byte offset and round-trips pageBytes', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: U32 - 1 }), { maxLength: 64 }), fc.integer({ min: 0, max: 7 }), (vals, offset) => {
      const words = vals.length % 2 === 0 ? vals : vals.slice(1);
      const bytes = Buffer.alloc(offset + 4 * words.length);
      words.forEach((v, i) => bytes.writeUInt32LE(v, offset + 4 * i));
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, 4 * words.length);
      const got = pagePairs(view);
      assert.deepEqual(Array.from(got), words);
      assert.deepEqual(Array.from(pagePairs(pageBytes(Uint32Array.from(words)))), words);
    }),
    { numRuns: 300 },
  );
});

test('property: pagePairs refuses a length that is not whole pairs, and never crashes on any bytes', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 8191]) assert.throws(() => pagePairs(new Uint8Array(n)), RangeError, String(n));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 0, max: 5 }), (raw, cut) => {
      const b = raw.subarray(Math.min(cut, raw.length));
      if (b.length % 8 !== 0) assert.throws(() => pagePairs(b), RangeError);
      else assert.equal(pagePairs(b).length, b.length / 4);
    }),
    { numRuns: 300 },
  );
});

test('property: uint32sOf reads little-endian uint32s at any byte offset; refuses a partial one', () => {
  for (const n of [1, 2, 3, 5, 7, 4097]) assert.throws(() => uint32sOf(new Uint8Array(n)), RangeError, String(n));
  assert.deepEqual(Array.from(uint32sOf(Uint8Array.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80]))), [1, U32 - 1, 2 ** 31]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: U32 - 1 }), { maxLength: 40 }), fc.integer({ min: 0, max: 7 }), (words, offset) => {
      const bytes = Buffer.alloc(offset + 4 * words.length);
      words.forEach((v, i) => bytes.writeUInt32LE(v, offset + 4 * i));
      assert.deepEqual(Array.from(uint32sOf(new Uint8Array(bytes.buffer, bytes.byteOffset + offset, 4 * words.length))), words);
    }),
    { numRuns: 300 },
  );
});

test('property: fenceOf, pagesFor and matchesIn find exactly the indexes a linear scan finds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5 * PAGE_PAIRS + 3 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (n, distinct, seed) => {
      const keys = someKeys(n, distinct, seed);
      const run = Uint32Array.from(naiveRun(Array.from(keys, (k, i) => [k, 3 * i + 1])));
      const pages: Pairs[] = [];
      for (let p = 0; p < run.length; p += 2 * PAGE_PAIRS) pages.push(run.subarray(p, p + 2 * PAGE_PAIRS));
      const fence = fenceOf(run);
      assert.deepEqual(Array.from(fence), pages.map((p) => p[0]));
      const queries = new Set<number>([0, 1, U32 - 1, U32 - 2, 2 ** 31, 500]);
      // Every key near the start of the run (the few repeated ones and some random ones), and its neighbours.
      for (const k of keys.subarray(0, 40)) for (const q of [k - 1, k, k + 1]) if (q >= 0 && q < U32) queries.add(q);
      for (const q of queries) {
        const [from, to] = pagesFor(fence, q);
        // The documented range: the last page starting below q through the last page starting at q.
        const below = fence.filter((f) => f < q).length;
        assert.deepEqual([from, to], [Math.max(0, below - 1), fence.filter((f) => f <= q).length], `key ${q}`);
        const found: number[] = [];
        for (let p = from; p < to; p++) matchesIn(pages[p], q, found);
        const want: number[] = [];
        for (let x = 0; x < run.length; x += 2) if (run[x] === q) want.push(run[x + 1]);
        assert.deepEqual(found, want, `key ${q}`);
      }
    }),
    { numRuns: 60, endOnFailure: true }, // inputs are seeds: shrinking them finds nothing simpler
  );
});

test('matchesIn appends to what `out` already holds, and finds nothing in an empty page', () => {
  const out = [99];
  matchesIn(Uint32Array.from([1, 10, 2, 20, 2, 21, 3, 30]), 2, out);
  assert.deepEqual(out, [99, 20, 21]);
  matchesIn(new Uint32Array(0), 2, out);
  matchesIn(Uint32Array.from([1, 10]), 0, out);
  matchesIn(Uint32Array.from([1, 10]), 5, out);
  assert.deepEqual(out, [99, 20, 21]);
  assert.deepEqual(pagesFor(new Uint32Array(0), 5), [0, 0]);
});

// Splits a run into pages whose sizes (in pairs) cycle through `sizes` (zeros mean empty pages); when
// `reuse`, every page is written into one buffer the source overwrites on its next call, as a reader
// of stored pages may do.
function source(run: Uint32Array, sizes: number[], reuse: boolean): () => Pairs | undefined {
  let at = 0;
  let s = 0;
  const buf = new Uint32Array(2 * Math.max(...sizes, 1));
  let doneEmpties = 0;
  return () => {
    if (at >= run.length) {
      // An empty page after the data, once, before the end.
      return doneEmpties++ === 0 && sizes.includes(0) ? new Uint32Array(0) : undefined;
    }
    const size = sizes[s++ % sizes.length];
    const page = run.slice(at, at + 2 * size);
    at += page.length;
    if (!reuse) return page;
    buf.fill(0xdeadbeef);
    buf.set(page);
    return buf.subarray(0, page.length);
  };
}

test('property: mergeRuns equals concat + sort + dedupe, in full pages but the last, whatever page sizes the sources yield', () => {
  const input = fc.record({
    runs: fc.array(
      fc.record({
        n: fc.integer({ min: 0, max: 1500 }),
        sizes: fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 1, maxLength: 5 }),
        reuse: fc.boolean(),
      }),
      // Up to 4 inputs are merged by a scan, more through a heap: both ways.
      { maxLength: 24 },
    ),
    distinct: fc.integer({ min: 1, max: 30 }),
    indexes: fc.integer({ min: 1, max: 400 }),
    seed: fc.integer(),
  });
  fc.assert(
    fc.property(input, ({ runs, distinct, indexes, seed }) => {
      const r = prng(seed);
      const all: [number, number][] = [];
      const sources = runs.map(({ n, sizes, reuse }) => {
        // Few keys and indexes, so the same pair turns up in several runs.
        const pairs: [number, number][] = Array.from({ length: n }, () => [r() % (distinct + 1) === 0 ? U32 - 1 : r() % distinct, r() % indexes]);
        all.push(...pairs);
        if (!sizes.some((x) => x > 0)) sizes.push(1);
        return source(Uint32Array.from(naiveRun(pairs)), sizes, reuse);
      });
      const want = naiveRun(all);
      const pages: Pairs[] = [];
      const copies: number[][] = [];
      const count = mergeRuns(sources, (p) => {
        pages.push(p);
        copies.push(Array.from(p));
      });
      assert.equal(count, want.length / 2);
      assert.deepEqual(copies.flat(), want);
      // Pages handed out stay as they were emitted.
      assert.deepEqual(pages.map((p) => Array.from(p)), copies);
      pages.forEach((p, i) => {
        if (i < pages.length - 1) assert.equal(p.length, 2 * PAGE_PAIRS);
        else assert.ok(p.length > 0 && p.length <= 2 * PAGE_PAIRS, `last page of ${p.length / 2} pairs`);
      });
      assert.equal(pages.length, Math.ceil(count / PAGE_PAIRS));
    }),
    { numRuns: 150, endOnFailure: true }, // as above: mostly seeds and sizes, and slow to shrink
  );
});

test('mergeRuns with no sources, or sources of only empty pages, emits nothing and returns 0', () => {
  let emitted = 0;
  assert.equal(mergeRuns([], () => emitted++), 0);
  const empties = (k: number) => () => (k-- > 0 ? new Uint32Array(0) : undefined);
  assert.equal(mergeRuns([empties(3), empties(0), empties(1)], () => emitted++), 0);
  assert.equal(emitted, 0);
  // Empty pages before, between and after data; one pair in both inputs.
  const a = [new Uint32Array(0), Uint32Array.from([1, 1]), new Uint32Array(0), new Uint32Array(0), Uint32Array.from([5, 2, 5, 3]), new Uint32Array(0)];
  const b = [Uint32Array.from([1, 0, 5, 2]), new Uint32Array(0)];
  const out: number[] = [];
  const n = mergeRuns([() => a.shift(), () => b.shift()], (p) => out.push(...p));
  assert.equal(n, 4);
  assert.deepEqual(out, [1, 0, 1, 1, 5, 2, 5, 3]);
});

// The documented tiers: tier t holds counts in [TIER_BASE * MERGE_FANOUT^(t-1), TIER_BASE * MERGE_FANOUT^t).
function tierOracle(count: number): number {
  let t = 0;
  while (count >= TIER_BASE * MERGE_FANOUT ** t) t++;
  return t;
}

test('tierOf: 0 below TIER_BASE, then one more per factor of MERGE_FANOUT', () => {
  const B = TIER_BASE;
  const F = MERGE_FANOUT;
  const cases: [number, number][] = [[0, 0], [1, 0], [B - 1, 0], [B, 1], [B * F - 1, 1], [B * F, 2], [B * F * F - 1, 2], [B * F * F, 3]];
  for (const [c, t] of cases) assert.equal(tierOf(c), t, String(c));
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (c) => tierOf(c) === tierOracle(c)));
  for (let e = 0; e <= 40; e++) for (const c of [2 ** e - 1, 2 ** e, 2 ** e + 1]) assert.equal(tierOf(c), tierOracle(c), String(c));
});

test('runsToMerge picks every run of the lowest tier holding MERGE_FANOUT runs, else undefined', () => {
  const sorted = (x: number[] | undefined) => x && [...x].sort((p, q) => p - q);
  assert.equal(runsToMerge([]), undefined);
  assert.equal(runsToMerge([{ id: 1, count: 1 }, { id: 2, count: 10 }, { id: 3, count: 4095 }]), undefined);
  const t1 = [5000, 6000, 7000, 16383].map((count, i) => ({ id: 10 + i, count }));
  const t0 = [1, 2, 3, 4].map((count, i) => ({ id: 20 + i, count }));
  assert.deepEqual(sorted(runsToMerge([...t1, ...t0])), [20, 21, 22, 23]);
  assert.deepEqual(sorted(runsToMerge([...t1, ...t0.slice(1)])), [10, 11, 12, 13]);
  const five = [70000, 70001, 100000, 200000, 262143].map((count, i) => ({ id: i, count }));
  assert.deepEqual(sorted(runsToMerge(five)), [0, 1, 2, 3, 4]);
});

// Appends runs of the given sizes, merging as runsToMerge says after each, and checks the tiering
// invariants throughout; returns pairs appended and pairs rewritten by merges.
function simulate(sizes: Iterable<number>): { total: number; rewritten: number; maxRuns: number } {
  let runs: { id: number; count: number }[] = [];
  let id = 0;
  let total = 0;
  let rewritten = 0;
  let maxRuns = 0;
  for (const size of sizes) {
    runs.push({ id: id++, count: size });
    total += size;
    for (;;) {
      const ids = runsToMerge(runs);
      const byTier = new Map<number, number[]>();
      for (const r of runs) byTier.set(tierOracle(r.count), [...(byTier.get(tierOracle(r.count)) ?? []), r.id]);
      const full = [...byTier].filter(([, l]) => l.length >= MERGE_FANOUT).sort((x, y) => x[0] - y[0]);
      if (ids === undefined) {
        assert.equal(full.length, 0, 'a tier holds MERGE_FANOUT runs but nothing is merged');
        break;
      }
      assert.deepEqual([...ids].sort((x, y) => x - y), [...full[0][1]].sort((x, y) => x - y));
      const chosen = new Set(ids);
      const sum = runs.filter((r) => chosen.has(r.id)).reduce((s, r) => s + r.count, 0);
      runs = runs.filter((r) => !chosen.has(r.id));
      runs.push({ id: id++, count: sum });
      rewritten += sum;
    }
    const perTier = new Map<number, number>();
    for (const r of runs) perTier.set(tierOracle(r.count), (perTier.get(tierOracle(r.count)) ?? 0) + 1);
    for (const [t, k] of perTier) assert.ok(k < MERGE_FANOUT, `tier ${t} holds ${k} runs`);
    assert.ok(runs.length <= (MERGE_FANOUT - 1) * (tierOracle(total) + 1), `${runs.length} runs for ${total} pairs`);
    assert.equal(runs.reduce((s, r) => s + r.count, 0), total);
    maxRuns = Math.max(maxRuns, runs.length);
  }
  return { total, rewritten, maxRuns };
}

test('property: appending and merging keeps fewer than MERGE_FANOUT runs per tier and O(log) runs', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 50_000 }), { maxLength: 300, size: 'max' }), (sizes) => {
      simulate(sizes);
    }),
    { numRuns: 100 },
  );
});

test('write amplification of the merge policy (uniform 1..50,000-pair runs; the small-run case for the record)', (t) => {
  const r = prng(2024);
  const uniform = simulate(Array.from({ length: 3000 }, () => 1 + (r() % 50_000)));
  const ratio = uniform.rewritten / uniform.total;
  t.diagnostic(`uniform 1..50000: ${uniform.total} pairs, rewritten/appended = ${ratio.toFixed(2)}, tiers ${tierOf(uniform.total) + 1}, max runs ${uniform.maxRuns}`);
  // Each merge above tier 0 moves a pair up a tier, so a pair is rewritten at most once per tier.
  assert.ok(ratio <= tierOf(uniform.total), `ratio ${ratio}`);
  for (const size of [1, 10, 100, TIER_BASE]) {
    const s = simulate(Array.from({ length: Math.ceil(60_000 / size) }, () => size));
    t.diagnostic(`runs of ${size}: ${s.total} pairs, rewritten/appended = ${(s.rewritten / s.total).toFixed(1)}`);
  }
});

test('property: orderByKey orders positions by (key, position), as a comparator sort does', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), { maxLength: 3000 }), (ks) => {
      const keys = Uint32Array.from(ks);
      const want = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
      assert.deepEqual(Array.from(orderByKey(keys)), want, 'order');
    }),
    { numRuns: 200 },
  );
});
