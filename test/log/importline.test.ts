// The JSON-lines import record: field checks, normalization (against Python's PEP 503 rule), version
// from the file name, robustness on arbitrary input, and the fast scanner against a JSON.parse reading.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { MAX_IMPORT_LINE, parseImportLine, versionFromFilename } from '../../src/log/importline.ts';
import { EntryError, MAX_ENTRY_BYTES, entryProblem, formatEntry } from '../../src/log/entry.ts';
import type { Entry } from '../../src/log/entry.ts';

const SHA = '832dc0e10feb1aa2c68dcc57dbb658f1c7e65b9b61af69048abc87a2db00a0eb';
const B2 = '2d996b0c5fe90e247b2b7b96a27cdf39ee59a02aab3c01d7243fc0c63cd7fb73';
const line = (o: Record<string, unknown>) => JSON.stringify(o);
const six = { project: 'six', version: '1.11.0', filename: 'six-1.11.0-py2.py3-none-any.whl', size: 10702, sha256: SHA };

test('reads the documented fields, ignores others, lowercases hex', () => {
  assert.deepEqual(parseImportLine(line({ ...six, md5: 'x', upload_time: '2017', extra: { a: 1 } })), six);
  assert.deepEqual(parseImportLine(line({ ...six, sha256: SHA.toUpperCase(), blake2b_256: B2.toUpperCase() })), { ...six, blake2b256: B2 });
  assert.deepEqual(parseImportLine(line({ ...six, blake2b_256: null })), six);
  assert.deepEqual(parseImportLine(line({ ...six, project: 'Zope.Interface_x' })), { ...six, project: 'zope-interface-x' });
});

test('a missing version comes from the file name of that project, else "-"', () => {
  const { version: _, ...noVersion } = six;
  assert.equal(parseImportLine(line(noVersion)).version, '1.11.0');
  assert.equal(parseImportLine(line({ ...noVersion, version: null })).version, '1.11.0');
  assert.equal(parseImportLine(line({ ...noVersion, filename: 'python-dateutil-2.8.2.tar.gz', project: 'python_dateutil' })).version, '2.8.2');
  assert.equal(parseImportLine(line({ ...noVersion, filename: 'other-1.0.tar.gz' })).version, '-');
  assert.equal(parseImportLine(line({ ...noVersion, filename: 'six.exe' })).version, '-');
  assert.equal(versionFromFilename('poetry-core', 'poetry_core-1.5.0-py3-none-any.whl'), '1.5.0');
});

test('rejects each malformed field with a message naming it', () => {
  const cases: [unknown, RegExp][] = [
    ['not json', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['null', /not a JSON object/],
    [line({ ...six, project: '' }), /"project"/],
    [line({ ...six, project: '-six' }), /"project"/],
    [line({ ...six, project: 'six six' }), /"project"/],
    [line({ ...six, project: 7 }), /"project"/],
    [line({ ...six, filename: undefined }), /"filename"/],
    [line({ ...six, filename: 'a/b.whl' }), /plain file name/],
    [line({ ...six, filename: 'a b.whl' }), /whitespace/],
    [line({ ...six, filename: 'a\u0000b.whl' }), /control/],
    [line({ ...six, size: -1 }), /"size"/],
    [line({ ...six, size: 1.5 }), /"size"/],
    [line({ ...six, size: '10' }), /"size"/],
    [line({ ...six, size: 2 ** 53 }), /"size"/],
    [line({ ...six, sha256: SHA.slice(2) }), /"sha256"/],
    [line({ ...six, sha256: 'z'.repeat(64) }), /"sha256"/],
    [line({ ...six, blake2b_256: 'abc' }), /"blake2b_256"/],
    [line({ ...six, version: '' }), /"version"/],
    [line({ ...six, version: 1 }), /"version"/],
    [line({ ...six, version: '1 0' }), /whitespace/],
    [line({ ...six, filename: 'x'.repeat(70_000) }), /longer than 65535 bytes/],
  ];
  for (const [input, msg] of cases) assert.throws(() => parseImportLine(input as string), (e: unknown) => e instanceof EntryError && msg.test((e as Error).message), String(input).slice(0, 80));
});

test('project names are normalized exactly as Python does (PEP 503 regex)', () => {
  const names = fc.sample(fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,20}[A-Za-z0-9])?$/), { numRuns: 300, seed: 42 });
  names.push('Django', 'zope.interface', 'A_-_.B', 'Flask--SQLAlchemy', 'a');
  const py = spawnSync('python3', ['-c', 'import re,sys\nfor n in sys.stdin.read().split("\\n"): print(re.sub(r"[-_.]+", "-", n).lower())'], {
    input: names.join('\n'),
    encoding: 'utf8',
  });
  assert.equal(py.status, 0, py.stderr);
  const want = py.stdout.split('\n').slice(0, names.length);
  names.forEach((n, i) => assert.equal(parseImportLine(line({ ...six, project: n })).project, want[i], n));
});

