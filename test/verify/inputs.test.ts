import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyInputs, findLockFiles } from '../../src/verify/inputs.ts';
import { UsageError } from '../../src/errors.ts';
import { tempDir } from './support/cli.ts';

test('lock files are found by their names in a directory', async (t) => {
  const d = tempDir(t);
  for (const n of ['uv.lock', 'poetry.lock', 'Pipfile.lock', 'pylock.toml', 'pylock.dev.toml', 'requirements.txt', 'requirements-dev.txt', 'notes.txt', 'setup.py']) writeFileSync(join(d, n), '');
  mkdirSync(join(d, 'requirements-dir.txt'));
  assert.deepEqual(
    (await findLockFiles(d)).map((p) => p.slice(d.length + 1)),
    ['Pipfile.lock', 'poetry.lock', 'pylock.dev.toml', 'pylock.toml', 'requirements-dev.txt', 'requirements.txt', 'uv.lock'],
  );
});

test('arguments: distribution files, wheelhouses, lock files; default: the lock files here', async (t) => {
  const d = tempDir(t);
  mkdirSync(join(d, 'wheels'));
  writeFileSync(join(d, 'wheels', 'a-1.0-py3-none-any.whl'), 'x');
  writeFileSync(join(d, 'wheels', 'a-1.0.tar.gz'), 'x');
  writeFileSync(join(d, 'wheels', 'a-1.0.tar.gz.asc'), 'x');
  mkdirSync(join(d, 'proj'));
  writeFileSync(join(d, 'proj', 'uv.lock'), '');
  writeFileSync(join(d, 'b-2.0-py3-none-any.whl'), 'x');
  writeFileSync(join(d, 'my.lock.json'), '{}');
  writeFileSync(join(d, 'requirements.txt'), '');
  const got = await classifyInputs(['wheels', 'proj', 'b-2.0-py3-none-any.whl', 'my.lock.json', 'wheels'], d);
  assert.deepEqual(got, {
    locks: [join(d, 'proj', 'uv.lock'), join(d, 'my.lock.json')],
    dists: [join(d, 'wheels', 'a-1.0-py3-none-any.whl'), join(d, 'wheels', 'a-1.0.tar.gz'), join(d, 'b-2.0-py3-none-any.whl')],
  });
  assert.deepEqual(await classifyInputs([], d), { locks: [join(d, 'requirements.txt')], dists: [] });
});

test('nothing to verify is a usage error naming the place', async (t) => {
  const d = tempDir(t);
  await assert.rejects(classifyInputs([], d), (e: unknown) => e instanceof UsageError && e.message.includes(d));
  await assert.rejects(classifyInputs(['missing.lock'], d), /missing\.lock: no such file/);
  mkdirSync(join(d, 'empty'));
  await assert.rejects(classifyInputs(['empty'], d), /empty: no distribution files or lock files/);
});
