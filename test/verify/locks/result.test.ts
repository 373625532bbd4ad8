import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOCK_LIMITS } from '../../../src/verify/locks/limits.ts';
import { finishResult, lockedName, packageLabel } from '../../../src/verify/locks/result.ts';
import type { LockedFile } from '../../../src/verify/locks/types.ts';
import { inputError } from './support.ts';

const file = (name: string, sha: string, extra: Partial<LockedFile> = {}): LockedFile => ({ name, hashes: { sha256: sha.repeat(64) }, source: { path: 'l', line: 1 }, ...extra });

test('equal files are listed once, the first one kept; different ones all stay', () => {
  const files = [
    file('a', '1', { source: { path: 'l', line: 3 } }),
    file('a', '1', { source: { path: 'other', line: 9 } }),
    file('a', '1', { version: '1.0' }),
    file('a', '1', { filename: 'a-1.0.tar.gz' }),
    file('a', '1', { url: 'https://x/a-1.0.tar.gz' }),
    file('a', '2'),
    { name: 'b', hashes: { md5: 'c'.repeat(32), sha256: 'd'.repeat(64) }, source: { path: 'l' } },
    { name: 'b', hashes: { sha256: 'd'.repeat(64), md5: 'c'.repeat(32) }, source: { path: 'l' } },
  ];
  const r = finishResult('uv', 'l', files, []);
  assert.deepEqual(r.files, [files[0], files[2], files[3], files[4], files[5], files[6]]);
  assert.equal(r.format, 'uv');
});

test('bounds on files and warnings; warnings kept on one line', () => {
  const limits = { ...DEFAULT_LOCK_LIMITS, maxFiles: 2, maxWarnings: 2 };
  assert.throws(() => finishResult('uv', 'l', [file('a', '1'), file('a', '2'), file('a', '3')], [], limits), inputError(/^l: pins more than 2 files; split it or raise the limit$/));
  assert.equal(finishResult('uv', 'l', [file('a', '1'), file('a', '1'), file('a', '2')], [], limits).files.length, 2);
  const r = finishResult('uv', 'l', [], ['w1 line\nbreak', 'w2', 'w3', 'w4'], limits);
  assert.deepEqual(r.warnings, ['w1 line\\u000abreak', 'w2', 'l: 2 more warnings not shown']);
});

test('project names', () => {
  assert.equal(lockedName('Foo.Bar__Baz-qux', 'w'), 'foo-bar-baz-qux');
  assert.equal(lockedName('A', 'w'), 'a');
  for (const bad of ['', '-a', 'a-', 'a b', 'a/b', 'ä', 'a'.repeat(257)]) {
    assert.throws(() => lockedName(bad, 'w'), inputError(/^w: .* is not a valid project name$/), bad);
  }
  assert.equal(packageLabel('p', 'x', undefined), 'p: x');
  assert.equal(packageLabel('p', 'x', '1.0\n'), 'p: x 1.0\\u000a');
});
