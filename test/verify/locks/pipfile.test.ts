import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { readLockFile } from '../../../src/verify/locks/detect.ts';
import { parsePipfileLock } from '../../../src/verify/locks/pipfile.ts';
import type { LockedFile } from '../../../src/verify/locks/types.ts';
import {
  assertWellFormed,
  canonical,
  documentArb,
  fixture,
  hexArb,
  pep503,
  pins,
  projectNameArb,
  pythonPins,
  uniqueFiles,
  valueOrInputError,
  versionArb,
} from './support.ts';

const MULTI = fixture('Pipfile.lock/osv-scalibr-fixture__multiple-packages.Pipfile.lock');
const TWO = fixture('Pipfile.lock/osv-scalibr-fixture__two-packages.Pipfile.lock');

test('Pipfile.lock with an empty hashes list and a package in both sections', async () => {
  const r = await readLockFile(MULTI);
  assert.equal(r.format, 'pipfile');
  assertWellFormed(r);
  // default: itsdangerous (2), pluggy 1.0.1 ("hashes": []), markupsafe (40);
  // develop: itsdangerous again (the same 2: listed once), pluggy 1.0.0 (2).
  assert.equal(r.files.length, 44);
  assert.deepEqual(r.warnings, [`${MULTI}: default: pluggy 1.0.1: no hashes ("hashes": []); it cannot be checked`]);
  assert.deepEqual(canonical(r.files.filter((f) => f.name === 'itsdangerous')), canonical([
    { name: 'itsdangerous', version: '2.1.2', hashes: { sha256: '2c2349112351b88699d8d4b6b075022c0808887cb7ad10069318a8b0bc88db44' }, source: { path: MULTI, line: 21 } },
    { name: 'itsdangerous', version: '2.1.2', hashes: { sha256: '5dbbc68b317e5e42f327f9021763545dc3fc3bfe22e6deb96aaf1fc38874156a' }, source: { path: MULTI, line: 22 } },
  ]));
  assert.deepEqual(
    r.files.filter((f) => f.name === 'pluggy').map((f) => [f.version, f.hashes.sha256, f.marker]),
    [
      ['1.0.0', '4224373bacce55f955a878bf9cfa763c1e360858e330072059e10bad68531159', "python_version >= '3.6'"],
      ['1.0.0', '74134bbf457f031a36d68416e1509f34bd5ccc019f0bcc952c7b909d06b37bd3', "python_version >= '3.6'"],
    ],
  );
  const markupsafe = r.files.filter((f) => f.name === 'markupsafe');
  assert.equal(markupsafe.length, 40);
  assert.ok(markupsafe.every((f) => f.version === '2.1.1' && f.marker === "python_version >= '3.7'"));
  assert.deepEqual(pins(r.files), pythonPins('pipfile', MULTI));
});

test('Pipfile.lock with one package per section', async () => {
  const r = await readLockFile(TWO);
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.files.length, 42);
  assert.equal(r.files.filter((f) => f.name === 'markupsafe').at(-1)?.hashes.sha256, 'fc7b548b17d238737688817ab67deebb30e8073c95749d55538ed473130ec0c7');
  assert.deepEqual(pins(r.files), pythonPins('pipfile', TWO));
});

test('VCS, path, file URL entries and custom categories', () => {
  const doc = {
    _meta: { 'pipfile-spec': 6 },
    default: {
      requests: { git: 'https://github.com/psf/requests.git', ref: 'abc', editable: true },
      mylib: { path: './mylib', editable: true },
      direct: { file: 'https://example.com/dl/direct-1.0-py3-none-any.whl', hashes: [`sha256:${'A'.repeat(64)}`] },
      anything: { version: '*', hashes: [`sha256:${'b'.repeat(64)}`] },
    },
    docs: { Sphinx: { version: '===7.0', hashes: [`sha512:${'c'.repeat(128)}`] } },
  };
  const r = parsePipfileLock(JSON.stringify(doc, null, 2), 'Pipfile.lock');
  assert.deepEqual(
    r.files.map((f) => [f.name, f.version, f.filename, f.url, f.hashes]),
    [
      ['direct', undefined, 'direct-1.0-py3-none-any.whl', 'https://example.com/dl/direct-1.0-py3-none-any.whl', { sha256: 'a'.repeat(64) }],
      ['anything', undefined, undefined, undefined, { sha256: 'b'.repeat(64) }],
      ['sphinx', '7.0', undefined, undefined, { sha512: 'c'.repeat(128) }],
    ],
  );
  assert.deepEqual(r.warnings, [
    'Pipfile.lock: default: requests: from git (https://github.com/psf/requests.git); it cannot be checked by hash',
    'Pipfile.lock: default: mylib: a local path (./mylib); it cannot be checked by hash',
  ]);
});

