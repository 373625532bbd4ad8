// The log entry line: exact format, strict parsing, round trips, and what counts as the same file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EntryError, MAX_ENTRY_BYTES, encodeEntry, entryProblem, formatEntry, isHex64, parseEntry, sameFile } from '../../src/log/entry.ts';
import type { Entry } from '../../src/log/entry.ts';

const SHA = 'e216b70f013c47b82a72540d34347632c5bfe59fd54f5fe5d51f6a68b19aaf84';
const B2 = '2d996b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73';
const poetryCore: Entry = {
  project: 'poetry-core',
  version: '1.5.0',
  filename: 'poetry_core-1.5.0-py3-none-any.whl',
  size: 464992,
  sha256: SHA,
  blake2b256: B2,
};

test('formats the DESIGN line exactly, with and without blake2b_256', () => {
  assert.equal(formatEntry(poetryCore), `poetry-core 1.5.0 poetry_core-1.5.0-py3-none-any.whl 464992 sha256:${SHA} blake2b_256:${B2}\n`);
  const { blake2b256: _, ...noB2 } = poetryCore;
  assert.equal(formatEntry(noB2), `poetry-core 1.5.0 poetry_core-1.5.0-py3-none-any.whl 464992 sha256:${SHA}\n`);
  assert.equal(formatEntry({ ...noB2, version: '-' }), `poetry-core - poetry_core-1.5.0-py3-none-any.whl 464992 sha256:${SHA}\n`);
  assert.deepEqual(encodeEntry(poetryCore), new TextEncoder().encode(formatEntry(poetryCore)));
  assert.equal(encodeEntry(poetryCore).constructor, Uint8Array);
});

test('parses what it formats and nothing looser', () => {
  const line = formatEntry(poetryCore);
  assert.deepEqual(parseEntry(line), poetryCore);
  assert.deepEqual(parseEntry(new TextEncoder().encode(line)), poetryCore);
  const parsedNoB2 = parseEntry(`p 1 f.whl 0 sha256:${SHA}\n`);
  assert.deepEqual(parsedNoB2, { project: 'p', version: '1', filename: 'f.whl', size: 0, sha256: SHA });
  assert.equal('blake2b256' in parsedNoB2, false);

  const bad = [
    line.slice(0, -1), // no newline
    line + '\n', // two newlines
    line.replace('\n', '\r\n'),
    line.replace(' 1.5.0 ', '  1.5.0 '), // double space
    line.replace(' 1.5.0 ', '\t1.5.0 '),
    line.replace('poetry-core', 'Poetry-Core'), // not normalized
    line.replace('poetry-core', 'poetry_core'),
    line.replace('poetry-core', 'poetry--core'),
    line.replace('464992', '0464992'), // leading zero
    line.replace('464992', '-1'),
    line.replace('464992', '1e3'),
    line.replace('464992', '99999999999999999'), // beyond 2^53
    line.replace(SHA, SHA.toUpperCase()),
    line.replace(SHA, SHA.slice(1)),
    line.replace('sha256:', 'sha-256:'),
    line.replace('blake2b_256:', 'blake2b:'),
    line.replace('poetry_core-1.5.0', 'dir/poetry_core-1.5.0'),
    line.replace('poetry_core-1.5.0-py3-none-any.whl', '..'),
    line.replace('1.5.0 poetry', '1.5.0\u200b poetry'), // zero-width space in version
    line.replace('1.5.0 poetry', '1.5.0\u0085 poetry'),
    `poetry-core 1.5.0 f.whl 1 sha256:${SHA} blake2b_256:${B2} extra\n`,
    `poetry-core 1.5.0 f.whl 1\n`,
    '',
    '\n',
  ];
  for (const b of bad) assert.throws(() => parseEntry(b), EntryError, JSON.stringify(b));
  assert.throws(() => parseEntry(new Uint8Array([...new TextEncoder().encode('p 1 f'), 0xff, ...new TextEncoder().encode(` 1 sha256:${SHA}\n`)])), /UTF-8/);
});

