import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { findDistFiles, inspectDist } from '../../src/dist/inspect.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { tempDir } from '../digest/oracle.ts';
import { buildZip, metadataText } from './zipbuild.ts';
import { tarArchive, tarRecord } from './tarbuild.ts';
import { python } from './python.ts';

const DISTS = resolve(import.meta.dirname, '../../../shared/fixtures/dists');

test('the four real wheels: name, version and metadata fields', async () => {
  const infos = await Promise.all(readdirSync(DISTS).sort().map((n) => inspectDist(join(DISTS, n))));
  assert.deepEqual(
    infos.map((d) => [d.filename, d.kind, d.name, d.version, d.normalizedName, d.metadata.metadataVersion]),
    [
      ['beautifulsoup4-4.12.3-py3-none-any.whl', 'wheel', 'beautifulsoup4', '4.12.3', 'beautifulsoup4', '2.1'],
      ['poetry_core-1.5.0-py3-none-any.whl', 'wheel', 'poetry-core', '1.5.0', 'poetry-core', '2.1'],
      ['setuptools-67.6.1-py3-none-any.whl', 'wheel', 'setuptools', '67.6.1', 'setuptools', '2.1'],
      ['wheel-0.40.0-py3-none-any.whl', 'wheel', 'wheel', '0.40.0', 'wheel', '2.1'],
    ],
  );
  const [bs4, poetry, setuptools, wheel] = infos;
  // Values checked against the wheels' own METADATA and pypi.org's JSON for these releases.
  assert.deepEqual(bs4.metadata.fields['requires-python'], ['>=3.6.0']);
  assert.deepEqual(poetry.metadata.fields['requires-python'], ['>=3.7,<4.0']);
  assert.deepEqual(setuptools.metadata.fields['home-page'], ['https://github.com/pypa/setuptools']);
  assert.deepEqual(wheel.metadata.fields['provides-extra'], ['test']);
  assert.equal(wheel.metadata.fields.classifier.length, 11);
  assert.equal(wheel.file.name, 'wheel');
  assert.equal(poetry.file.name, 'poetry_core');
  assert.equal(wheel.path, join(DISTS, 'wheel-0.40.0-py3-none-any.whl'));
  assert.ok(wheel.metadata.description?.startsWith('wheel\n=====\n'));
});

test('pypi.org agrees with what the wheels say about themselves', async () => {
  const want = python<Record<string, { name: string; version: string; requires_python: string }>>(
    `import json, glob, os
out = {}
for f in glob.glob(os.path.join(${JSON.stringify(resolve(DISTS, '../pypi/json-api'))}, '*.json')):
    d = json.load(open(f))
    for u in d.get('urls', []):
        out[u['filename']] = {'name': d['info']['name'], 'version': d['info']['version'], 'requires_python': d['info']['requires_python']}
print(json.dumps(out))`,
  );
  let n = 0;
  for (const f of readdirSync(DISTS)) {
    const w = want[f];
    if (!w) continue;
    const d = await inspectDist(join(DISTS, f));
    assert.equal(d.normalizedName, w.name.toLowerCase().replace(/[-_.]+/g, '-'));
    assert.equal(d.version, w.version);
    assert.deepEqual(d.metadata.fields['requires-python'], [w.requires_python]);
    n++;
  }
  assert.equal(n, 3);
});

function sdist(dir: string, filename: string, top: string, name: string, version: string): string {
  const p = join(dir, filename);
  writeFileSync(p, gzipSync(tarArchive([tarRecord({ name: `${top}/`, type: '5' }), tarRecord({ name: `${top}/PKG-INFO`, data: Buffer.from(metadataText(name, version)) })])));
  return p;
}

test('sdists: PEP 625, legacy dashed names, ambiguous legacy splits resolved by the metadata, legacy zip', async () => {
  const { dir, cleanup } = tempDir('distsum-inspect-');
  try {
    const pep625 = await inspectDist(sdist(dir, 'example_pkg-1.2.0.tar.gz', 'example_pkg-1.2.0', 'example-pkg', '1.2.0'));
    assert.deepEqual([pep625.kind, pep625.name, pep625.normalizedName, pep625.version, pep625.file.name], ['sdist', 'example-pkg', 'example-pkg', '1.2.0', 'example_pkg']);
    const legacy = await inspectDist(sdist(dir, 'python-dateutil-2.8.2.tar.gz', 'python-dateutil-2.8.2', 'python-dateutil', '2.8.2'));
    assert.deepEqual([legacy.name, legacy.version, legacy.file.name], ['python-dateutil', '2.8.2', 'python-dateutil']);
    // "foo-1.0-1" splits as foo-1.0 / 1 by file name alone; the metadata says foo / 1.0-1.
    const ambiguous = await inspectDist(sdist(dir, 'foo-1.0-1.tar.gz', 'foo-1.0-1', 'foo', '1.0-1'));
    assert.deepEqual([ambiguous.file.name, ambiguous.file.version, ambiguous.version], ['foo', '1.0-1', '1.0-1']);
    const zipPath = join(dir, 'Legacy.Pkg-0.9.zip');
    writeFileSync(zipPath, buildZip([{ name: 'Legacy.Pkg-0.9/PKG-INFO', data: Buffer.from(metadataText('legacy_pkg', '0.9.0')) }]));
    const zip = await inspectDist(zipPath);
    assert.deepEqual([zip.kind, zip.name, zip.normalizedName, zip.version, zip.file.extension], ['sdist', 'legacy_pkg', 'legacy-pkg', '0.9.0', '.zip']);
  } finally {
    cleanup();
  }
});

