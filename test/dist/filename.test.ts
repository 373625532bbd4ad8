import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import {
  distFilenameVersion,
  isDistFilename,
  isVersion,
  manifestName,
  normalizeProjectName,
  parseDistFilename,
  versionKey,
  versionsEqual,
  type DistFilename,
} from '../../src/dist/filename.ts';
import { InputError } from '../../src/errors.ts';
import { python } from './python.ts';

const DISTS = resolve(import.meta.dirname, '../../../shared/fixtures/dists');

test('the real wheels in the fixtures', () => {
  const names = readdirSync(DISTS).sort();
  const got = names.map((n) => {
    const f = parseDistFilename(n);
    return [f.kind, f.name, f.normalizedName, f.version, f.pythonTags, f.abiTags, f.platformTags, f.extension];
  });
  assert.deepEqual(got, [
    ['wheel', 'beautifulsoup4', 'beautifulsoup4', '4.12.3', ['py3'], ['none'], ['any'], '.whl'],
    ['wheel', 'poetry_core', 'poetry-core', '1.5.0', ['py3'], ['none'], ['any'], '.whl'],
    ['wheel', 'setuptools', 'setuptools', '67.6.1', ['py3'], ['none'], ['any'], '.whl'],
    ['wheel', 'wheel', 'wheel', '0.40.0', ['py3'], ['none'], ['any'], '.whl'],
  ]);
});

test('wheel and sdist file names, including legacy forms', () => {
  const cases: [string, Partial<DistFilename>][] = [
    ['requests-2.18.4-py2.py3-none-any.whl', { kind: 'wheel', name: 'requests', version: '2.18.4', pythonTags: ['py2', 'py3'] }],
    [
      'numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
      { abiTags: ['cp312'], platformTags: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'] },
    ],
    ['foo-1.0-1-py3-none-any.whl', { version: '1.0', buildTag: '1' }],
    ['foo-1.0-2abc-py3-none-any.whl', { buildTag: '2abc' }],
    ['foo-1.0+local.7-py3-none-any.whl', { version: '1.0+local.7' }],
    ['Foo.Bar_baz-1.0rc1-py3-none-any.whl', { name: 'Foo.Bar_baz', normalizedName: 'foo-bar-baz', version: '1.0rc1' }],
    ['python-dateutil-2.8.2.tar.gz', { kind: 'sdist', name: 'python-dateutil', normalizedName: 'python-dateutil', version: '2.8.2', extension: '.tar.gz' }],
    ['poetry_core-1.5.0.tar.gz', { name: 'poetry_core', normalizedName: 'poetry-core', version: '1.5.0' }],
    ['django-2fa-1.0.tar.gz', { name: 'django-2fa', version: '1.0' }],
    ['foo-bar-1.0-rc1.tar.gz', { name: 'foo-bar', version: '1.0-rc1' }],
    ['zope.interface-5.4.0.zip', { name: 'zope.interface', normalizedName: 'zope-interface', extension: '.zip' }],
    ['pkg-v2.0.tar.gz', { name: 'pkg', version: 'v2.0' }],
    ['legacy-0.1dev-r1234.tar.gz', { name: 'legacy', version: '0.1dev-r1234' }],
  ];
  for (const [filename, want] of cases) {
    const got = parseDistFilename(filename);
    assert.equal(got.filename, filename);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof DistFilename], v, `${filename}: ${k}`);
    if (got.kind === 'sdist') assert.equal(got.pythonTags, undefined);
    assert.ok(isDistFilename(filename));
  }
});

test('rejects anything else with an InputError naming the file', () => {
  const bad = [
    '',
    'dist/foo-1.0.tar.gz',
    'dist\\foo-1.0.tar.gz',
    '/foo-1.0.tar.gz',
    '../foo-1.0.tar.gz',
    'foo..bar-1.0.tar.gz',
    'foo-1.0.tar.gz\n',
    'foo\u0000-1.0.whl',
    'foo\u001b[31m-1.0.tar.gz',
    'foo-1.0.tar.bz2',
    'foo-1.0.egg',
    'foo-1.0.TAR.GZ',
    'foo.whl',
    'foo.tar.gz',
    'foo-bar.tar.gz',
    '-1.0.tar.gz',
    'foo-1.0-py3-none.whl',
    'foo-1.0-1-2-py3-none-any.whl',
    'foo-bar-1.0-py3-none-any-x.whl',
    'foo-notaversion-py3-none-any.whl',
    'foo-1.0-abc-py3-none-any.whl',
    'foo-1.0-py3--any.whl',
    'foo-1.0-py3-none-any..whl',
    'f\u00f6o-1.0.tar.gz',
    'a'.repeat(250) + '-1.0.tar.gz',
  ];
  for (const f of bad) {
    assert.throws(
      () => parseDistFilename(f),
      (e: unknown) => e instanceof InputError && e.message.includes(JSON.stringify(f)) && !e.message.includes('\n'),
      JSON.stringify(f),
    );
    assert.equal(isDistFilename(f), false);
  }
});

