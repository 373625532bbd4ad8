import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { InputError } from '../../../src/errors.ts';
import { readLockFile } from '../../../src/verify/locks/detect.ts';
import { parsePoetryLock } from '../../../src/verify/locks/poetry.ts';
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

const V11 = fixture('poetry.lock/python-poetry-poetry__poetry.lock.v1.1');
const V20 = fixture('poetry.lock/python-poetry-poetry__poetry.lock.v2.0');
const V21 = fixture('poetry.lock/python-poetry-poetry__poetry.lock.v2.1');
const OSV = fixture('poetry.lock/osv-scalibr-fixture__multiple-packages.v2.lock');

test('lock-version 1.1: hashes under [metadata.files], keyed by the name as written', async () => {
  const r = await readLockFile(V11);
  assert.equal(r.format, 'poetry');
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  // 83 packages; 654 {file, hash} entries under [metadata.files].
  assert.equal(r.files.length, 654);
  assert.equal(new Set(r.files.map((f) => f.name)).size, 83);
  assert.deepEqual(canonical(r.files.filter((f) => f.name === 'cachecontrol')), canonical([
    { name: 'cachecontrol', version: '0.12.11', filename: 'CacheControl-0.12.11-py2.py3-none-any.whl', hashes: { sha256: '2c75d6a8938cb1933c75c50184549ad42728a27e9f6b92fd677c3151aa72555b' }, source: { path: V11, line: 970 } },
    { name: 'cachecontrol', version: '0.12.11', filename: 'CacheControl-0.12.11.tar.gz', hashes: { sha256: 'a5b9fcc986b184db101aa280b42ecdcdfc524892596f606858e0b7a8b4d9e144' }, source: { path: V11, line: 971 } },
  ]));
  assert.deepEqual(
    r.files.filter((f) => f.name === 'six').map((f) => [f.version, f.filename, f.hashes.sha256]),
    [
      ['1.16.0', 'six-1.16.0-py2.py3-none-any.whl', '8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254'],
      ['1.16.0', 'six-1.16.0.tar.gz', '1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926'],
    ],
  );
  assert.equal(r.files.filter((f) => f.name === 'backports-cached-property').length, 2);
  assert.deepEqual(pins(r.files), pythonPins('poetry', V11));
});

test('lock-version 2.0: files inside each package', async () => {
  const r = await readLockFile(V20);
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.files.length, 751);
  assert.equal(new Set(r.files.map((f) => f.name)).size, 68);
  const dulwich = r.files.filter((f) => f.name === 'dulwich');
  assert.deepEqual(canonical([dulwich[0]]), canonical([
    { name: 'dulwich', version: '0.22.7', filename: 'dulwich-0.22.7-cp310-cp310-macosx_11_0_arm64.whl', hashes: { sha256: '01e484d44014fef78cdef3b3adc34564808b4677497a57a0950c90a1d6349be3' }, source: { path: V20, line: 465 } },
  ]));
  const bt = r.files.filter((f) => f.name === 'backports-tarfile');
  assert.deepEqual(bt.map((f) => [f.version, f.filename]), [
    ['1.2.0', 'backports.tarfile-1.2.0-py3-none-any.whl'],
    ['1.2.0', 'backports_tarfile-1.2.0.tar.gz'],
  ]);
  assert.deepEqual(pins(r.files), pythonPins('poetry', V20));
});

test('lock-version 2.1: a git package is a warning; markers kept when they are a string', async () => {
  const r = await readLockFile(V21);
  assertWellFormed(r);
  assert.equal(r.files.length, 1105);
  assert.deepEqual(r.warnings, [`${V21}: poetry-core 2.4.1: from git (https://github.com/python-poetry/poetry-core.git); it cannot be checked by hash`]);
  assert.equal(r.files.filter((f) => f.name === 'zstandard' && f.version === '0.25.0').length, 99);
  const last = r.files.find((f) => f.filename === 'zstandard-0.25.0.tar.gz');
  assert.equal(last?.hashes.sha256, '7713e1179d162cf5c7906da876ec2ccb9c3a9dcbdffef0cc7f70c3667a205f0b');
  // colorama's markers are a table (one per dependency group, line 374): not kept.
  const colorama = r.files.filter((f) => f.name === 'colorama');
  assert.deepEqual(colorama.map((f) => [f.version, f.filename, f.marker, f.source.line]), [
    ['0.4.6', 'colorama-0.4.6-py2.py3-none-any.whl', undefined, 371],
    ['0.4.6', 'colorama-0.4.6.tar.gz', undefined, 372],
  ]);
  assert.equal(r.files.filter((f) => f.marker === 'sys_platform == "linux"').length > 0, true);
  assert.deepEqual(pins(r.files), pythonPins('poetry', V21));
});