test('property: arbitrary text gives a valid entry or EntryError, never a crash', () => {
  const check = (s: string) => {
    try {
      const e = parseImportLine(s);
      assert.equal(entryProblem(e), undefined);
      formatEntry(e);
    } catch (err) {
      assert.ok(err instanceof EntryError, String(err));
    }
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 500 });
  fc.assert(fc.property(fc.json(), check), { numRuns: 500 });
  // Objects with the right keys and arbitrary values.
  const anyValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 70 }), fc.integer(), fc.double(), fc.constant(null), fc.boolean(), fc.constant(SHA), fc.constant('six-1.0.tar.gz'));
  fc.assert(
    fc.property(fc.record({ project: anyValue, version: anyValue, filename: anyValue, size: anyValue, sha256: anyValue, blake2b_256: anyValue }, { requiredKeys: [] }), (o) =>
      check(JSON.stringify(o)),
    ),
    { numRuns: 1000 },
  );
});

test('property: valid records round-trip to the entry they describe', () => {
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 });
  fc.assert(
    fc.property(
      fc.record({
        project: fc.stringMatching(/^[a-z0-9]{1,10}(?:-[a-z0-9]{1,10}){0,2}$/),
        version: fc.stringMatching(/^[0-9]{1,3}(?:\.[0-9]{1,3}){0,3}$/),
        filename: fc.stringMatching(/^[A-Za-z0-9_.+-]{1,60}$/).filter((f) => f !== '.' && f !== '..'),
        size: fc.maxSafeNat(),
        sha256: hex,
        blake2b_256: fc.option(hex, { nil: undefined }),
      }),
      (r) => {
        const e = parseImportLine(JSON.stringify(r));
        const want: Record<string, unknown> = { project: r.project, version: r.version, filename: r.filename, size: r.size, sha256: r.sha256.toLowerCase() };
        if (r.blake2b_256 !== undefined) want.blake2b256 = r.blake2b_256.toLowerCase();
        assert.deepEqual(e, want);
      },
    ),
    { numRuns: 500 },
  );
});

// ---------------------------------------------------------------------------------------------
// The scanner for common lines must give exactly what the JSON.parse reading gives. The reference
// below is that reading, written out from the documented rules (it is the code before the scanner).

const realParse = JSON.parse;
const REF_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const REF_SHA = '"sha256" is missing or not 64 hex digits';
const REF_B2 = '"blake2b_256" is not 64 hex digits';