test('file name and metadata that disagree are an InputError naming the file and both values', async () => {
  const { dir, cleanup } = tempDir('distsum-inspect-');
  try {
    const renamed = join(dir, 'poetry_core-1.5.1-py3-none-any.whl');
    copyFileSync(join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl'), renamed);
    await assert.rejects(inspectDist(renamed), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.message, `${renamed}: the file name says poetry_core 1.5.1 but its metadata says poetry-core 1.5.0`);
      return true;
    });
    const other = sdist(dir, 'demo-1.0.tar.gz', 'demo-1.0', 'not-demo', '1.0');
    await assert.rejects(inspectDist(other), (e: unknown) => e instanceof InputError && /says demo 1\.0 but its metadata says not-demo 1\.0/.test(e.message));
    // The METADATA of one project in a wheel named for another.
    const wheel = join(dir, 'demo-1.0-py3-none-any.whl');
    writeFileSync(wheel, buildZip([{ name: 'other-1.0.dist-info/METADATA', data: Buffer.from(metadataText('demo', '1.0')) }]));
    await assert.rejects(inspectDist(wheel), (e: unknown) => e instanceof InputError && /metadata directory other-1\.0\.dist-info does not belong to demo/.test(e.message));
    // A name that is no distribution at all.
    await assert.rejects(inspectDist(join(dir, 'notes.txt')), (e: unknown) => e instanceof InputError && /"notes\.txt" is not a distribution file name/.test(e.message));
  } finally {
    cleanup();
  }
});

test('findDistFiles: directories expand to their distributions, sorted; explicit files kept; companions ignored', async () => {
  const { dir, cleanup } = tempDir('distsum-find-');
  try {
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'sub'), { recursive: true });
    const files = [
      'pkg-1.0.tar.gz',
      'pkg-1.0-py3-none-any.whl',
      'pkg-1.0-py3-none-any.whl.asc',
      'pkg-1.0.tar.gz.sig',
      'pkg-1.0.tar.gz.publish.attestation',
      'pkg-1.0.hashes.txt',
      'pkg-1.0.hashes.txt.sig',
      '.gitignore',
      'README',
      'Pkg-0.9.zip',
    ];
    for (const f of files) writeFileSync(join(dist, f), 'x');
    writeFileSync(join(dist, 'sub', 'inner-1.0.tar.gz'), 'x');
    symlinkSync(join(dist, 'pkg-1.0.tar.gz'), join(dist, 'linked-2.0.tar.gz'));
    mkdirSync(join(dist, 'dir-1.0.tar.gz'));
    const got = await findDistFiles([dist]);
    assert.deepEqual(got, ['Pkg-0.9.zip', 'linked-2.0.tar.gz', 'pkg-1.0-py3-none-any.whl', 'pkg-1.0.tar.gz'].map((f) => join(dist, f)));
    // Explicit files first, in argument order; a file named twice is listed once.
    const explicit = join(dist, 'pkg-1.0.tar.gz');
    assert.deepEqual(await findDistFiles([explicit, dist]), [explicit, ...got.filter((f) => f !== explicit)]);
    assert.deepEqual(await findDistFiles([explicit, explicit]), [explicit]);
  } finally {
    cleanup();
  }
});

test('findDistFiles: missing paths, explicit non-distributions and empty directories are UsageErrors', async () => {
  const { dir, cleanup } = tempDir('distsum-find-');
  try {
    const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);
    await assert.rejects(findDistFiles([join(dir, 'nope')]), usage(/nope: no such file or directory/));
    writeFileSync(join(dir, 'pkg-1.0.tar.gz.asc'), 'x');
    await assert.rejects(findDistFiles([join(dir, 'pkg-1.0.tar.gz.asc')]), usage(/pkg-1\.0\.tar\.gz\.asc: .*not a distribution file name/));
    await assert.rejects(findDistFiles([dir]), usage(/no distribution files/));
  } finally {
    cleanup();
  }
});