test('normalizeProjectName (PEP 503) and manifestName (PEP 625)', () => {
  for (const n of ['friendly-bar', 'Friendly-Bar', 'friendly.bar', 'friendly_bar', 'FRIENDLY-._BAR', 'friendly--bar']) {
    assert.equal(normalizeProjectName(n), 'friendly-bar', n);
    assert.equal(manifestName(n), 'friendly_bar', n);
  }
  assert.equal(normalizeProjectName('Poetry_Core'), 'poetry-core');
  assert.equal(manifestName('zope.interface'), 'zope_interface');
});

test('versionsEqual: PEP 440 normalization and file-name spellings', () => {
  const same: [string, string][] = [
    ['1.0', '1.0.0'],
    ['v1.0', '1.0'],
    ['V1.0', '1.0'],
    ['1.0ALPHA1', '1.0a1'],
    ['1.0-beta.2', '1.0b2'],
    ['1.0c1', '1.0rc1'],
    ['1.0pre', '1.0rc0'],
    ['1.0-preview-3', '1.0rc3'],
    ['1.0-1', '1.0.post1'],
    ['1.0_1', '1.0.post1'], // wheel escaping of the implicit post release
    ['1.0rev', '1.0.post0'],
    ['1.0-r2', '1.0.post2'],
    ['1.0dev', '1.0.dev0'],
    ['1.0_dev_3', '1.0.dev3'],
    ['0!1.0', '1.0'],
    ['01.002', '1.2'],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1'],
    ['1.0+abc.007', '1.0+abc.7'],
    [' 1.0 ', '1.0'],
    ['2.8.2', '2.8.2'],
  ];
  for (const [a, b] of same) assert.ok(versionsEqual(a, b), `${a} == ${b}`);
  const different: [string, string][] = [
    ['1.0', '1.1'],
    ['1.0a1', '1.0b1'],
    ['1!1.0', '1.0'],
    ['1.0.post1', '1.0.dev1'],
    ['1.0+a', '1.0'],
    ['1.0', '10'],
  ];
  for (const [a, b] of different) assert.ok(!versionsEqual(a, b), `${a} != ${b}`);
  // Non PEP 440 versions compare loosely.
  assert.ok(versionsEqual('1.0-SNAPSHOT-x', '1.0_snapshot.x'));
  assert.equal(versionKey('not a version'), undefined);
});

// Generators for valid components, each in its many PEP 440 spellings.
const alnum = fc.stringMatching(/^[A-Za-z0-9]{1,5}$/);
const letterFirst = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,5}$/);
const sep = fc.constantFrom('', '-', '_', '.');
const upper = (s: string, up: boolean) => (up ? s.toUpperCase() : s);
const versionArb = fc
  .record({
    v: fc.boolean(),
    epoch: fc.option(fc.nat({ max: 3 }), { nil: undefined }),
    release: fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 4 }),
    pre: fc.option(fc.tuple(sep, fc.constantFrom('a', 'alpha', 'b', 'beta', 'rc', 'c', 'pre', 'preview'), sep, fc.option(fc.nat({ max: 9 }), { nil: undefined })), { nil: undefined }),
    post: fc.option(fc.oneof(fc.nat({ max: 9 }).map((n) => `-${n}`), fc.tuple(sep, fc.constantFrom('post', 'rev', 'r'), sep, fc.nat({ max: 9 })).map((t) => t.join(''))), { nil: undefined }),
    dev: fc.option(fc.tuple(sep, sep, fc.nat({ max: 9 })).map(([a, b, n]) => `${a}dev${b}${n}`), { nil: undefined }),
    local: fc.option(fc.array(fc.stringMatching(/^[a-z0-9]{1,4}$/), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    up: fc.boolean(),
  })
  .map((r) => {
    let s = (r.v ? 'v' : '') + (r.epoch !== undefined ? `${r.epoch}!` : '') + r.release.join('.');
    if (r.pre) s += r.pre[0] + r.pre[1] + (r.pre[3] !== undefined ? r.pre[2] + r.pre[3] : '');
    if (r.post) s += r.post;
    if (r.dev) s += r.dev;
    if (r.local) s += '+' + r.local.join('.');
    return upper(s, r.up);
  });
const nameArb = fc.tuple(letterFirst, fc.array(fc.tuple(fc.constantFrom('-', '_', '.'), letterFirst), { maxLength: 3 })).map(
  ([first, rest]) => first + rest.map(([s, p]) => s + p).join(''),
);
const tagSet = fc.array(fc.stringMatching(/^[a-z0-9_]{1,8}$/), { minLength: 1, maxLength: 3 });

