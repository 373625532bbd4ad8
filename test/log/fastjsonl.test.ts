// The byte-level JSON-lines packer: chunk for chunk, byte for byte the object path's results
// (chunksOf(jsonLinesItems(...))) on lines of every kind cut into chunks anywhere, the byte reader
// taking the common lines, its key function against nameKey, leaf hashes against Python, and the
// import thread that uses it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { asciiNameKey, jsonLinesPacker } from '../../src/log/fastjsonl.ts';
import type { PackedChunk } from '../../src/log/fastjsonl.ts';
import { chunksOf, jsonLinesItems } from '../../src/log/import.ts';
import type { ImportChunk } from '../../src/log/import.ts';
import { importWorkerScript, threadedJsonLines } from '../../src/log/importthread.ts';
import { MAX_IMPORT_LINE } from '../../src/log/importline.ts';
import { nameKey } from '../../src/store/keyruns.ts';

const SEED = Uint8Array.from({ length: 16 }, (_, i) => 3 * i + 1);
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

async function* source(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

/** The object path's chunks: what the packer must equal. */
async function oracle(parts: Uint8Array[], name: string, chunkClaims: number): Promise<ImportChunk[]> {
  const out: ImportChunk[] = [];
  for await (const c of chunksOf(jsonLinesItems(source(parts), name), SEED, chunkClaims)) out.push(c);
  return out;
}

function packAll(parts: Uint8Array[], name: string, chunkClaims: number): { chunks: PackedChunk[]; fast: number; slow: number } {
  const p = jsonLinesPacker(name, SEED, chunkClaims);
  const chunks: PackedChunk[] = [];
  for (const part of parts) chunks.push(...p.push(part));
  chunks.push(...p.end());
  return { chunks, ...p.counts() };
}

const bytesOf = (a: Uint8Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Asserts that packed chunks equal the oracle's, array for array, byte for byte, and can be transferred. */
function assertSameChunks(mine: PackedChunk[], want: ImportChunk[], name: string): void {
  assert.equal(mine.length, want.length, 'number of chunks');
  for (let k = 0; k < want.length; k++) {
    const m = mine[k];
    const w = want[k].batch;
    assert.equal(m.count, w.count, `chunk ${k}: count`);
    for (const f of ['records', 'ends', 'leaves', 'fileKeys', 'shaKeys', 'projectKeys'] as const) {
      assert.deepEqual(bytesOf(m[f]), bytesOf(w[f]), `chunk ${k}: ${f}`);
    }
    assert.equal(m.lines.length, m.count);
    for (let i = 0; i < m.count; i++) assert.equal(`${name}:${m.lines[i]}`, w.source(i), `chunk ${k}: source of claim ${i}`);
    assert.deepEqual(m.problems, want[k].problems, `chunk ${k}: problems`);
    // Each array alone in its buffer, from its start: the import thread moves the buffers.
    const arrays = [m.records, m.ends, m.leaves, m.fileKeys, m.shaKeys, m.projectKeys, m.lines];
    for (const a of arrays) assert.equal(a.byteOffset, 0, `chunk ${k}: an array does not start its buffer`);
    assert.equal(new Set(arrays.map((a) => a.buffer)).size, arrays.length, `chunk ${k}: two arrays share a buffer`);
    assert.equal(new Set(arrays.map((a) => a.buffer)).size, arrays.length, `chunk ${k}: two arrays share a buffer`);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** `data` cut at the given positions (any numbers; reduced modulo the length and sorted). */
function cut(data: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((n) => n % (data.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(data.subarray(from, p));
    from = p;
  }
  parts.push(data.subarray(from));
  return parts;
}

// ---- Lines of many kinds ----

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const digest = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex) },
  fc.tuple(fc.uint8Array({ minLength: 33, maxLength: 33 }).map(hex), fc.constantFrom(63, 65, 66, 0), fc.constantFrom('', 'g', ' ', 'G', '"')).map(([h, n, tail]) => h.slice(0, n) + tail),
);
const upperSome = (h: string, mask: number) => [...h].map((c, i) => ((mask >> i % 31) & 1 ? c.toUpperCase() : c)).join('');
const normalized = fc.stringMatching(/^[a-z0-9]{1,6}(?:-[a-z0-9]{1,6}){0,2}$/);
const versionArb = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[0-9a-z.+!/]{1,10}$/) }, fc.constantFrom('', ' ', '1 0', '1\u00a0', '1\t', '1\u007f', '-'));
const filenameArb = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.+~-]{1,40}$/) },
  fc.constantFrom('.', '..', '...', 'a/b.whl', 'a b.whl', 'x\u007f.whl', 'é.whl', '\u200bx.whl', 'a\tb', '-'),
);
const spaces = fc.constantFrom('', '', '', ' ', '  ');
const jsonNumber = fc.constantFrom('0', '1', '-0', '-1', '1.0', '1e3', '1E3', '1e+3', '2.5e-1', '00', '01', '1.', '.5', '-', '1e', '9007199254740991', '9007199254740992', '12345678901234567', '1234567890123456');
const plainValue = fc.oneof(
  fc.constantFrom('true', 'false', 'null', '"2024-01-01T00:00:00"', '""', '"x"', '"a b"', '[]', '{}', '[1,{"a":null}]', '{"b":[true]}', '"a\\nb"', '"\\u00e9"', '"é"', 'nul', 'tru', '"\t"'),
  fc.constantFrom('[1,]', '[', '[}', '["]"', '{"a"}', '[1 2]', '{"a":1,}'),
  jsonNumber,
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
);

