import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkDigest, filenameProblem, isKnownHashName, projectNameProblem } from '../../src/index/names.ts';

test('project names: PEP 508 names pass, traversal and markup do not', () => {
  for (const ok of ['a', 'requests', 'zope.interface', 'Django', 'a_b-c.d', '3to2', 'x'.repeat(255)]) assert.equal(projectNameProblem(ok), undefined, ok);
  for (const bad of ['', '-a', 'a-', '.a', '../etc', 'a/b', 'a b', '<b>', 'a\nb', 'é', 'x'.repeat(256)]) assert.ok(projectNameProblem(bad), bad);
});

test('file names: real distribution files pass', () => {
  for (const ok of [
    'black-21.11b0-py3-none-any.whl',
    'poetry_core-1.5.0.tar.gz',
    'futures-3.2.0-py2-none-any.whl',
    'pytest-3.5.0-py2.py3-none-any.whl',
    'numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    'torch-2.2.0+cpu-cp311-cp311-linux_x86_64.whl',
    'pytz-2004d.tar.bz2',
    'Twisted-8.2.0.win32-py2.5.exe',
    'setuptools-0.6c11-py2.7.egg',
    'PyXML-0.8.4.zip',
    'foo-1.0.ZIP',
  ]) {
    assert.equal(filenameProblem(ok), undefined, ok);
  }
});

test('file names: separators, traversal, markup, control characters, non-distributions are refused', () => {
  for (const bad of ['', '../a-1.tar.gz', 'a/b-1.tar.gz', 'a\\b-1.tar.gz', '..a-1.tar.gz', 'a..b.tar.gz', '.a-1.tar.gz', '-a-1.tar.gz', '<img>.whl', 'a"b.whl', "a'b.whl", 'a&b.whl', 'a b.whl', 'a%2e.whl', 'a\u0000.whl', 'a\n.whl', 'a-1.py', 'a-1.tar.gz.py', '.whl', 'é-1.whl', `${'a'.repeat(252)}.whl`]) {
    assert.ok(filenameProblem(bad), JSON.stringify(bad));
  }
});

test('digests: known lengths, lowercase output, even-length hex for unknown algorithms', () => {
  assert.deepEqual(checkDigest('sha256', 'AB'.repeat(32)), { hex: 'ab'.repeat(32) });
  assert.deepEqual(checkDigest('md5', '0'.repeat(32)), { hex: '0'.repeat(32) });
  assert.deepEqual(checkDigest('blake2b_256', 'f'.repeat(64)), { hex: 'f'.repeat(64) });
  assert.deepEqual(checkDigest('newhash', 'abcd'), { hex: 'abcd' });
  for (const [n, v] of [['sha256', 'ab'], ['sha256', 'g'.repeat(64)], ['sha256', ' '.repeat(64)], ['md5', 'a'.repeat(64)], ['newhash', 'abc'], ['newhash', 'ab'.repeat(65)], ['SHA256', 'ab'.repeat(32)], ['sha-256', 'ab'.repeat(32)], ['sha256', 42]] as const) {
    assert.ok('problem' in checkDigest(n, v), `${n} ${v}`);
  }
  assert.equal(isKnownHashName('sha256'), true);
  assert.equal(isKnownHashName('egg'), false);
  assert.equal(isKnownHashName('constructor'), false);
});

test('property: a name that passes is safe as a path component and in HTML', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => {
      for (const name of [s, `${s}.whl`, `${s}.tar.gz`]) {
        if (filenameProblem(name) !== undefined) continue;
        assert.ok(!/[/\\<>"'&\s\u0000-\u001f]/.test(name) && !name.includes('..') && !name.startsWith('.'), name);
      }
      if (projectNameProblem(s) === undefined) assert.match(s, /^[A-Za-z0-9._-]+$/);
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 }), (h) => {
      assert.deepEqual(checkDigest('sha256', h), { hex: h.toLowerCase() });
    }),
  );
});
