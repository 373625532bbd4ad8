// From arguments to uploads: expansion (paths, directories, patterns as Python's glob matches them),
// our own manifests left out, and the checks made before any network traffic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SHARED } from '../support/cli.ts';
import { expandArguments, globToRegExp, planUploads, prepareUpload } from '../../src/upload/prepare.ts';
import { splitInputs } from '../../src/upload/inputs.ts';
import { digestFile } from '../../src/digest/index.ts';
import { InputError, UsageError } from '../../src/errors.ts';

const DISTS = join(SHARED, 'fixtures/dists');

function release(): string {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-prepare-'));
  mkdirSync(join(dir, 'dist'));
  copyFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), join(dir, 'dist/wheel-0.40.0-py3-none-any.whl'));
  copyFileSync(join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl'), join(dir, 'dist/poetry_core-1.5.0-py3-none-any.whl'));
  writeFileSync(join(dir, 'dist/wheel-0.40.0-py3-none-any.whl.asc'), '-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n');
  writeFileSync(join(dir, 'dist/wheel-0.40.0-py3-none-any.whl.publish.attestation'), '{"version": 1}');
  writeFileSync(join(dir, 'dist/wheel-0.40.0.hashes.txt'), '# distsum release manifest v1\n');
  writeFileSync(join(dir, 'dist/wheel-0.40.0.hashes.txt.sig'), 'sig');
  return dir;
}

test('a directory gives its distributions and their signature and attestation files; our manifests are skipped', async () => {
  const dir = release();
  try {
    const { paths, skipped } = await expandArguments(['dist'], dir);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)).sort(), [
      'dist/poetry_core-1.5.0-py3-none-any.whl',
      'dist/wheel-0.40.0-py3-none-any.whl',
      'dist/wheel-0.40.0-py3-none-any.whl.asc',
      'dist/wheel-0.40.0-py3-none-any.whl.publish.attestation',
    ]);
    assert.deepEqual(skipped, []);
    // A shell's dist/* names every file, our manifest too: it is set aside, not uploaded.
    const star = await expandArguments(['dist/wheel-0.40.0.hashes.txt', 'dist/wheel-0.40.0.hashes.txt.sig', 'dist/wheel-0.40.0-py3-none-any.whl'], dir);
    assert.equal(star.paths.length, 1);
    assert.equal(star.skipped.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path that does not exist is a pattern (as twine treats it); no match is a usage error', async () => {
  const dir = release();
  try {
    const { paths } = await expandArguments(['dist/*.whl'], dir);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['dist/poetry_core-1.5.0-py3-none-any.whl', 'dist/wheel-0.40.0-py3-none-any.whl']);
    await assert.rejects(expandArguments(['dist/*.zip'], dir), (e: unknown) => e instanceof UsageError && /dist\/\*\.zip/.test(e.message));
    await assert.rejects(expandArguments(['nope.whl'], dir), UsageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('glob patterns match as Python fnmatch does', () => {
  const pats = fc.sample(fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '?', '[', ']', '!', '-', 'z'), maxLength: 6 }), { numRuns: 400, seed: 3 });
  const names = fc.sample(fc.string({ unit: fc.constantFrom('a', 'b', '.', '-', 'z', ']', '!'), maxLength: 5 }), { numRuns: 40, seed: 4 });
  const fixed = ['[!]a]', '[]a]', '[z-a]', '[!z-a]', '[bz-ac]', '[a-b-c]', '[-a]', '[a-]', '[!', '[', 'a[!]'];
  const pairs = [...pats, ...fixed].flatMap((p) => [...names, ']', '!', '-', 'c', '['].map((n) => [p, n]));
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, json, fnmatch\njson.dump([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)], sys.stdout)'], {
    input: JSON.stringify(pairs),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  const expected: boolean[] = JSON.parse(r.stdout);
  pairs.forEach(([p, n], i) => assert.equal(globToRegExp(p).test(n), expected[i], `${JSON.stringify(p)} vs ${JSON.stringify(n)}`));
});

test('planning: signatures pair up by name, attestations when asked (and then required), duplicates refused', async () => {
  const dir = release();
  try {
    const { paths } = await expandArguments(['dist'], dir);
    const plain = await planUploads(splitInputs(paths), false);
    assert.deepEqual(plain.map((p) => p.info.filename), ['poetry_core-1.5.0-py3-none-any.whl', 'wheel-0.40.0-py3-none-any.whl']);
    assert.equal(plain[1].signature, join(dir, 'dist/wheel-0.40.0-py3-none-any.whl.asc'));
    assert.deepEqual(plain[1].attestations, []);
    // --attestations: poetry_core has none, which twine treats as an error.
    await assert.rejects(planUploads(splitInputs(paths), true), (e: unknown) => e instanceof UsageError && /poetry_core-1\.5\.0-py3-none-any\.whl has no attestation/.test(e.message));
    const one = await planUploads(splitInputs([join(dir, 'dist/wheel-0.40.0-py3-none-any.whl')]), true);
    assert.deepEqual(one[0].attestations, [join(dir, 'dist/wheel-0.40.0-py3-none-any.whl.publish.attestation')]);

    const p = await prepareUpload(one[0], await digestFile(one[0].info.path), { comment: 'c' });
    const names = p.form.map((f) => f.name);
    assert.ok(names.includes('gpg_signature') === false, 'the .asc was not among these inputs');
    assert.deepEqual(JSON.parse((p.form.find((f) => f.name === 'attestations') as { value: string }).value), [{ version: 1 }]);

    mkdirSync(join(dir, 'other'));
    copyFileSync(join(dir, 'dist/wheel-0.40.0-py3-none-any.whl'), join(dir, 'other/wheel-0.40.0-py3-none-any.whl'));
    await assert.rejects(planUploads(splitInputs([join(dir, 'dist/wheel-0.40.0-py3-none-any.whl'), join(dir, 'other/wheel-0.40.0-py3-none-any.whl')]), false), /two files are named/);
    await assert.rejects(planUploads(splitInputs([join(dir, 'dist/wheel-0.40.0-py3-none-any.whl.asc')]), false), /signature files cannot be uploaded by themselves/);
    await assert.rejects(planUploads(splitInputs([join(dir, 'dist')].map(() => join(dir, 'README'))), false), UsageError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a distribution whose name disagrees with its metadata is refused before anything is sent', async () => {
  const dir = release();
  try {
    copyFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), join(dir, 'dist/other-0.40.0-py3-none-any.whl'));
    await assert.rejects(planUploads(splitInputs([join(dir, 'dist/other-0.40.0-py3-none-any.whl')]), false), InputError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: any pattern compiles (a user may type anything)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (p) => {
      assert.ok(globToRegExp(p) instanceof RegExp);
    }),
    { numRuns: 1000 },
  );
});