function refParseImportLine(text: string): Entry {
  const bad = (why: string) => new EntryError(why);
  if (text.length > MAX_IMPORT_LINE) throw bad(`line is longer than ${MAX_IMPORT_LINE} characters`);
  let v: unknown;
  try {
    v = realParse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a JSON object');
  const o = v as Record<string, unknown>;
  const get = (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  const project = get('project');
  if (typeof project !== 'string' || !REF_NAME_RE.test(project)) throw bad('"project" is missing or not a project name');
  const filename = get('filename');
  if (typeof filename !== 'string') throw bad('"filename" is missing or not a string');
  const size = get('size');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad('"size" is missing or not a non-negative integer');
  const sha256 = get('sha256');
  if (typeof sha256 !== 'string') throw bad(REF_SHA);
  const b2 = get('blake2b_256');
  if (b2 !== undefined && b2 !== null && typeof b2 !== 'string') throw bad(REF_B2);
  const version = get('version');
  if (version !== undefined && version !== null && (typeof version !== 'string' || version === '')) throw bad('"version" is not a non-empty string');
  const normalized = project.toLowerCase().replace(/[-_.]+/g, '-');
  const e: Entry = {
    project: normalized,
    version: typeof version === 'string' ? version : versionFromFilename(normalized, filename),
    filename,
    size,
    sha256: sha256.toLowerCase(),
  };
  if (typeof b2 === 'string') e.blake2b256 = b2.toLowerCase();
  const p = entryProblem(e);
  if (p) throw bad(p.startsWith('sha256 ') ? REF_SHA : p.startsWith('blake2b_256 ') ? REF_B2 : p);
  const formatted = `${e.project} ${e.version} ${e.filename} ${e.size} sha256:${e.sha256}${e.blake2b256 === undefined ? '' : ` blake2b_256:${e.blake2b256}`}\n`;
  if (Buffer.byteLength(formatted) > MAX_ENTRY_BYTES) throw bad(`log entry for ${JSON.stringify(e.filename.slice(0, 80))} is longer than ${MAX_ENTRY_BYTES} bytes`);
  return e;
}

type Outcome = { entry: Entry } | { error: string };

function outcome(parse: (s: string) => Entry, text: string): Outcome {
  try {
    return { entry: parse(text) };
  } catch (e) {
    assert.ok(e instanceof EntryError, `${String(e)} for ${JSON.stringify(text)}`);
    return { error: e.message };
  }
}

// Runs f with JSON.parse counting its calls; returns f's result and the count.
function countingJsonParse<T>(f: () => T): { result: T; calls: number } {
  let calls = 0;
  JSON.parse = function (this: unknown, ...args: Parameters<typeof JSON.parse>) {
    calls++;
    return realParse.apply(this, args);
  } as typeof JSON.parse;
  try {
    return { result: f(), calls };
  } finally {
    JSON.parse = realParse;
  }
}

// Same outcome as the reference; true when parseImportLine did not need JSON.parse.
function sameAsReference(text: string): boolean {
  const want = outcome(refParseImportLine, text);
  const { result: got, calls } = countingJsonParse(() => outcome(parseImportLine, text));
  assert.deepEqual(got, want, JSON.stringify(text).slice(0, 400));
  return calls === 0;
}

// JSON texts of a string: plain, or escaped in ways JSON.parse decodes to the same string.
function stringText(s: string, style: number): string {
  const u = (c: number, upper: boolean) => {
    const h = c.toString(16).padStart(4, '0');
    return `\\u${upper ? h.toUpperCase() : h}`;
  };
  switch (style) {
    case 1: // every code unit as \uXXXX
      return `"${Array.from({ length: s.length }, (_, i) => u(s.charCodeAt(i), i % 2 === 0)).join('')}"`;
    case 2: // only the first character escaped, slashes as \/
      return s === '' ? '""' : `"${u(s.charCodeAt(0), true)}${JSON.stringify(s.slice(1)).slice(1, -1).replaceAll('/', '\\/')}"`;
    default:
      return JSON.stringify(s);
  }
}

const hexDigits = (alphabet: string) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: 64, maxLength: 64 });
const weird = fc.string({ unit: 'binary', maxLength: 12 });
const anyString = fc.oneof(weird, fc.string({ maxLength: 8 }), fc.constantFrom('', ' ', '"', '\\', '/', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', '\u200b', '\ufeff', '\ud800', 'é', '😀'));
const simpleVersion = fc.stringMatching(/^[0-9]{1,3}(?:\.[0-9]{1,3}){0,2}$/);
const normalizedName = fc.stringMatching(/^[a-z0-9]{1,8}(?:-[a-z0-9]{1,8}){0,2}$/);
const strings = {
  project: fc.oneof(
    { weight: 4, arbitrary: normalizedName },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/) },
    fc.constantFrom('six', 'Zope.Interface', 'a--b', 'A_-_.B', '-six', 'six-', 'six.', '_', 'a', 'ä', 'a b', 'ﬀ'),
    anyString,
  ),
  version: fc.oneof({ weight: 4, arbitrary: simpleVersion }, fc.constantFrom('-', '1 0', '1\u200b', 'é', '1/2', '1\\2', '1"2', '1.0~rc', '😀'), anyString),
  filename: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(normalizedName, simpleVersion, fc.constantFrom('.tar.gz', '-py3-none-any.whl', '.zip', '.exe')).map(([p, v, x]) => `${p.replaceAll('-', '_')}-${v}${x}`) },
    fc.stringMatching(/^[A-Za-z0-9_.+~!-]{1,40}$/),
    fc.constantFrom('.', '..', '...', 'a/b.whl', 'a\\b.whl', 'a b.whl', 'é.whl', 'six-1.0.tar.gz', 'six-1.0-py3-none-any.whl', 'x'.repeat(3000)),
    anyString,
  ),
  digest: fc.oneof(
    { weight: 5, arbitrary: hexDigits('0123456789abcdef') },
    hexDigits('0123456789ABCDEF'),
    hexDigits('0123456789abcdefABCDEF'),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefgG:/`@ \u0000é\u0130\u212a'), minLength: 62, maxLength: 66 }),
    anyString,
  ),
};
const numberText = fc.oneof(
  { weight: 4, arbitrary: fc.maxSafeNat().map(String) },
  fc.nat(99999).map(String),
  fc.constantFrom('0', '-0', '1e3', '1E3', '1e+3', '1.0', '10.50', '1e-2', '-1', '007', '00', '1.', '.5', '+1', '1e', '-', '0x10', 'Infinity', 'NaN', '9007199254740991', '9007199254740992', '123456789012345', '1234567890123456'),
  fc.double().map((d) => JSON.stringify(d)),
);
const literalText = fc.constantFrom('true', 'false', 'null', 'nul', 'tru', 'fals', 'trUe', 'falsy', 'True', 'NULL', 'undefined', 'nullx', 'truex');
const nestedText = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));
const textOf = (s: fc.Arbitrary<string>) => fc.tuple(s, fc.nat(9)).map(([v, style]) => stringText(v, style < 7 ? 0 : style - 6));
const anyValueText = fc.oneof(textOf(anyString), numberText, literalText, nestedText);
const valueTexts = {
  project: fc.oneof({ weight: 8, arbitrary: textOf(strings.project) }, anyValueText),
  version: fc.oneof({ weight: 6, arbitrary: textOf(strings.version) }, { weight: 2, arbitrary: fc.constant('null') }, anyValueText),
  filename: fc.oneof({ weight: 8, arbitrary: textOf(strings.filename) }, anyValueText),
  size: fc.oneof({ weight: 8, arbitrary: numberText }, anyValueText),
  sha256: fc.oneof({ weight: 8, arbitrary: textOf(strings.digest) }, anyValueText),
  blake2b_256: fc.oneof({ weight: 6, arbitrary: textOf(strings.digest) }, { weight: 2, arbitrary: fc.constant('null') }, anyValueText),
};
// JSON texts of keys: mostly plain, sometimes escaped (still the same key to JSON.parse).
const keyText = (k: string) => fc.oneof({ weight: 9, arbitrary: fc.constant(JSON.stringify(k)) }, fc.constantFrom(1, 2).map((style) => stringText(k, style)));
const extraKey = fc.oneof(
  fc.constantFrom('upload_time', 'md5', '__proto__', 'constructor', 'toString', 'Project', 'size ', 'sha256\u0000', 'blake2b', 'projects', 'sizes', 's', 'p', ''),
  anyString,
);
// Mostly none; sometimes JSON whitespace; rarely characters JSON.parse does not take for it.
const ws = fc.oneof(
  { weight: 12, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.constantFrom(' ', '\t', '\r\n', '  ', '\n', ' \t ') },
  fc.constantFrom('\u00a0', '\ufeff', '\u2028', '\u000b', '\f', '\u0000'),
);
const READ_KEYS = ['project', 'version', 'filename', 'size', 'sha256', 'blake2b_256'] as const;
// Lines a scanner should read: realistic values (digests in any case, version null or absent),
// plain keys, JSON whitespace, extra fields mostly flat, no duplicate keys.
const tameValues = {
  project: fc.oneof(normalizedName, fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/)).map((p) => JSON.stringify(p)),
  version: fc.oneof({ weight: 4, arbitrary: simpleVersion.map((v) => JSON.stringify(v)) }, fc.constant('null')),
  filename: strings.filename.filter((f) => /^[!-~]+$/.test(f) && f.length < 200).map((f) => JSON.stringify(f)),
  size: fc.oneof({ weight: 6, arbitrary: fc.nat().map(String) }, { weight: 3, arbitrary: fc.maxSafeNat().map(String) }, fc.constantFrom('0', '-0', '1e3', '1.0')),
  sha256: fc.oneof({ weight: 6, arbitrary: hexDigits('0123456789abcdef') }, hexDigits('0123456789abcdefABCDEF')).map((h) => JSON.stringify(h)),
  blake2b_256: fc.oneof({ weight: 6, arbitrary: hexDigits('0123456789abcdef').map((h) => JSON.stringify(h)) }, fc.constant('null')),
};
const tameWs = fc.oneof({ weight: 12, arbitrary: fc.constant('') }, fc.constantFrom(' ', '\t', '\r\n', '  ', '\n'));
const tameExtra = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 20 }).map((v) => JSON.stringify(v)) },
  { weight: 4, arbitrary: numberText },
  { weight: 4, arbitrary: fc.constantFrom('true', 'false', 'null') },
  { weight: 1, arbitrary: nestedText },
);
const member = (key: fc.Arbitrary<string>, value: fc.Arbitrary<string>, space: fc.Arbitrary<string>) =>
  fc.tuple(key, value, space, space, space, space).map(([k, v, a, b, c, d]) => `${a}${k}${b}:${c}${v}${d}`);
// An import line: the read fields (each present with high probability, sometimes twice), extra
// fields of every JSON type, in any order, with whitespace around every token. Wild lines draw
// every value, key spelling and whitespace from much larger sets.
const lineOf = (wild: boolean) => {
  const values = wild ? valueTexts : tameValues;
  const space = wild ? ws : tameWs;
  const key = (k: string) => (wild ? keyText(k) : fc.constant(JSON.stringify(k)));
  return fc
    .tuple(
      fc.tuple(...READ_KEYS.map((k) => fc.option(member(key(k), values[k], space), { freq: k === 'version' || k === 'blake2b_256' ? 3 : 12, nil: undefined }))),
      fc.array(fc.constantFrom(...READ_KEYS).chain((k) => member(key(k), values[k], space)), { maxLength: wild ? 1 : 0 }),
      fc.array(member(extraKey.map((k) => JSON.stringify(k)), wild ? anyValueText : tameExtra, space), { maxLength: 3 }),
      space,
      space,
      wild ? fc.constantFrom('', '', '', '', ',', ' x', '}', '\n') : fc.constant(''),
    )
    .chain(([read, dups, extra, before, after, trailer]) => {
      const members = [...read.filter((m): m is string => m !== undefined), ...dups, ...extra];
      return fc.shuffledSubarray(members, { minLength: members.length, maxLength: members.length }).map((ms) => `${before}{${ms.join(',')}}${after}${trailer}`);
    });
};
const importLine = fc.oneof(lineOf(false), lineOf(true));

test('property: parseImportLine equals the JSON.parse reading on generated lines', () => {
  let scanned = 0;
  let runs = 0;
  fc.assert(
    fc.property(importLine, (text) => {
      runs++;
      if (sameAsReference(text)) scanned++;
    }),
    { numRuns: 3000 },
  );
  // The comparison must reach the scanner, not only its JSON.parse fallback.
  assert.ok(scanned > runs / 10, `only ${scanned} of ${runs} lines were scanned`);
});

test('property: parseImportLine equals the JSON.parse reading on mutated lines', () => {
  const alphabet = fc.constantFrom(...'"\\{}[],:0123456789.-+eE abcfilnrstuxABF/_', '\t', '\n', '\r', '\u0000', '\u001f', '\u007f', '\u00a0', '\ufeff', 'é', '\ud800', '\udc00', '😀');
  fc.assert(
    fc.property(importLine, fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), alphabet, (text, at, op, ch) => {
      const i = at % (text.length + 1);
      const mutated = op === 'delete' ? text.slice(0, i) + text.slice(i + 1) : op === 'insert' ? text.slice(0, i) + ch + text.slice(i) : text.slice(0, i) + ch + text.slice(i + 1);
      sameAsReference(mutated);
    }),
    { numRuns: 3000 },
  );
  // Every single-character change of one typical line, at every position.
  const typical = `{"project":"Six_x","version":"1.11.0","filename":"six-1.11.0-py2.py3-none-any.whl","size":1070,"sha256":"${SHA}","blake2b_256":null,"y":false,"t":true,"n":null,"f":-1.5e-3}`;
  for (let i = 0; i < typical.length; i++) {
    for (const ch of ['', '"', '\\', ' ', '0', 'A', 'g', '-', '.', '/', ',', '}', '\u0000', 'é']) sameAsReference(typical.slice(0, i) + ch + typical.slice(i + 1));
  }
});

test('every UTF-16 code unit in every read field gives what the JSON.parse reading gives', () => {
  const fields = { project: 'six-x', version: '1.11.0', filename: 'six-1.11.0.tar.gz', sha256: SHA, blake2b_256: B2 };
  const keys = Object.keys(fields) as (keyof typeof fields)[];
  const withChar = (k: keyof typeof fields, at: number, c: number) => {
    const v = fields[k];
    const i = at % v.length;
    return JSON.stringify({ ...fields, size: 1, [k]: v.slice(0, i) + String.fromCharCode(c) + v.slice(i + 1) });
  };
  // ASCII and Latin-1 in every field at its start, middle and end; all other code units once each.
  for (let c = 0; c < 0x180; c++) {
    for (const k of keys) for (const at of [0, 3, fields[k].length - 1]) sameAsReference(withChar(k, at, c));
  }
  for (let c = 0x180; c <= 0xffff; c++) sameAsReference(withChar(keys[c % keys.length], c, c));
});

test('the JSON.parse semantics the scanner must keep, with values written out', () => {
  const base = `"project":"six","filename":"six-1.11.0-py2.py3-none-any.whl","sha256":"${SHA}"`;
  const sizeOf = (text: string) => parseImportLine(`{${base},"size":${text}}`).size;
  assert.ok(Object.is(sizeOf('-0'), -0));
  assert.equal(sizeOf('1e3'), 1000);
  assert.equal(sizeOf('1E+3'), 1000);
  assert.equal(sizeOf('1.0'), 1);
  assert.equal(sizeOf('0'), 0);
  assert.equal(sizeOf('123456789012345'), 123456789012345);
  assert.equal(sizeOf('9007199254740991'), 9007199254740991);
  assert.throws(() => sizeOf('9007199254740992'), /"size"/);
  assert.throws(() => sizeOf('007'), /not JSON/);
  assert.throws(() => sizeOf('1.'), /not JSON/);
  // The last of duplicate keys counts, also when the first value alone would be refused.
  assert.equal(parseImportLine(`{${base},"size":1,"size":2}`).size, 2);
  assert.equal(parseImportLine(`{"project":"a b",${base},"size":1}`).project, 'six');
  assert.equal(parseImportLine(`{${base},"size":1,"version":"1.0","version":"2.0"}`).version, '2.0');
  assert.throws(() => parseImportLine(`{${base},"size":1,"version":"2.0","version":"a\u0001"}`), /not JSON/);
  assert.equal(parseImportLine(`{${base},"size":1,"blake2b_256":"${B2}","blake2b_256":null}`).blake2b256, undefined);
  // Escaped keys and values are the same keys and values.
  assert.deepEqual(parseImportLine(`{${base.replace('"project"', '"\\u0070roject"')},"size":1,"version":"1\\u002e0"}`), { ...six, size: 1, version: '1.0' });
  // Whitespace is exactly space, tab, CR and LF; a BOM or trailing text is not JSON.
  assert.equal(parseImportLine(` \t{ "project" :\r\n"six" , "filename": "six-1.11.0-py2.py3-none-any.whl", "sha256": "${SHA}", "size": 5 }\r\n `).size, 5);
  assert.throws(() => parseImportLine(`\ufeff{${base},"size":1}`), /not JSON/);
  assert.throws(() => parseImportLine(`{${base},"size":1}\u00a0`), /not JSON/);
  assert.throws(() => parseImportLine(`{${base},"size":1} x`), /not JSON/);
  assert.throws(() => parseImportLine(`{${base},"size":1}}`), /not JSON/);
  assert.throws(() => parseImportLine(`{${base},"size":1,}`), /not JSON/);
  assert.throws(() => parseImportLine(`{${base},"size":1,"x":"a\tb"}`), /not JSON/);
  // __proto__ is an ordinary key to JSON.parse.
  assert.deepEqual(parseImportLine(`{"__proto__":{"version":"9"},${base},"size":1,"version":"1.11.0"}`), { ...six, size: 1 });
  // Extra fields of every type are ignored; so is a nested one.
  assert.deepEqual(parseImportLine(`{${base},"size":1,"a":[1,{"b":null}],"c":-1.5e-3,"d":true,"e":false,"f":null,"g":"\\"x\\""}`), { ...six, version: '1.11.0', size: 1 });
});

test('typical lines are read without JSON.parse; unusual ones still come out right through it', () => {
  const { version: _, ...noVersion } = six;
  const typical = [
    JSON.stringify({ ...six, blake2b_256: B2, upload_time: '2017-01-01T00:00:00' }),
    JSON.stringify({ upload_time: '2017', md5: 'x', yanked: false, n: 1.5, r: null, ...six }),
    JSON.stringify({ ...six, project: 'Six', sha256: SHA.toUpperCase(), blake2b_256: null }),
    JSON.stringify(noVersion),
    `{"project": "six", "version": "1.11.0", "filename": "six-1.11.0-py2.py3-none-any.whl", "size": 10702, "sha256": "${SHA}"}`,
  ];
  for (const text of typical) {
    const { result, calls } = countingJsonParse(() => parseImportLine(text));
    assert.equal(calls, 0, text);
    assert.deepEqual(result, refParseImportLine(text));
  }
  const unusual = [
    JSON.stringify({ ...six, extra: { a: [1] } }),
    JSON.stringify({ ...six, version: 'é' }),
    JSON.stringify({ ...six, filename: 'six\u00e9.whl' }),
    JSON.stringify({ ...six, note: 'a\\b' }),
    JSON.stringify({ ...six, size: 1e20 }),
    `{${JSON.stringify(six).slice(1, -1)},"size":1.0}`,
    JSON.stringify({ ...six, filename: 'x'.repeat(5000) }),
  ];
  for (const text of unusual) {
    const { result, calls } = countingJsonParse(() => outcome(parseImportLine, text));
    assert.equal(calls, 1, text.slice(0, 100));
    assert.deepEqual(result, outcome(refParseImportLine, text));
  }
});