test('malformed Pipfile.lock files are InputErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['{"default": {}}', /^Pipfile\.lock: no "_meta" object/],
    ['[1, 2]', /^Pipfile\.lock: expected a JSON object at the top level$/],
    ['{"_meta": {}, "default": []}', /^Pipfile\.lock: "default" must be an object of packages$/],
    ['{"_meta": {}, "default": {"x": 1}}', /^Pipfile\.lock: default "x": must be an object$/],
    ['{"_meta": {}, "default": {"x": {"hashes": "sha256:aa"}}}', /^Pipfile\.lock: default "x": "hashes" must be an array$/],
    ['{"_meta": {}, "default": {"x": {"hashes": [7]}}}', /^Pipfile\.lock: default "x": hashes\[0\] must be a string$/],
    ['{"_meta": {}, "default": {"x": {"hashes": ["sha256:00"]}}}', /^Pipfile\.lock: default "x": the sha256 digest "00" is not 64 hex digits$/],
    ['{"_meta": {}, "default": {"bad name": {}}}', /is not a valid project name$/],
    ['{\n  "_meta": {},\n  "default": {,}\n}', /^Pipfile\.lock:3: not valid JSON: /],
    [`${'['.repeat(100)}${']'.repeat(100)}`, /^Pipfile\.lock:1: JSON nested deeper than 64 levels$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePipfileLock(text, 'Pipfile.lock'), (e: unknown) => e instanceof InputError && re.test(e.message), text);
  }
});

// ---- properties ----

interface PipfileEntry {
  name: string;
  version: string | null;
  hashes: string[];
  markers: string | null;
}
const entryArb: fc.Arbitrary<PipfileEntry> = fc.record({
  name: projectNameArb,
  version: fc.option(versionArb, { nil: null }),
  hashes: fc.array(hexArb(64), { maxLength: 4 }),
  markers: fc.option(fc.constantFrom("python_version >= '3.7'", "sys_platform == 'win32'"), { nil: null }),
});

test('property: generated Pipfile.lock files read back into the files they pin', () => {
  const sectionArb = fc.uniqueArray(entryArb, { maxLength: 4, selector: (e) => e.name });
  fc.assert(
    fc.property(sectionArb, sectionArb, (def, dev) => {
      const section = (es: PipfileEntry[]) =>
        Object.fromEntries(
          es.map((e) => {
            const t: Record<string, unknown> = { hashes: e.hashes.map((h) => `sha256:${h}`) };
            if (e.version !== null) t.version = `==${e.version}`;
            if (e.markers !== null) t.markers = e.markers;
            return [e.name, t];
          }),
        );
      const text = JSON.stringify({ _meta: { hash: { sha256: 'x' }, 'pipfile-spec': 6 }, default: section(def), develop: section(dev) }, null, 4);
      const r = parsePipfileLock(text, 'Pipfile.lock');
      assertWellFormed(r);
      const want = uniqueFiles(
        [...def, ...dev].flatMap((e) =>
          e.hashes.map((h) => {
            const f: LockedFile = { name: pep503(e.name), hashes: { sha256: h }, source: { path: 'Pipfile.lock' } };
            if (e.version !== null) f.version = e.version;
            if (e.markers !== null) f.marker = e.markers;
            return f;
          }),
        ),
      );
      const noLines = (fs: LockedFile[]) => canonical(fs.map((f) => ({ ...f, source: { path: f.source.path } })));
      assert.deepEqual(noLines(r.files), noLines(want));
      assert.equal(r.warnings.length, [...def, ...dev].filter((e) => e.hashes.length === 0).length);
      const lines = text.split('\n');
      for (const f of r.files) assert.ok(lines[f.source.line! - 1].includes(f.hashes.sha256!));
    }),
    { numRuns: 200 },
  );
});

test('property: random JSON and random text never crash the Pipfile.lock reader', () => {
  const keys = ['_meta', 'default', 'develop', 'hashes', 'version', 'markers', 'git', 'path', 'file', 'editable'];
  const leaves = fc.constantFrom(`sha256:${'a'.repeat(64)}`, 'sha256:', '==1.0', '*', 'pkg', 'https://x/y-1.0.tar.gz', '');
  fc.assert(
    fc.property(documentArb(keys, leaves), fc.boolean(), (doc, meta) => {
      valueOrInputError(() => parsePipfileLock(JSON.stringify(meta ? { _meta: {}, ...doc } : doc), 'Pipfile.lock'));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => valueOrInputError(() => parsePipfileLock(t, 'Pipfile.lock'))), { numRuns: 300 });
  fc.assert(fc.property(fc.json(), (t) => valueOrInputError(() => parsePipfileLock(t, 'Pipfile.lock'))), { numRuns: 300 });
});