test('poetry 2.0 file with two versions of one project (osv-scalibr fixture)', async () => {
  const r = await readLockFile(OSV);
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.files.length, 31);
  assert.deepEqual(
    r.files.filter((f) => f.name === 'proto-plus').map((f) => [f.version, f.filename, f.marker]),
    [
      ['1.22.0', 'proto-plus-1.22.0.tar.gz', 'python_version < "3.10"'],
      ['1.22.0', 'proto_plus-1.22.0-py3-none-any.whl', 'python_version < "3.10"'],
      ['1.23.0', 'proto-plus-1.23.0.tar.gz', 'python_version >= "3.10"'],
      ['1.23.0', 'proto_plus-1.23.0-py3-none-any.whl', 'python_version >= "3.10"'],
    ],
  );
  const faker = r.files.find((f) => f.filename === 'Faker-33.3.0-py3-none-any.whl');
  assert.deepEqual(faker?.hashes, { sha256: 'ae074d9c7ef65817a93b448141a5531a16b2ea2e563dc5774578197c7c84060c' });
  assert.deepEqual(pins(r.files), pythonPins('poetry', OSV));
});

test('1.1 with two versions of one name: files go to the version in their file name; 1.0 bare digests', () => {
  const text = `
[[package]]
name = "Dup"
version = "1.0"

[[package]]
name = "dup"
version = "2.0.0"

[[package]]
name = "old"
version = "0.1"

[[package]]
name = "gitdep"
version = "0.2"
[package.source]
type = "git"
url = "https://example.com/gitdep.git"

[metadata]
lock-version = "1.1"

[metadata.files]
dup = [
    {file = "dup-1.0-py3-none-any.whl", hash = "sha256:${'1'.repeat(64)}"},
    {file = "dup-2.0.tar.gz", hash = "md5:${'2'.repeat(32)}"},
    {file = "dup-3.0.tar.gz", hash = "sha256:${'3'.repeat(64)}"},
    {file = "nohash-1.0.tar.gz"},
]
gitdep = []

[metadata.hashes]
old = ["${'4'.repeat(64)}", "sha512:${'5'.repeat(128)}"]
`;
  const r = parsePoetryLock(text, 'poetry.lock');
  assert.deepEqual(
    r.files.map((f) => [f.name, f.version, f.filename, Object.keys(f.hashes)[0], f.source.line]),
    [
      ['dup', '1.0', 'dup-1.0-py3-none-any.whl', 'sha256', 26],
      ['dup', '2.0.0', 'dup-2.0.tar.gz', 'md5', 27],
      ['dup', undefined, 'dup-3.0.tar.gz', 'sha256', 28],
      ['old', '0.1', undefined, 'sha256', 34],
      ['old', '0.1', undefined, 'sha512', 34],
    ],
  );
  assert.deepEqual(r.warnings, [
    'poetry.lock: [metadata.files] "dup"[3] (nohash-1.0.tar.gz): no hash; it cannot be checked',
    'poetry.lock: gitdep 0.2: from git (https://example.com/gitdep.git); it cannot be checked by hash',
  ]);
});

