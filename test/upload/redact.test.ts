// Secrets never survive redaction: registered passwords and tokens, their Basic-auth form, any PyPI
// token, and authorization header values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeRedactor, addBasicAuth, REDACTED, MIN_SECRET_LENGTH } from '../../src/upload/redact.ts';

test('hides registered secrets, their Basic form, PyPI tokens and authorization values', () => {
  const r = makeRedactor(['hunter2hunter2']);
  addBasicAuth(r, 'alice', 'correct horse');
  const basic = Buffer.from('alice:correct horse').toString('base64');
  const text = [
    'password hunter2hunter2 here',
    `header Authorization: Basic ${basic}`,
    `raw ${basic}`,
    'token pypi-AgEIcHlwaS5vcmcCJGQ4ZjBlMGQ2LWJkMGQtNDk0MS04',
    'authorization: Bearer eyJhbGciOi.something',
    'said correct horse twice: correct horse',
  ].join('\n');
  const out = r.redact(text);
  for (const secret of ['hunter2hunter2', basic, 'pypi-AgEIcHlwaS5vcmcCJGQ4ZjBlMGQ2LWJkMGQtNDk0MS04', 'eyJhbGciOi.something', 'correct horse']) {
    assert.ok(!out.includes(secret), `${secret} leaked in:\n${out}`);
  }
  assert.ok(out.includes(REDACTED));
  assert.ok(out.includes('pypi-<redacted>'));
});

test('secrets added later are hidden from then on; a secret containing another is hidden whole', () => {
  const r = makeRedactor();
  assert.equal(r.redact('abcdefgh'), 'abcdefgh');
  r.add('abcdef');
  r.add('abcdefghij');
  assert.equal(r.redact('x abcdefghij y abcdef'), `x ${REDACTED} y ${REDACTED}`);
});

test('very short values are not treated as secrets (they would mangle all output)', () => {
  const r = makeRedactor(['pw', 'abc']);
  assert.equal(r.redact('upload with pw abc'), 'upload with pw abc');
  assert.ok(MIN_SECRET_LENGTH >= 4);
});

test('property: no registered secret of the minimum length survives, wherever it is embedded', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 40 }).filter((x) => !x.includes('\0')),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      (secret, before, after) => {
        const r = makeRedactor([secret]);
        // The marker's own letters may spell a short secret ("redact"); what is outside the markers must not.
        const outside = r.redact(before + secret + after).split(REDACTED).join('\0');
        assert.ok(!outside.includes(secret));
      },
    ),
    { numRuns: 1000 },
  );
});