test('refuses entries longer than an entry bundle can hold', () => {
  const long = { ...poetryCore, filename: 'x'.repeat(MAX_ENTRY_BYTES) };
  assert.throws(() => formatEntry(long), EntryError);
  // Multi-byte characters count in bytes, not UTF-16 units.
  const name = 'é'.repeat(Math.ceil((MAX_ENTRY_BYTES - 200) / 2));
  const e = { ...poetryCore, filename: name };
  assert.ok(formatEntry(e).length < MAX_ENTRY_BYTES);
  assert.throws(() => formatEntry({ ...e, version: 'é'.repeat(200) }), /longer than 65535 bytes/);
  assert.throws(() => parseEntry(new Uint8Array(MAX_ENTRY_BYTES + 1).fill(0x61)), EntryError);
});

test('sameFile compares size and digests, and a missing blake2b is no disagreement', () => {
  const { blake2b256: _, ...noB2 } = poetryCore;
  assert.equal(sameFile(poetryCore, { ...poetryCore, project: 'other', version: '9' }), true);
  assert.equal(sameFile(noB2, poetryCore), true);
  assert.equal(sameFile(poetryCore, noB2), true);
  assert.equal(sameFile(poetryCore, { ...poetryCore, size: 1 }), false);
  assert.equal(sameFile(poetryCore, { ...poetryCore, sha256: B2 }), false);
  assert.equal(sameFile(poetryCore, { ...poetryCore, blake2b256: SHA }), false);
});

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
// Tokens: printable characters including non-ASCII, never whitespace or control characters.
const token = fc
  .string({ unit: fc.oneof(fc.constantFrom(...'abcXYZ019._-+!~/'), fc.constantFrom('é', 'ß', '中', '😀')), minLength: 1, maxLength: 40 })
  .filter((s) => !s.includes('/'));
const project = fc.array(fc.string({ unit: fc.constantFrom(...'abz019'), minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }).map((p) => p.join('-'));
const validEntry: fc.Arbitrary<Entry> = fc
  .record({
    project,
    version: token,
    filename: token,
    size: fc.maxSafeNat(),
    sha256: hex64,
    blake2b256: fc.option(hex64, { nil: undefined }),
  })
  .map((r) => {
    // A plain object (fast-check records have no prototype), without an undefined blake2b256.
    const e: Entry = { ...r };
    if (e.blake2b256 === undefined) delete e.blake2b256;
    return e;
  })
  .filter((e) => e.filename !== '.' && e.filename !== '..');

test('property: parse(format(e)) = e and format(parse(b)) = b', () => {
  fc.assert(
    fc.property(validEntry, (e) => {
      assert.equal(entryProblem(e), undefined);
      const bytes = encodeEntry(e);
      assert.deepEqual(parseEntry(bytes), e);
      assert.deepEqual(encodeEntry(parseEntry(bytes)), bytes);
      assert.deepEqual(parseEntry(formatEntry(e)), e);
    }),
    { numRuns: 500 },
  );
});

test('property: any bytes or text parse to a valid entry or throw EntryError, never crash', () => {
  const check = (input: Uint8Array | string) => {
    try {
      const e = parseEntry(input);
      assert.equal(entryProblem(e), undefined);
      // Whatever parses is canonical: it formats back to the same bytes.
      const again = typeof input === 'string' ? formatEntry(e) : encodeEntry(e);
      assert.deepEqual(again, input);
    } catch (err) {
      assert.ok(err instanceof EntryError, String(err));
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 500 });
  // Mutations of valid lines reach deep into the parser.
  fc.assert(
    fc.property(validEntry, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), (e, at, ins) => {
      const s = formatEntry(e);
      const i = at % (s.length + 1);
      check(s.slice(0, i) + ins + s.slice(i + 1));
    }),
    { numRuns: 1000 },
  );
});