test('malformed poetry.lock files are InputErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['[[package]]\nname = "x"\n', /^poetry\.lock: no \[metadata\] table/],
    ['[metadata]\nlock-version = "3.0"\n', /^poetry\.lock: lock-version "3\.0" is not supported/],
    ['package = [1]\n[metadata]\n', /^poetry\.lock: package\[0\] must be a table$/],
    ['[[package]]\nname = "x"\nfiles = [{file = "x.whl", hash = "sha256:xyz"}]\n[metadata]\n', /^poetry\.lock: x: files\[0\]: the sha256 digest "xyz" is not 64 hex digits$/],
    ['[[package]]\nname = "x"\nfiles = ["x.whl"]\n[metadata]\n', /^poetry\.lock: x: files\[0\]: must be a table/],
    ['[metadata]\n[metadata.files]\nx = "y"\n', /^poetry\.lock: \[metadata\.files\] "x": must be an array$/],
    ['[metadata]\n[metadata.hashes]\nx = [1]\n', /^poetry\.lock: \[metadata\.hashes\] "x": digests must be strings$/],
    ['[metadata]\n[metadata.files]\n"bad name" = []\n', /is not a valid project name$/],
    ['[metadata\n', /^poetry\.lock:1: not valid TOML/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePoetryLock(text, 'poetry.lock'), (e: unknown) => e instanceof InputError && re.test(e.message), text);
  }
});

// ---- properties ----

interface PoetryModel {
  name: string;
  version: string;
  marker: string | null;
  files: { file: string; sha256: string }[];
}

const poetryPackageArb: fc.Arbitrary<PoetryModel> = fc.record({
  name: projectNameArb,
  version: versionArb,
  marker: fc.option(fc.constantFrom('python_version < "3.10"', 'sys_platform == "linux"'), { nil: null }),
  files: fc.array(fc.record({ file: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}-1\.0(-py3-none-any\.whl|\.tar\.gz)$/), sha256: hexArb(64) }), { maxLength: 4 }),
});

test('property: generated poetry.lock files (2.x and 1.1 layouts) read back into the files they pin', () => {
  fc.assert(
    fc.property(fc.uniqueArray(poetryPackageArb, { maxLength: 5, selector: (p) => pep503(p.name) }), fc.boolean(), (packages, v11) => {
      const entries = (p: PoetryModel) => p.files.map((f) => ({ file: f.file, hash: `sha256:${f.sha256}` }));
      const doc = {
        package: packages.map((p) => {
          const t: Record<string, unknown> = { name: p.name, version: p.version, optional: false };
          if (p.marker !== null) t.markers = p.marker;
          if (!v11) t.files = entries(p);
          return t;
        }),
        metadata: v11
          ? { 'lock-version': '1.1', 'content-hash': 'x', files: Object.fromEntries(packages.map((p) => [p.name, entries(p)])) }
          : { 'lock-version': '2.1', 'content-hash': 'x' },
      };
      const r = parsePoetryLock(stringify(doc), 'poetry.lock');
      assertWellFormed(r);
      // 1.1 lists files by name after all packages; 2.x inside each package: the same order here.
      const want = uniqueFiles(
        packages.flatMap((p) =>
          p.files.map((f) => {
            const out: LockedFile = { name: pep503(p.name), version: p.version, filename: f.file, hashes: { sha256: f.sha256 }, source: { path: 'poetry.lock' } };
            if (p.marker !== null) out.marker = p.marker;
            return out;
          }),
        ),
      );
      const noLines = (fs: LockedFile[]) => canonical(fs.map((f) => ({ ...f, source: { path: f.source.path } })));
      assert.deepEqual(noLines(r.files), noLines(want));
      assert.equal(r.warnings.length, packages.filter((p) => p.files.length === 0).length);
    }),
    { numRuns: 200 },
  );
});

test('property: random TOML documents and random text never crash the poetry.lock reader', () => {
  const keys = ['package', 'name', 'version', 'files', 'file', 'hash', 'metadata', 'lock-version', 'hashes', 'source', 'type', 'url', 'markers'];
  const leaves = fc.constantFrom(`sha256:${'a'.repeat(64)}`, 'a'.repeat(64), 'sha256:', 'git', 'pkg', '1.1', '2.0', 'x-1.0.tar.gz', '');
  fc.assert(
    fc.property(documentArb(keys, leaves), fc.boolean(), (doc, meta) => {
      let text: string;
      try {
        text = stringify(meta ? { ...doc, metadata: { 'lock-version': '2.1', files: { x: [] } } } : doc);
      } catch {
        return;
      }
      valueOrInputError(() => parsePoetryLock(text, 'poetry.lock'));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => valueOrInputError(() => parsePoetryLock(t, 'poetry.lock'))), { numRuns: 300 });
});