test('property: built wheel names parse back to their parts', () => {
  fc.assert(
    fc.property(nameArb, versionArb, fc.option(fc.stringMatching(/^[0-9][a-z0-9]{0,3}$/), { nil: undefined }), tagSet, tagSet, tagSet, (name, version, build, py, abi, plat) => {
      const wheelName = name.replace(/-/g, '_');
      const wheelVersion = version.replace(/-/g, '_');
      const filename = [wheelName, wheelVersion, ...(build ? [build] : []), py.join('.'), abi.join('.'), plat.join('.')].join('-') + '.whl';
      const f = parseDistFilename(filename);
      assert.equal(f.kind, 'wheel');
      assert.equal(f.name, wheelName);
      assert.equal(f.normalizedName, normalizeProjectName(name));
      assert.equal(f.version, wheelVersion);
      assert.ok(versionsEqual(f.version, version));
      assert.equal(f.buildTag, build);
      assert.deepEqual([f.pythonTags, f.abiTags, f.platformTags], [py, abi, plat]);
    }),
    { numRuns: 300 },
  );
});

test('property: built sdist names (PEP 625 and legacy dashed) parse back to their parts', () => {
  fc.assert(
    fc.property(nameArb, versionArb, fc.boolean(), fc.constantFrom('.tar.gz', '.zip'), (name, version, pep625, ext) => {
      const filename = `${pep625 ? manifestName(name) : name}-${version}${ext}`;
      // With a dash before a digit inside the version (1.0-1, a post release), the stem is ambiguous
      // and is split at that later dash, as packaging does; inspectDist resolves it from metadata.
      if (/-[0-9]/.test(version)) return;
      const f = parseDistFilename(filename);
      assert.equal(f.kind, 'sdist');
      assert.equal(f.normalizedName, normalizeProjectName(name));
      assert.equal(f.version, version);
      assert.equal(f.extension, ext);
    }),
    { numRuns: 300 },
  );
});

