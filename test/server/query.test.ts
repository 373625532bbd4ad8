// URL parts: raw paths keep their encoding, segments decode strictly, parameters are bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_PARAM, boolParam, decodeSegment, intParam, param, rawPath } from '../../src/server/query.ts';
import { HttpError } from '../../src/server/httperror.ts';

const is400 = (e: unknown) => e instanceof HttpError && e.status === 400;

test('rawPath keeps percent-encoding and drops query and fragment', () => {
  assert.equal(rawPath('http://h:1/lookup/a%2Fb?x=1#f'), '/lookup/a%2Fb');
  assert.equal(rawPath('http://[::1]:8080/tile/0/000'), '/tile/0/000');
  assert.equal(rawPath('http://h'), '/');
  assert.equal(rawPath('http://h/a#b?c'), '/a');
  fc.assert(
    fc.property(fc.webPath(), fc.webQueryParameters(), (path, q) => {
      const p = path === '' ? '/' : path;
      assert.equal(rawPath(`http://example.org${p}?${q}`), p);
    }),
  );
});

test('decodeSegment decodes UTF-8 and refuses bad encodings and empty segments', () => {
  assert.equal(decodeSegment('caf%C3%A9%20%3Cx%3E', 'name'), 'café <x>');
  assert.throws(() => decodeSegment('%E0%A4%A', 'name'), is400);
  assert.throws(() => decodeSegment('%FF', 'name'), is400);
  assert.throws(() => decodeSegment('', 'name'), is400);
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (s) => {
      try {
        decodeSegment(s, 'x');
      } catch (e) {
        assert.ok(is400(e));
      }
    }),
  );
});

test('parameters: bounded, integers in range, booleans', () => {
  const u = new URL(`http://h/?a=${'x'.repeat(MAX_PARAM + 1)}&n=42&neg=-1&bad=4x&big=99999999999999999&t=yes&f=0&z=maybe`);
  assert.throws(() => param(u, 'a'), is400);
  assert.equal(param(u, 'missing'), undefined);
  assert.equal(intParam(u, 'n', 0, 100, 7), 42);
  assert.equal(intParam(u, 'missing', 0, 100, 7), 7);
  assert.equal(intParam(u, 'neg', -1, 100, 7), -1);
  assert.throws(() => intParam(u, 'n', 0, 10, 7), is400);
  assert.throws(() => intParam(u, 'bad', 0, 100, 7), is400);
  assert.throws(() => intParam(u, 'big', 0, Number.MAX_SAFE_INTEGER, 7), is400);
  assert.equal(boolParam(u, 't'), true);
  assert.equal(boolParam(u, 'f'), false);
  assert.equal(boolParam(u, 'missing'), undefined);
  assert.throws(() => boolParam(u, 'z'), is400);
});