// A common-shape object with its values as JSON text, which the variants below then bend.
const commonFields = fc.record({
  project: normalized,
  version: versionArb,
  filename: filenameArb,
  size: fc.oneof(fc.nat({ max: 5e9 }), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER)).map(String),
  sha256: digest,
  b2: fc.option(digest, { nil: undefined }),
});

type Member = [string, string];

// A JSON string literal with its first character written as a \u escape (same value, other bytes).
function escapeFirst(literal: string): string {
  if (!literal.startsWith('"') || literal.length < 3) return literal;
  return '"\\u' + literal.charCodeAt(1).toString(16).padStart(4, '0') + literal.slice(2);
}

const line = (members: Member[], sp: string, tail = '') => `${sp}{${sp}${members.map(([k, v]) => `"${k}"${sp}:${sp}${v}`).join(`${sp},${sp}`)}${sp}}${sp}${tail}`;

function members(f: { project: string; version: string; filename: string; size: string; sha256: string; b2?: string }): Member[] {
  const m: Member[] = [
    ['project', JSON.stringify(f.project)],
    ['version', JSON.stringify(f.version)],
    ['filename', JSON.stringify(f.filename)],
    ['size', f.size],
    ['sha256', JSON.stringify(f.sha256)],
  ];
  if (f.b2 !== undefined) m.push(['blake2b_256', JSON.stringify(f.b2)]);
  return m;
}

// How a common line is bent into another kind (most still valid, for the object path).
const variant = fc.oneof(
  { weight: 8, arbitrary: fc.constant((m: Member[]) => m) },
  { weight: 2, arbitrary: plainValue.map((v) => (m: Member[]) => [...m, ['upload_time', v] as Member]) },
  { weight: 1, arbitrary: fc.nat().map((mask) => (m: Member[]) => m.map(([k, v]): Member => (k === 'sha256' || k === 'blake2b_256' ? [k, upperSome(v, mask)] : [k, v]))) },
  { weight: 1, arbitrary: fc.constantFrom('version', 'blake2b_256', 'size', 'sha256', 'project', 'filename').map((k) => (m: Member[]) => m.filter(([n]) => n !== k)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('version', 'blake2b_256', 'filename', 'project', 'size'), plainValue).map(([k, v]) => (m: Member[]) => m.map(([n, x]): Member => (n === k ? [n, v] : [n, x]))) },
  { weight: 1, arbitrary: fc.constantFrom('Foo_Bar', 'foo.bar', 'a--b', '-a', 'a-', 'A', 'é', 'x y').map((p) => (m: Member[]) => m.map(([n, x]): Member => (n === 'project' ? [n, JSON.stringify(p)] : [n, x]))) },
  { weight: 1, arbitrary: jsonNumber.map((v) => (m: Member[]) => m.map(([n, x]): Member => (n === 'size' ? [n, v] : [n, x]))) },
  // A key twice: a read field again (with the same value, or another: JSON.parse keeps the last), or
  // another key twice.
  { weight: 1, arbitrary: fc.constantFrom('project', 'version', 'filename', 'size', 'sha256', 'blake2b_256').map((k) => (m: Member[]) => [...m, [k, m.find(([n]) => n === k)?.[1] ?? 'null'] as Member]) },
  { weight: 1, arbitrary: fc.constantFrom<Member>(['project', '"dup"'], ['version', '"9"'], ['filename', '"dup.whl"'], ['size', '7'], ['sha256', `"${'f'.repeat(64)}"`], ['blake2b_256', 'null']).map((d) => (m: Member[]) => [...m, d]) },
  { weight: 1, arbitrary: fc.constant((m: Member[]) => [...m, ['other', '1'] as Member, ['other', '"2"'] as Member]) },
  { weight: 1, arbitrary: fc.constantFrom('version', 'filename', 'project', 'sha256').map((k) => (m: Member[]) => m.map(([n, x]): Member => (n === k ? [n, escapeFirst(x)] : [n, x]))) },
  { weight: 1, arbitrary: fc.constantFrom('"\\u0061"', '"a\\/b"', '"\\"q\\""', '"a\\\\b"').map((v) => (m: Member[]) => m.map(([n, x]): Member => (n === 'filename' || n === 'version' ? [n, v] : [n, x]))) },
  { weight: 1, arbitrary: fc.constantFrom('sizes', 'projectx', 'Project', 'sha25', 'blake2b_2566', 'file"name').map((k) => (m: Member[]) => [...m, [k.replace('"', '\\"'), '1'] as Member]) },
  { weight: 1, arbitrary: fc.constant((m: Member[]) => m.map(([n, x]): Member => (n === 'version' ? [n, '"1.0é"'] : [n, x]))) },
);

