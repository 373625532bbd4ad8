// The JSON-lines import record: field checks, normalization (against Python's PEP 503 rule), version
// from the file name, and robustness on arbitrary input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { parseImportLine, versionFromFilename } from '../../src/log/importline.ts';
import { EntryError, entryProblem, formatEntry } from '../../src/log/entry.ts';

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
