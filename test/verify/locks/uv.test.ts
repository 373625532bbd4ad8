import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { InputError } from '../../../src/errors.ts';
import { readLockFile } from '../../../src/verify/locks/detect.ts';
import type { LockedFile } from '../../../src/verify/locks/types.ts';
import { parseUvLock } from '../../../src/verify/locks/uv.ts';
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

const TWO = fixture('uv.lock/osv-scalibr-fixture__two-packages.uv.lock');
const GROUPED = fixture('uv.lock/osv-scalibr-fixture__grouped-packages.uv.lock');

test('uv.lock with two registry packages and the virtual project', async () => {
  const r = await readLockFile(TWO);
  assert.equal(r.format, 'uv');
  assertWellFormed(r);
  // emoji: sdist + 1 wheel; protobuf: sdist + 6 wheels.
  assert.equal(r.files.length, 9);
  assert.deepEqual(r.warnings, [`${TWO}: uv-lockfiles 0.1.0: a virtual (workspace) project (.); it cannot be checked by hash`]);
  assert.deepEqual(canonical(r.files.filter((f) => f.filename === 'protobuf-4.25.5-cp37-abi3-manylinux2014_x86_64.whl')), canonical([
    {
      name: 'protobuf',
      version: '4.25.5',
      filename: 'protobuf-4.25.5-cp37-abi3-manylinux2014_x86_64.whl',
      url: 'https://files.pythonhosted.org/packages/05/a6/094a2640be576d760baa34c902dcb8199d89bce9ed7dd7a6af74dcbbd62d/protobuf-4.25.5-cp37-abi3-manylinux2014_x86_64.whl',
      size: 294635,
      hashes: { sha256: 'fe14e16c22be926d3abfcb500e60cab068baf10b542b8c858fa27e098123e331' },
      source: { path: TWO, line: 23 },
    },
  ]));
  assert.deepEqual(
    r.files.filter((f) => f.name === 'emoji').map((f) => [f.version, f.filename, f.size, f.hashes.sha256]),
    [
      ['2.14.0', 'emoji-2.14.0.tar.gz', 593932, 'f68ac28915a2221667cddb3e6c589303c3c6954c6c5af6fefaec7f9bdf72fdca'],
      ['2.14.0', 'emoji-2.14.0-py3-none-any.whl', 586897, 'fcc936bf374b1aec67dda5303ae99710ba88cc9cdce2d1a71c5f2204e6d78799'],
    ],
  );
  assert.deepEqual(pins(r.files), pythonPins('uv', TWO));
});

test('uv.lock with dependency groups: 14 registry packages, 74 files', async () => {
  const r = await readLockFile(GROUPED);
  assertWellFormed(r);
  assert.equal(r.files.length, 74);
  assert.equal(new Set(r.files.map((f) => f.name)).size, 14);
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(
    r.files.filter((f) => f.name === 'colorama').map((f) => [f.version, f.filename, f.size, f.hashes.sha256, f.source.line]),
    [
      ['0.4.6', 'colorama-0.4.6.tar.gz', 27697, '08695f5cb7ed6e0531a20572697297273c47b8cae5a63ffc6d6ed5c201be6e44', 54],
      ['0.4.6', 'colorama-0.4.6-py2.py3-none-any.whl', 25335, '4f1d9991f5acc0ca119f9d443620b77f9d6b33703e51011c16baf57afb285fc6', 56],
    ],
  );
  assert.ok(r.files.every((f) => f.url?.startsWith('https://files.pythonhosted.org/packages/') && f.size !== undefined));
  assert.deepEqual(pins(r.files), pythonPins('uv', GROUPED));
});

test('git, directory, editable, path and url sources; files without a hash', () => {
  const text = `
version = 1
revision = 2
requires-python = ">=3.12"

[[package]]
name = "from-git"
version = "1.0"
source = { git = "https://github.com/o/r?rev=main#abc" }

[[package]]
name = "dir"
version = "0.1"
source = { directory = "libs/dir" }

[[package]]
name = "ed"
version = "0.1"
source = { editable = "." }

[[package]]
name = "Local_Wheel"
version = "2.0"
source = { path = "dist/local_wheel-2.0-py3-none-any.whl" }
wheels = [{ filename = "local_wheel-2.0-py3-none-any.whl", hash = "sha256:${'a'.repeat(64)}" }]

[[package]]
name = "local-sdist"
version = "3.0"
source = { path = "dist/local_sdist-3.0.tar.gz" }
sdist = { hash = "sha256:${'B'.repeat(64)}" }

[[package]]
name = "by-url"
version = "4.0"
source = { url = "https://example.com/by_url-4.0.tar.gz" }
sdist = { url = "https://example.com/by_url-4.0.tar.gz", hash = "sha512:${'c'.repeat(128)}" }

[[package]]
name = "nohash"
version = "5.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/nohash-5.0-py3-none-any.whl" }]
`;
  const r = parseUvLock(text, 'uv.lock');
  assert.deepEqual(canonical(r.files), canonical([
    { name: 'local-wheel', version: '2.0', filename: 'local_wheel-2.0-py3-none-any.whl', hashes: { sha256: 'a'.repeat(64) }, source: { path: 'uv.lock', line: 25 } },
    { name: 'local-sdist', version: '3.0', filename: 'local_sdist-3.0.tar.gz', hashes: { sha256: 'b'.repeat(64) }, source: { path: 'uv.lock', line: 31 } },
    { name: 'by-url', version: '4.0', filename: 'by_url-4.0.tar.gz', url: 'https://example.com/by_url-4.0.tar.gz', hashes: { sha512: 'c'.repeat(128) }, source: { path: 'uv.lock', line: 37 } },
  ]));
  assert.deepEqual(r.warnings, [
    'uv.lock: from-git 1.0: from git (https://github.com/o/r?rev=main#abc); it cannot be checked by hash',
    'uv.lock: dir 0.1: a local directory (libs/dir); it cannot be checked by hash',
    'uv.lock: ed 0.1: an editable local directory (.); it cannot be checked by hash',
    'uv.lock: nohash 5.0: wheels[0] (nohash-5.0-py3-none-any.whl): no hash; it cannot be checked',
  ]);
});