const wellFormed = fc.tuple(commonFields, variant, spaces, fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8], { minLength: 9, maxLength: 9 }), fc.constantFrom('', '', '', ' ', '\t', '\r'))
  .map(([f, bend, sp, order, tail]) => {
    const m = bend(members(f));
    const shuffled = order.filter((i) => i < m.length).map((i) => m[i]).concat(m.slice(9));
    return enc(line(shuffled, sp, tail));
  });

// Lines that are not objects of the common shape at all.
const otherLine = fc.oneof(
  fc.constantFrom('', ' ', '   ', '\t', '\u00a0', '\ufeff', '{', '}', '[]', 'null', '{}', '"x"', '{"project":"a"', '{"project":"a",}', '{"a":1}{"b":2}', '{\t"project":"a"}').map(enc),
  fc.string({ maxLength: 30 }).map(enc),
  fc.string({ unit: 'binary', maxLength: 20 }).map(enc),
  fc.uint8Array({ maxLength: 20 }),
);

// A valid line with bytes that are not UTF-8 (or a literal U+FFFD, which is), at a random place.
const badBytes = fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xef, 0xbf, 0xbd], [0xf4, 0x90, 0x80, 0x80], [0x00], [0x7f]);
const withBadBytes = fc.tuple(wellFormed, badBytes, fc.nat(), fc.boolean()).map(([l, bad, at, bom]) => {
  const p = at % (l.length + 1);
  return concat([bom ? new Uint8Array([0xef, 0xbb, 0xbf]) : new Uint8Array(0), l.subarray(0, p), Uint8Array.from(bad), l.subarray(p)]);
});

// A line longer than MAX_IMPORT_LINE (or right at it): few, they are 1 MiB.
const longLine = fc.tuple(fc.integer({ min: -2, max: 2 }), fc.boolean()).map(([d, valid]) => {
  const head = valid ? '{"project":"p","version":"1","filename":"f","size":1,"sha256":"' + 'a'.repeat(64) + '","pad":"' : '{"pad":"';
  return enc(head + 'x'.repeat(MAX_IMPORT_LINE + d - head.length - 2) + '"}');
});

const anyLine = fc.oneof({ weight: 240, arbitrary: wellFormed }, { weight: 60, arbitrary: otherLine }, { weight: 40, arbitrary: withBadBytes }, { weight: 2, arbitrary: longLine });

const input = fc
  .tuple(fc.array(fc.tuple(anyLine, fc.constantFrom('\n', '\n', '\n', '\r\n')), { maxLength: 30 }), fc.boolean())
  .map(([lines, lastEnds]) => {
    const parts: Uint8Array[] = [];
    lines.forEach(([l, nl], i) => {
      parts.push(l);
      if (i < lines.length - 1 || lastEnds) parts.push(enc(nl));
    });
    return concat(parts);
  });