test('isHex64 accepts exactly 64 lowercase hex digits (property, against a regular expression)', () => {
  const near = fc.array(fc.constantFrom(...'0123456789abcdefABCDEFg/:`G '), { minLength: 62, maxLength: 66 }).map((a) => a.join(''));
  fc.assert(
    fc.property(fc.oneof(near, fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/)), (s) => {
      assert.equal(isHex64(s), /^[0-9a-f]{64}$/.test(s));
    }),
    { numRuns: 5000 },
  );
  assert.equal(isHex64(undefined), false);
  assert.equal(isHex64(7), false);
});

// entryProblem as first written, with regular expressions: the reference for its faster checks.
function refEntryProblem(e: Entry): string | undefined {
  const badChar = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;
  const tokenRef = (what: string, v: unknown) => {
    if (typeof v !== 'string' || v.length === 0) return `${what} is empty or not a string`;
    if (badChar.test(v)) return `${what} ${JSON.stringify(v.slice(0, 80))} contains whitespace or control characters`;
    return undefined;
  };
  if (typeof e.project !== 'string' || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(e.project)) {
    return `project ${JSON.stringify(String(e.project).slice(0, 80))} is not a normalized project name`;
  }
  const vp = tokenRef('version', e.version) ?? tokenRef('filename', e.filename);
  if (vp) return vp;
  if (/[/\\]/.test(e.filename) || e.filename === '.' || e.filename === '..') return `filename ${JSON.stringify(e.filename.slice(0, 80))} is not a plain file name`;
  if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) return `size ${JSON.stringify(e.size)} is not a non-negative integer`;
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) return 'sha256 is not 64 lowercase hex digits';
  if (e.blake2b256 !== undefined && (typeof e.blake2b256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.blake2b256))) return 'blake2b_256 is not 64 lowercase hex digits';
  return undefined;
}

test('property: entryProblem gives the regular-expression reference answer on any field values', () => {
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary-ascii', maxLength: 20 }), token, project, fc.constantFrom('', ' ', '.', '..', 'a/b', 'a\\b', '\u0085', '\u00a0', '\u200b', '\ufeff', '\ud800', '\udfff', '😀', '\u2028', '\u180e', '\u061c'));
  const any = fc.oneof(text, fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.boolean());
  const digest = fc.oneof(hex64, hex64.map((h) => h.toUpperCase()), fc.string({ unit: fc.constantFrom(...'0123456789abcdefg/:`@G '), minLength: 63, maxLength: 65 }), fc.string({ unit: 'binary', minLength: 64, maxLength: 64 }), any);
  const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, any);
  fc.assert(
    fc.property(
      fc.record({ project: field(project), version: field(token), filename: field(token), size: field(fc.maxSafeNat()), sha256: digest, blake2b256: fc.option(digest, { nil: undefined }) }),
      (r) => {
        const e = r as unknown as Entry;
        assert.equal(entryProblem(e), refEntryProblem(e));
      },
    ),
    { numRuns: 3000 },
  );
});

test('entryProblem judges every UTF-16 code unit in each field as the reference does', () => {
  const base: Entry = { project: 'a-b', version: '1.0', filename: 'f.whl', size: 1, sha256: SHA, blake2b256: B2 };
  const fields = ['project', 'version', 'filename', 'sha256', 'blake2b256'] as const;
  const check = (k: (typeof fields)[number], changed: string) => {
    const e = { ...base, [k]: changed };
    assert.equal(entryProblem(e), refEntryProblem(e), `${k} ${JSON.stringify(changed)}`);
  };
  // ASCII and Latin-1 in every field at its start, middle and end; every code unit in the two
  // free-form fields, where the Unicode classes matter.
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    check('version', `1${ch}0`);
    check('filename', `f.whl${ch}`);
    if (c >= 0x180) continue;
    for (const k of fields) {
      const v = base[k] as string;
      for (const changed of [ch + v.slice(1), v.slice(0, 2) + ch + v.slice(3), v.slice(0, -1) + ch]) check(k, changed);
    }
  }
  // A surrogate pair is one (non-control) character; either half alone is a control character.
  assert.equal(entryProblem({ ...base, version: '1\ud83d\ude00' }), undefined);
  assert.match(entryProblem({ ...base, version: '1\ude00\ud83d' }) ?? '', /control/);
});