test('malformed uv.lock files are InputErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['version = 2\n', /^uv\.lock: uv\.lock version 2 is not supported/],
    ['version = [{}]\n', /^uv\.lock: uv\.lock version an array is not supported/],
    ['version = "1"\n', /^uv\.lock: uv\.lock version "1" is not supported/],
    ['requires-python = ">=3"\n', /^uv\.lock: no top-level version/],
    ['version = 1\npackage = "x"\n', /^uv\.lock: "package" must be an array$/],
    ['version = 1\n[[package]]\nversion = "1"\n', /^uv\.lock: package\[0\] has no name$/],
    ['version = 1\n[[package]]\nname = "x"\nsdist = { hash = "sha256-abc" }\n', /^uv\.lock: x: sdist: "sha256-abc" is not a hash of the form <algorithm>:<hex>$/],
    ['version = 1\n[[package]]\nname = "x"\nwheels = ["x"]\n', /^uv\.lock: x: wheels\[0\] must be a table$/],
    ['version = 1\n[[package]]\nname = "x"\nsource = "registry"\n', /^uv\.lock: x: "source" must be a table$/],
    ['version = 1\n[[package]\n', /^uv\.lock:2: not valid TOML/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseUvLock(text, 'uv.lock'), (e: unknown) => e instanceof InputError && re.test(e.message), text);
  }
});

// ---- properties ----

interface UvFile {
  filename: string;
  url: string;
  sha256: string;
  size: number | null;
}
interface UvPackage {
  name: string;
  version: string;
  sdist: UvFile | null;
  wheels: UvFile[];
}

function fileArb(ext: string): fc.Arbitrary<UvFile> {
  return fc.record({ stem: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), sha256: hexArb(64), size: fc.option(fc.nat(), { nil: null }) }).map(({ stem, sha256, size }) => {
    const filename = `${stem}${ext}`;
    return { filename, url: `https://files.example/packages/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${filename}`, sha256, size };
  });
}

const uvPackageArb: fc.Arbitrary<UvPackage> = fc.record({
  name: projectNameArb,
  version: versionArb,
  sdist: fc.option(fileArb('-1.0.tar.gz'), { nil: null }),
  wheels: fc.array(fileArb('-1.0-py3-none-any.whl'), { maxLength: 3 }),
});

test('property: generated uv.lock files read back into the files they pin', () => {
  fc.assert(
    fc.property(fc.array(uvPackageArb, { maxLength: 5 }), (packages) => {
      const entry = (f: UvFile) => (f.size === null ? { url: f.url, hash: `sha256:${f.sha256}` } : { url: f.url, hash: `sha256:${f.sha256}`, size: f.size });
      const doc = {
        version: 1,
        'requires-python': '>=3.9',
        package: packages.map((p) => {
          const t: Record<string, unknown> = { name: p.name, version: p.version, source: { registry: 'https://pypi.org/simple' } };
          if (p.sdist) t.sdist = entry(p.sdist);
          if (p.wheels.length > 0) t.wheels = p.wheels.map(entry);
          return t;
        }),
      };
      const r = parseUvLock(stringify(doc), 'uv.lock');
      assertWellFormed(r);
      const want = uniqueFiles(
        packages.flatMap((p) =>
          [...(p.sdist ? [p.sdist] : []), ...p.wheels].map((f) => {
            const out: LockedFile = { name: pep503(p.name), version: p.version, filename: f.filename, url: f.url, hashes: { sha256: f.sha256 }, source: { path: 'uv.lock' } };
            if (f.size !== null) out.size = f.size;
            return out;
          }),
        ),
      );
      const noLines = (fs: LockedFile[]) => canonical(fs.map((f) => ({ ...f, source: { path: f.source.path } })));
      assert.deepEqual(noLines(r.files), noLines(want));
      assert.equal(r.warnings.length, packages.filter((p) => !p.sdist && p.wheels.length === 0).length);
    }),
    { numRuns: 200 },
  );
});

test('property: random TOML documents and random text never crash the uv.lock reader', () => {
  const keys = ['version', 'package', 'name', 'source', 'registry', 'git', 'path', 'url', 'virtual', 'sdist', 'wheels', 'hash', 'size', 'filename'];
  const leaves = fc.constantFrom(`sha256:${'a'.repeat(64)}`, 'sha256:zz', 'md5:', ':', 'pkg', '1.0', 'https://x/y-1.0.tar.gz', 'x/../y.whl', '');
  fc.assert(
    fc.property(documentArb(keys, leaves), fc.boolean(), (doc, v1) => {
      let text: string;
      try {
        text = stringify(v1 ? { ...doc, version: 1 } : doc);
      } catch {
        return;
      }
      valueOrInputError(() => parseUvLock(text, 'uv.lock'));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => valueOrInputError(() => parseUvLock(t, 'uv.lock'))), { numRuns: 300 });
});
