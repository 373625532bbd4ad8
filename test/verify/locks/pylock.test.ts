import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { InputError } from '../../../src/errors.ts';
import { readLockFile } from '../../../src/verify/locks/detect.ts';
import { parsePylock } from '../../../src/verify/locks/pylock.ts';
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

const EXAMPLE = fixture('pylock.toml/osv-scalibr-fixture__example.pylock.toml');
const PDM = fixture('pylock.toml/osv-scalibr-fixture__pdm-full.pylock.toml');
const PIP = fixture('pylock.toml/osv-scalibr-fixture__pip-full.pylock.toml');
const COMMITS = fixture('pylock.toml/osv-scalibr-fixture__commits.pylock.toml');

test('the PEP 751 example', async () => {
  const r = await readLockFile(EXAMPLE);
  assert.equal(r.format, 'pylock');
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.files.length, 4);
  assert.deepEqual(canonical([r.files[0]]), canonical([
    {
      name: 'attrs',
      version: '25.1.0',
      filename: 'attrs-25.1.0-py3-none-any.whl',
      url: 'https://files.pythonhosted.org/packages/fc/30/d4986a882011f9df997a55e6becd864812ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3-none-any.whl',
      size: 63152,
      hashes: { sha256: 'c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a' },
      source: { path: EXAMPLE, line: 11 },
    },
  ]));
  assert.deepEqual(
    r.files.filter((f) => f.name === 'numpy').map((f) => [f.version, f.filename, f.size, f.hashes.sha256]),
    [
      ['2.2.3', 'numpy-2.2.3-cp312-cp312-win_amd64.whl', 12626357, '83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d'],
      ['2.2.3', 'numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 16116679, '3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe'],
    ],
  );
  assert.deepEqual(pins(r.files), pythonPins('pylock', EXAMPLE));
});

test('written by pdm: sdist tables, names without URLs, markers', async () => {
  const r = await readLockFile(PDM);
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  // 10 packages, each one wheel and one sdist.
  assert.equal(r.files.length, 20);
  const certifi = r.files.filter((f) => f.name === 'certifi');
  assert.deepEqual(certifi.map((f) => [f.filename, f.hashes.sha256, f.url]), [
    ['certifi-2025.1.31.tar.gz', '3d5da6925056f6f18f119200434a4780a94263f10d1c21d032a6f6b2baa20651', undefined],
    ['certifi-2025.1.31-py3-none-any.whl', 'ca78db4565a652026a4db2bcdf68f2fb589ea80d0be70e03929ed730746b84fe', undefined],
  ]);
  assert.ok(certifi.every((f) => f.marker === 'python_version >= "3.6" and "security" in extras' && f.version === '2025.1.31'));
  const setuptools = r.files.find((f) => f.filename === 'setuptools-39.2.0.zip');
  assert.equal(setuptools?.hashes.sha256, 'f7cddbb5f5c640311eb00eab6e849f7701fa70bf6a183fc8a2c33dd1d1672fb2');
  assert.deepEqual(pins(r.files), pythonPins('pylock', PDM));
});

test('written by pip lock: [[packages.wheels]] and [packages.wheels.hashes] tables', async () => {
  const r = await readLockFile(PIP);
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(
    r.files.map((f) => [f.name, f.version, f.filename, f.hashes.sha256]),
    [
      ['annotated-types', '0.7.0', 'annotated_types-0.7.0-py3-none-any.whl', '1f02e8b43a8fbbc3f3e0d4f0f4bfc8131bcb4eebe8849b8e5c773f3a1c582a53'],
      ['packaging', '25.0', 'packaging-25.0-py3-none-any.whl', '29572ef2b1f17581046b3a2227d5c611fb25ec70ca1ba8554b24b0e69331a484'],
      ['pyproject-toml', '0.1.0', 'pyproject_toml-0.1.0-py3-none-any.whl', '96bf8d47162d5cae417e7db46e7f1f51af915bcce620350e2cfae3e2478e301b'],
      ['setuptools', '80.9.0', 'setuptools-80.9.0-py3-none-any.whl', '062d34222ad13e0cc312a4c02d73f059e86a4acbfbdea8f8f76b28c99f306922'],
      ['wheel', '0.45.1', 'wheel-0.45.1-py3-none-any.whl', '708e7481cc80179af0e556bbf0cc00b8444c7321e2700b8d8580231d13017248'],
    ],
  );
  assert.deepEqual(pins(r.files), pythonPins('pylock', PIP));
});