test('property: the packer gives the object path chunks, whatever the lines and however they are cut', async () => {
  await fc.assert(
    fc.asyncProperty(input, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 6 }), async (data, cuts, chunkClaims) => {
      const parts = cut(data, cuts);
      const name = 'in.jsonl';
      assertSameChunks(packAll(parts, name, chunkClaims).chunks, await oracle(parts, name, chunkClaims), name);
    }),
    { numRuns: 400 },
  );
});

// packAll, handing each chunk's arrays back right after it is out (a copy is kept to compare), as
// the import thread does once a chunk is appended; counts the chunks written into recycled buffers.
function packRecycling(parts: Uint8Array[], name: string, chunkClaims: number): { chunks: PackedChunk[]; reused: number } {
  const p = jsonLinesPacker(name, SEED, chunkClaims);
  const chunks: PackedChunk[] = [];
  const given = new Set<ArrayBufferLike>();
  let reused = 0;
  const take = (cs: PackedChunk[]) => {
    for (const c of cs) {
      const arrays = [c.records, c.ends, c.leaves, c.fileKeys, c.shaKeys, c.projectKeys, c.lines];
      assert.equal(new Set(arrays.map((a) => a.buffer)).size, arrays.length, 'two arrays of a chunk share a buffer');
      if (arrays.some((a) => given.has(a.buffer))) reused++;
      chunks.push({ ...c, records: c.records.slice(), ends: c.ends.slice(), leaves: c.leaves.slice(), fileKeys: c.fileKeys.slice(), shaKeys: c.shaKeys.slice(), projectKeys: c.projectKeys.slice(), lines: c.lines.slice() });
      p.recycle(c);
      for (const a of arrays) given.add(a.buffer);
    }
  };
  for (const part of parts) take(p.push(part));
  take(p.end());
  return { chunks, reused };
}

test('property: chunks written into recycled arrays are the same chunks', async () => {
  await fc.assert(
    fc.asyncProperty(input, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 1, max: 6 }), async (data, cuts, chunkClaims) => {
      const parts = cut(data, cuts);
      assertSameChunks(packRecycling(parts, 'in.jsonl', chunkClaims).chunks, await oracle(parts, 'in.jsonl', chunkClaims), 'in.jsonl');
    }),
    { numRuns: 200 },
  );
  // Bench-shaped lines in full chunks, read in pieces of at most one chunk each (so each chunk is
  // handed back before the next is out): every chunk after the first is in recycled buffers.
  const data = enc(writeInputLines(5000).join('\n') + '\n');
  const parts = cut(data, Array.from({ length: Math.floor(data.length / 10_000) }, (_, i) => (i + 1) * 10_000));
  const { chunks, reused } = packRecycling(parts, 'b', 1000);
  assertSameChunks(chunks, await oracle(parts, 'b', 1000), 'b');
  assert.equal(chunks.length, 5);
  assert.equal(reused, 4);
});

test('over-long lines: one problem each, at the limit or across any number of chunks', async () => {
  const valid = (n: number) => {
    const head = '{"project":"p","version":"1","filename":"f","size":1,"sha256":"' + 'b'.repeat(64) + '","pad":"';
    return head + 'x'.repeat(n - head.length - 2) + '"}';
  };
  const ok = '{"project":"q","version":"2","filename":"g","size":2,"sha256":"' + 'c'.repeat(64) + '"}';
  const text = [ok, valid(MAX_IMPORT_LINE), valid(MAX_IMPORT_LINE - 1) + '\r', valid(MAX_IMPORT_LINE) + '\r', valid(MAX_IMPORT_LINE + 1), ok, valid(MAX_IMPORT_LINE + 5)].join('\n');
  const data = enc(text);
  const M = MAX_IMPORT_LINE;
  const cutsList = [[], [10, 100, 200], [M, M + 1, M + 2], [M / 2, M + 200, 2 * M, 3 * M, 4 * M + 300, 5 * M], [data.length - 3], Array.from({ length: 20 }, (_, i) => i * 400_000)];
  for (const cuts of cutsList) {
    const parts = cut(data, cuts);
    const want = await oracle(parts, 'f', 2);
    const problems = want.flatMap((c) => c.problems);
    assert.deepEqual(problems.map((p) => p.where), ['f:4', 'f:5', 'f:7'], 'the oracle sees three over-long lines');
    assertSameChunks(packAll(parts, 'f', 2).chunks, want, 'f');
  }
});