test('property: any string either parses or is an InputError', () => {
  const ext = fc.constantFrom('.whl', '.tar.gz', '.zip', '', '.txt');
  const chars = fc.string({ unit: fc.constantFrom(...'ab1-_.+!/\\\u0000 \n9vV'.split('')), maxLength: 40 });
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.tuple(chars, ext).map(([s, e]) => s + e)), (s) => {
      try {
        const f = parseDistFilename(s);
        assert.equal(f.filename, s);
        assert.ok(f.name.length > 0 && f.version.length > 0);
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
});

// What parseDistFilename says of `s`: its version, or undefined when it throws.
function parsedVersion(s: string): string | undefined {
  try {
    return parseDistFilename(s).version;
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return undefined;
  }
}

test('distFilenameVersion and isDistFilename say what parseDistFilename does, without throwing', () => {
  const cases: [string, string | undefined][] = [
    ['requests-2.18.4-py2.py3-none-any.whl', '2.18.4'],
    ['foo-1.0_1-1-py3-none-any.whl', '1.0_1'],
    ['python-dateutil-2.8.2.tar.gz', '2.8.2'],
    ['legacy-0.1dev-r1234.tar.gz', '0.1dev-r1234'],
    ['zope.interface-5.4.0.zip', '5.4.0'],
    ['foo-notaversion-py3-none-any.whl', undefined],
    ['foo-1.0.tar.bz2', undefined],
    ['dist/foo-1.0.tar.gz', undefined],
    ['', undefined],
  ];
  for (const [f, v] of cases) {
    assert.equal(distFilenameVersion(f), v, f);
    assert.equal(isDistFilename(f), v !== undefined, f);
  }
  const wheel = fc.tuple(nameArb, versionArb, tagSet).map(([n, v, t]) => `${n.replace(/-/g, '_')}-${v.replace(/-/g, '_')}-${t.join('.')}-none-any.whl`);
  const sdist = fc.tuple(nameArb, versionArb, fc.constantFrom('.tar.gz', '.zip')).map(([n, v, e]) => `${n}-${v}${e}`);
  const chars = fc.string({ unit: fc.constantFrom(...'ab1-_.+!/\\\u0000 \n9vV'.split('')), maxLength: 40 });
  const noise = fc.tuple(chars, fc.constantFrom('.whl', '.tar.gz', '.zip', '')).map(([s, e]) => s + e);
  fc.assert(
    fc.property(fc.oneof(wheel, sdist, noise, fc.string()), (s) => {
      const want = parsedVersion(s);
      assert.equal(distFilenameVersion(s), want);
      assert.equal(isDistFilename(s), want !== undefined);
    }),
    { numRuns: 2000 },
  );
});

test('isVersion is exactly "versionKey gives a key"', () => {
  assert.equal(isVersion('1.0'), true);
  assert.equal(isVersion(' v1.0_post_1 '), true);
  assert.equal(isVersion('1.0-SNAPSHOT'), false);
  assert.equal(isVersion(''), false);
  assert.equal(isVersion('1'.repeat(257)), false);
  const spelled = fc.tuple(versionArb, fc.constantFrom('', ' ', '\t'), fc.boolean()).map(([v, pad, wheel]) => pad + (wheel ? v.replace(/-/g, '_') : v) + pad);
  const chars = fc.string({ unit: fc.constantFrom(...'0123456789.-_+!abcdeprostv '.split('')), maxLength: 30 });
  fc.assert(
    fc.property(fc.oneof(spelled, chars, fc.string()), (v) => assert.equal(isVersion(v), versionKey(v) !== undefined, JSON.stringify(v))),
    { numRuns: 3000 },
  );
});

const PACKAGING = `
import json, sys
from packaging.utils import parse_wheel_filename, parse_sdist_filename
out = []
for f in json.load(sys.stdin):
    try:
        if f.endswith('.whl'):
            name, ver, build, tags = parse_wheel_filename(f)
            out.append({'name': name, 'version': str(ver), 'build': ''.join(str(x) for x in build) if build else None,
                        'tags': sorted(str(t) for t in tags)})
        else:
            name, ver = parse_sdist_filename(f)
            out.append({'name': name, 'version': str(ver)})
    except Exception as e:
        out.append({'error': type(e).__name__})
print(json.dumps(out))
`;

test('differential: where python packaging parses a file name, we agree on name, version, build and tags', () => {
  const filenameArb = fc.oneof(
    fc.tuple(nameArb, versionArb, tagSet, tagSet, tagSet).map(([n, v, a, b, c]) => `${n.replace(/-/g, '_')}-${v.replace(/-/g, '_')}-${a.join('.')}-${b.join('.')}-${c.join('.')}.whl`),
    fc.tuple(nameArb, versionArb, fc.stringMatching(/^[0-9][a-z]{0,2}$/)).map(([n, v, b]) => `${n.replace(/-/g, '_')}-${v.replace(/-/g, '_')}-${b}-py3-none-any.whl`),
    // sdist versions without dashes: with them a legacy stem is ambiguous (see the property above).
    fc.tuple(nameArb, versionArb.filter((v) => !v.includes('-')), fc.constantFrom('.tar.gz', '.zip')).map(([n, v, e]) => `${n}-${v}${e}`),
  );
  const names = fc.sample(filenameArb, { numRuns: 400, seed: 1 });
  const py = python<{ name?: string; version?: string; build?: string | null; tags?: string[]; error?: string }[]>(PACKAGING, names);
  let agreed = 0;
  names.forEach((filename, i) => {
    const want = py[i];
    if (want.error) return;
    const f = parseDistFilename(filename);
    assert.equal(f.normalizedName, want.name, filename);
    assert.ok(versionsEqual(f.version, want.version!), `${filename}: ${f.version} vs ${want.version}`);
    assert.equal(versionKey(f.version), versionKey(want.version!), filename);
    if (f.kind === 'wheel') {
      assert.equal(f.buildTag ?? null, want.build, filename);
      const product = f.pythonTags!.flatMap((p) => f.abiTags!.flatMap((a) => f.platformTags!.map((pl) => `${p}-${a}-${pl}`.toLowerCase())));
      assert.deepEqual([...new Set(product)].sort(), want.tags, filename);
    }
    agreed++;
  });
  assert.ok(agreed >= 200, `packaging parsed ${agreed} of ${names.length}`);
});

test('differential: versionsEqual agrees with packaging.version.Version equality', () => {
  const pairs = fc.sample(fc.tuple(versionArb, versionArb), { numRuns: 400, seed: 2 });
  // Half the pairs are re-spellings of one version, so equality is exercised, not just inequality.
  const respelled = fc.sample(versionArb, { numRuns: 200, seed: 3 }).map((v) => [v, v.toUpperCase().replace(/\.(?=[a-z])/gi, '-')] as [string, string]);
  const all = [...pairs, ...respelled];
  const py = python<boolean[]>(
    'import json,sys\nfrom packaging.version import Version\nprint(json.dumps([Version(a)==Version(b) for a,b in json.load(sys.stdin)]))',
    all,
  );
  let equal = 0;
  all.forEach(([a, b], i) => {
    assert.equal(versionsEqual(a, b), py[i], `${a} vs ${b}`);
    if (py[i]) equal++;
  });
  assert.ok(equal >= 150, `${equal} equal pairs`);
});