test('written by uv export: VCS and directory packages are warnings', async () => {
  const r = await readLockFile(COMMITS);
  assertWellFormed(r);
  // click, packaging, pathspec, python-dateutil, tqdm: sdist + 1 wheel; scikit-learn: sdist + 19 wheels.
  assert.equal(r.files.length, 30);
  assert.equal(r.files.filter((f) => f.name === 'scikit-learn').length, 20);
  assert.deepEqual(r.warnings, [
    `${COMMITS}: mleroc 0.1.0: from version control (git https://github.com/Veggente/mleroc.git); it cannot be checked by hash`,
    `${COMMITS}: net-inf-eval: a local directory (.); it cannot be checked by hash`,
  ]);
  const dateutil = r.files.filter((f) => f.name === 'python-dateutil');
  assert.deepEqual(dateutil.map((f) => [f.version, f.filename, f.size, f.hashes.sha256]), [
    ['2.9.0.post0', 'python-dateutil-2.9.0.post0.tar.gz', 342432, '37dd54208da7e1cd875388217d5e00ebd4179249f90fb72437e91a35459a0ad3'],
    ['2.9.0.post0', 'python_dateutil-2.9.0.post0-py2.py3-none-any.whl', 229892, 'a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427'],
  ]);
  assert.equal(dateutil[0].source.line, 41);
  assert.deepEqual(pins(r.files), pythonPins('pylock', COMMITS));
});

test('archive and path entries, several algorithms, files without hashes', () => {
  const text = `
lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "Direct_Thing"
version = "3.0"
archive = { url = "https://example.com/dl/direct_thing-3.0.tar.gz?x=1", size = 10, hashes = { SHA256 = "${'A'.repeat(64)}", "blake2b-256" = "${'b'.repeat(64)}", sha3_256 = "Keep-As-Is" } }

[[packages]]
name = "local"
version = "1"
wheels = [{ path = "./dist/local-1-py3-none-any.whl", hashes = { sha256 = "${'c'.repeat(64)}" } }, { url = "https://example.com/local-1-py2-none-any.whl", hashes = {} }]

[[packages]]
name = "nothing"
`;
  const r = parsePylock(text, 'pylock.toml');
  assert.deepEqual(canonical(r.files), canonical([
    {
      name: 'direct-thing',
      version: '3.0',
      filename: 'direct_thing-3.0.tar.gz',
      url: 'https://example.com/dl/direct_thing-3.0.tar.gz?x=1',
      size: 10,
      hashes: { sha256: 'a'.repeat(64), blake2b_256: 'b'.repeat(64), sha3_256: 'Keep-As-Is' },
      source: { path: 'pylock.toml', line: 8 },
    },
    { name: 'local', version: '1', filename: 'local-1-py3-none-any.whl', hashes: { sha256: 'c'.repeat(64) }, source: { path: 'pylock.toml', line: 13 } },
  ]));
  assert.deepEqual(r.warnings, [
    'pylock.toml: local 1: wheels[1] (local-1-py2-none-any.whl): no hashes; it cannot be checked',
    'pylock.toml: nothing: no wheels, sdist or archive; nothing to check',
  ]);
});

test('malformed pylock files are InputErrors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['lock-version = "2.0"\npackages = []', /^p\.toml: lock-version "2\.0" is not supported/],
    ['packages = []', /^p\.toml: no lock-version/],
    ['lock-version = "1.0"', /^p\.toml: no \[\[packages\]\]/],
    ['lock-version = "1.0"\npackages = [1]', /^p\.toml: packages\[0\] must be a table$/],
    ['lock-version = "1.0"\n[[packages]]\nversion = "1"', /^p\.toml: packages\[0\] has no name$/],
    ['lock-version = "1.0"\n[[packages]]\nname = "bad name!"', /^p\.toml: packages\[0\]: "bad name!" is not a valid project name$/],
    [`lock-version = "1.0"\n[[packages]]\nname = "x"\nsdist = { hashes = { sha256 = "abc" } }`, /^p\.toml: x: sdist: the sha256 digest "abc" is not 64 hex digits$/],
    [`lock-version = "1.0"\n[[packages]]\nname = "x"\nwheels = [{ hashes = { sha256 = 5 } }]`, /^p\.toml: x: wheels\[0\]: hashes\.sha256 must be a string$/],
    [`lock-version = "1.0"\n[[packages]]\nname = "x"\nwheels = [{ size = -1, hashes = { md5 = "${'a'.repeat(32)}" } }]`, /"size" must be a non-negative integer$/],
    ['lock-version = "1.0"\n\n[[packages]\nname = "x"', /^p\.toml:3: not valid TOML: /],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePylock(text, 'p.toml'), (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'), text);
  }
});

// ---- properties ----

interface EntryModel {
  filename: string;
  nameKey: boolean;
  url: string | null;
  size: number | null;
  sha256: string;
  blake2b: string | null;
}
interface PackageModel {
  name: string;
  version: string;
  marker: string | null;
  sdist: EntryModel | null;
  wheels: EntryModel[];
}