/** JSON lines shaped like bench/import.ts writeInput's: PyPI-like projects, releases and files. */
function writeInputLines(n: number): string[] {
  const words = ['py', 'django', 'flask', 'async', 'data', 'tools', 'client', 'sdk', 'api', 'lib'];
  const platforms = ['py3-none-any', 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp312-cp312-win_amd64'];
  const lines: string[] = [];
  for (let p = 0; lines.length < n; p++) {
    const name = `${words[p % words.length]}-${words[(p * 7) % words.length]}-${p}`;
    const under = name.replace(/-/g, '_');
    for (let v = 0; v < 1 + (p % 5) && lines.length < n; v++) {
      const version = `${p % 5}.${v}.${(p * 3) % 10}`;
      for (const filename of [`${under}-${version}.tar.gz`, ...platforms.slice(0, 1 + (p % 3)).map((t) => `${under}-${version}-${t}.whl`)]) {
        const h = (s: string) => createHash('sha256').update(s).digest('hex');
        lines.push(JSON.stringify({ project: name, version, filename, size: (p * 7919 + v) % 5_000_000, sha256: h(filename), blake2b_256: h('b' + filename), upload_time: '2024-01-01T00:00:00' }));
      }
    }
  }
  return lines;
}

test('the byte reader takes the common lines (>= 99% of bench-shaped input), and equals the object path', async () => {
  const lines = writeInputLines(5000);
  const data = enc(lines.join('\n') + '\n');
  const parts = cut(data, [65536, 131072, 500_000, 777_777]);
  const r = packAll(parts, 'b', 1024);
  assert.ok(r.fast >= 0.99 * lines.length, `only ${r.fast} of ${lines.length} lines took the byte reader`);
  assertSameChunks(r.chunks, await oracle(parts, 'b', 1024), 'b');
});

test('which lines the byte reader takes and which go the object way', () => {
  const base = { project: 'six', version: '1.16.0', filename: 'six-1.16.0.tar.gz', size: 34041, sha256: 'a'.repeat(64) };
  const taken = [
    JSON.stringify(base),
    JSON.stringify({ ...base, blake2b_256: 'B'.repeat(64), sha256: 'ABCDEF0123456789'.repeat(4) }),
    JSON.stringify({ ...base, blake2b_256: null, extra: false, n: -1.5e3, s: 'x', t: true }),
    ` { "project" : "six" , "version":"1","filename":"f","size":0,"sha256":"${'0'.repeat(64)}" } `,
    JSON.stringify(base) + '\r',
  ];
  const objectWay = [
    JSON.stringify({ ...base, version: undefined }),
    JSON.stringify({ ...base, version: null }),
    JSON.stringify({ ...base, project: 'Six' }),
    JSON.stringify({ ...base, filename: 'six\u00e9.tar.gz' }),
    JSON.stringify({ ...base, size: 1.5 }),
    JSON.stringify(base).replace('"size":34041', '"size":3.4041e4'),
    JSON.stringify(base).replace('}', ',"project":"six"}'),
    JSON.stringify(base).replace('six-1.16.0', 'six\\u002d1.16.0'),
    JSON.stringify({ ...base, nested: { a: 1 } }),
    JSON.stringify(base).replace(':', ':\t'),
    '{"project":"six"}',
    'garbage',
    ' ',
  ];
  for (const l of taken) {
    const r = packAll([enc(l + '\n')], 'x', 10);
    assert.deepEqual([r.fast, r.slow], [1, 0], `not taken: ${l}`);
  }
  for (const l of objectWay) {
    const r = packAll([enc(l + '\n')], 'x', 10);
    assert.deepEqual([r.fast, r.slow], [0, 1], `taken: ${l}`);
  }
});

test('entry lines and leaf hashes: the DESIGN format, hashed as Python hashes SHA-256(0x00 || entry)', () => {
  const lines = [
    { project: 'six', version: '1.16.0', filename: 'six-1.16.0.tar.gz', size: 34041, sha256: 'AB'.repeat(32), blake2b_256: 'cd'.repeat(32) },
    { project: 'a-b', version: '0', filename: 'a_b-0-py3-none-any.whl', size: 0, sha256: '01'.repeat(32) },
  ];
  const { chunks } = packAll([enc(lines.map((l) => JSON.stringify(l)).join('\n'))], 'x', 10);
  assert.equal(chunks.length, 1);
  const c = chunks[0];
  const want = `six 1.16.0 six-1.16.0.tar.gz 34041 sha256:${'ab'.repeat(32)} blake2b_256:${'cd'.repeat(32)}\na-b 0 a_b-0-py3-none-any.whl 0 sha256:${'01'.repeat(32)}\n`;
  assert.equal(Buffer.from(c.records).toString('latin1'), want);
  assert.deepEqual([...c.ends], [want.indexOf('\n') + 1, want.length]);
  assert.deepEqual([...c.shaKeys], [0xabababab, 0x01010101]);
  assert.deepEqual([...c.lines], [1, 2]);
  const py = spawnSync('python3', ['-c', 'import hashlib,sys\nfor l in sys.stdin.buffer.read().splitlines(keepends=True): print(hashlib.sha256(b"\\x00"+l).hexdigest())'], { input: want, encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(Buffer.from(c.leaves).toString('hex'), py.stdout.split('\n').join(''));
});

test('property: asciiNameKey over bytes equals nameKey over the string of those code units', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.nat(), (seed, bytes, a, b) => {
      const from = a % (bytes.length + 1);
      const to = from + (b % (bytes.length - from + 1));
      assert.equal(asciiNameKey(seed, bytes, from, to), nameKey(seed, Buffer.from(bytes).toString('latin1', from, to)));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.stringMatching(/^[ -~]{0,64}$/), (seed, s) => {
      assert.equal(asciiNameKey(seed, enc(s), 0, s.length), nameKey(seed, s));
    }),
    { numRuns: 1000 },
  );
  assert.throws(() => asciiNameKey(new Uint8Array(8), enc('x'), 0, 1), RangeError);
});

test('a bad seed or chunk size is a RangeError (a caller bug)', () => {
  assert.throws(() => jsonLinesPacker('x', new Uint8Array(15), 10), RangeError);
  assert.throws(() => jsonLinesPacker('x', SEED, 0), RangeError);
  assert.throws(() => jsonLinesPacker('x', SEED, 1.5), RangeError);
});

test('only problems, or nothing: a chunk of problems alone, and no chunk for empty input', async () => {
  for (const text of ['', '\n\n  \r\n', 'nope\n{"project":1}', '\xff']) {
    const parts = [text === '\xff' ? new Uint8Array([0xff]) : enc(text)];
    const want = await oracle(parts, 'e', 3);
    assertSameChunks(packAll(parts, 'e', 3).chunks, want, 'e');
  }
  assert.equal(packAll([enc('\n\n')], 'e', 3).chunks.length, 0);
  const onlyProblems = packAll([enc('x\ny\n')], 'e', 3).chunks;
  assert.equal(onlyProblems.length, 1);
  assert.equal(onlyProblems[0].count, 0);
  assert.deepEqual(onlyProblems[0].problems.map((p) => p.where), ['e:1', 'e:2']);
});

test('the import thread packs with it: its chunks equal the object path', async () => {
  const script = importWorkerScript();
  assert.ok(script, 'the import thread script is at hand from source');
  const lines = writeInputLines(3000);
  lines.splice(10, 0, 'bad line', '', JSON.stringify({ project: 'Six', filename: 'six-1.0.tar.gz', size: 1, sha256: 'f'.repeat(64) }));
  const data = enc(lines.join('\r\n'));
  const parts = cut(data, [1000, 200_000, 200_001, 500_000]);
  const got: ImportChunk[] = [];
  for await (const c of threadedJsonLines(source(parts), 't.jsonl', SEED, { chunkClaims: 700, script: script! })) got.push(c);
  const want = await oracle(parts, 't.jsonl', 700);
  assert.equal(got.length, want.length);
  for (let k = 0; k < want.length; k++) {
    const [g, w] = [got[k].batch, want[k].batch];
    assert.equal(g.count, w.count);
    for (const f of ['records', 'ends', 'leaves', 'fileKeys', 'shaKeys', 'projectKeys'] as const) assert.deepEqual(bytesOf(g[f]), bytesOf(w[f]), `chunk ${k}: ${f}`);
    for (let i = 0; i < g.count; i++) assert.equal(g.source(i), w.source(i));
    assert.deepEqual(got[k].problems, want[k].problems);
  }
});