function entryArb(kind: 'sdist' | 'wheel'): fc.Arbitrary<EntryModel> {
  return fc
    .record({
      stem: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
      tag: fc.constantFrom('py3-none-any', 'cp312-cp312-win_amd64', 'cp311-abi3-manylinux_2_17_x86_64'),
      nameKey: fc.boolean(),
      withUrl: fc.boolean(),
      size: fc.option(fc.nat({ max: 2 ** 40 }), { nil: null }),
      sha256: hexArb(64),
      blake2b: fc.option(hexArb(64), { nil: null }),
    })
    .map(({ stem, tag, nameKey, withUrl, size, sha256, blake2b }) => {
      const filename = kind === 'sdist' ? `${stem}-1.0.tar.gz` : `${stem}-1.0-${tag}.whl`;
      // Without a url the name must be given (the file would have no name otherwise).
      const url = withUrl ? `https://files.example/packages/${sha256.slice(0, 2)}/${filename}` : null;
      return { filename, nameKey: nameKey || url === null, url, size, sha256, blake2b };
    });
}

const packageArb: fc.Arbitrary<PackageModel> = fc.record({
  name: projectNameArb,
  version: versionArb,
  marker: fc.option(fc.constantFrom('sys_platform == "win32"', "python_version >= '3.9'"), { nil: null }),
  sdist: fc.option(entryArb('sdist'), { nil: null }),
  wheels: fc.array(entryArb('wheel'), { maxLength: 3 }),
});

function toToml(e: EntryModel): Record<string, unknown> {
  const t: Record<string, unknown> = {};
  if (e.nameKey) t.name = e.filename;
  if (e.url !== null) t.url = e.url;
  if (e.size !== null) t.size = e.size;
  t.hashes = e.blake2b === null ? { sha256: e.sha256 } : { sha256: e.sha256, 'blake2b-256': e.blake2b };
  return t;
}

function expectedFile(p: PackageModel, e: EntryModel, path: string): LockedFile {
  const f: LockedFile = {
    name: pep503(p.name),
    version: p.version,
    filename: e.filename,
    hashes: e.blake2b === null ? { sha256: e.sha256 } : { sha256: e.sha256, blake2b_256: e.blake2b },
    source: { path },
  };
  if (e.url !== null) f.url = e.url;
  if (e.size !== null) f.size = e.size;
  if (p.marker !== null) f.marker = p.marker;
  return f;
}

test('property: generated pylock.toml files read back into the files they pin', () => {
  fc.assert(
    fc.property(fc.array(packageArb, { maxLength: 5 }), (packages) => {
      const doc = {
        'lock-version': '1.0',
        'created-by': 'fast-check',
        packages: packages.map((p) => {
          const t: Record<string, unknown> = { name: p.name, version: p.version };
          if (p.marker !== null) t.marker = p.marker;
          if (p.sdist !== null) t.sdist = toToml(p.sdist);
          if (p.wheels.length > 0) t.wheels = p.wheels.map(toToml);
          return t;
        }),
      };
      const r = parsePylock(stringify(doc), 'pylock.toml');
      assertWellFormed(r);
      const want = uniqueFiles(packages.flatMap((p) => [...(p.sdist ? [p.sdist] : []), ...p.wheels].map((e) => expectedFile(p, e, 'pylock.toml'))));
      const noLines = (fs: LockedFile[]) => canonical(fs.map((f) => ({ ...f, source: { path: f.source.path } })));
      assert.deepEqual(noLines(r.files), noLines(want));
      assert.equal(r.warnings.length, packages.filter((p) => p.sdist === null && p.wheels.length === 0).length);
      // Every file's line is where its sha256 is written.
      const lines = stringify(doc).split('\n');
      for (const f of r.files) assert.ok(lines[f.source.line! - 1].includes(f.hashes.sha256!));
    }),
    { numRuns: 200 },
  );
});

test('property: random TOML documents and random text never crash the pylock reader', () => {
  const keys = ['lock-version', 'packages', 'name', 'version', 'wheels', 'sdist', 'archive', 'vcs', 'directory', 'hashes', 'sha256', 'md5', 'url', 'path', 'size', 'marker', 'type'];
  const leaves = fc.constantFrom('1.0', '2.0', 'a'.repeat(64), 'Z'.repeat(64), 'pkg', 'https://x/y-1.0.tar.gz', 'x/y.whl', '');
  fc.assert(
    fc.property(documentArb(keys, leaves), fc.boolean(), (doc, withVersion) => {
      const d = withVersion ? { ...doc, 'lock-version': '1.0' } : doc;
      let text: string;
      try {
        text = stringify(d);
      } catch {
        return; // not representable in TOML
      }
      valueOrInputError(() => parsePylock(text, 'pylock.toml'));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => valueOrInputError(() => parsePylock(text, 'pylock.toml'))),
    { numRuns: 300 },
  );
});
