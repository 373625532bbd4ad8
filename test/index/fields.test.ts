import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkText, decodeUtf8, isObject, isoTime, nonNegativeInteger, own, parseJsonObject, resolveUrl } from '../../src/index/fields.ts';
import { IndexFormatError } from '../../src/index/errors.ts';

test('own() ignores inherited properties such as __proto__ and constructor', () => {
  const o = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
  assert.equal(own(o, 'a'), 1);
  assert.equal(own(o, 'constructor'), undefined);
  assert.equal(own(o, 'toString'), undefined);
  assert.deepEqual(own(o, '__proto__'), { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(isObject([]), false);
  assert.equal(isObject(null), false);
  assert.equal(isObject({}), true);
});

test('resolveUrl: relative links, fragments split off, only http(s), no credentials, bounded', () => {
  assert.deepEqual(resolveUrl('../f/a-1.whl#sha256=ab', 'https://x.test/simple/a/', 'w'), { url: 'https://x.test/simple/f/a-1.whl', fragment: 'sha256=ab' });
  assert.deepEqual(resolveUrl('//cdn.test/a-1.whl', 'https://x.test/simple/a/', 'w'), { url: 'https://cdn.test/a-1.whl', fragment: '' });
  assert.deepEqual(resolveUrl('https://x.test/a-1.whl', 'not a base', 'w'), { url: 'https://x.test/a-1.whl', fragment: '' });
  for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'data:,x', 'https://u:p@x.test/a', 'http://[::1', 'x'.repeat(20_000)]) {
    assert.throws(() => resolveUrl(bad, 'https://x.test/simple/a/', 'w'), IndexFormatError, bad.slice(0, 30));
  }
});

test('isoTime: PEP 700 upload times with a zone', () => {
  for (const ok of ['2023-03-14T15:10:00.828550Z', '2011-02-14T08:49:42Z', '2020-01-01T00:00:00+02:00', '2020-01-01T00:00:00.1Z']) assert.equal(isoTime(ok, 'w', 'f'), ok);
  for (const bad of ['2011-02-14T08:49:42', '2020-13-01T00:00:00Z', '2020-01-01 00:00:00Z', 'yesterday', 20200101, null]) {
    assert.throws(() => isoTime(bad, 'w', 'f'), IndexFormatError, String(bad));
  }
});

test('nonNegativeInteger, parseJsonObject, decodeUtf8', () => {
  assert.equal(nonNegativeInteger(0, 'w', 'f'), 0);
  for (const bad of [-1, 1.5, NaN, 2 ** 53, '1', null]) assert.throws(() => nonNegativeInteger(bad, 'w', 'f'), IndexFormatError);
  assert.deepEqual(parseJsonObject('{"a":[1]}', 'w'), { a: [1] });
  for (const bad of ['[1]', 'null', '"x"', '{', '']) assert.throws(() => parseJsonObject(bad, 'w'), IndexFormatError);
  assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'w'), 'a', 'BOM dropped');
  assert.throws(() => decodeUtf8(new Uint8Array([0xc3, 0x28]), 'w'), IndexFormatError);
});

test('deeply nested JSON is a value or a typed error, never a crash', () => {
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
  try {
    parseJsonObject(deep, 'w');
    assert.fail('an array is not an object');
  } catch (e) {
    assert.ok(e instanceof IndexFormatError);
  }
});

test('property: resolveUrl gives an http(s) URL without fragment or a typed error', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl({ withFragments: true })), (href) => {
      try {
        const r = resolveUrl(href, 'https://x.test/simple/a/', 'w');
        const u = new URL(r.url);
        assert.ok(u.protocol === 'https:' || u.protocol === 'http:');
        assert.equal(u.hash, '');
      } catch (e) {
        assert.ok(e instanceof IndexFormatError);
      }
    }),
  );
});

test('checkText: bounded, no control characters; line breaks only in free text', () => {
  assert.equal(checkText('>=3.8, <4', 'w', 'f', 100), '>=3.8, <4');
  assert.equal(checkText('broken\r\nuse 2.0\tinstead', 'w', 'f', 100, true), 'broken\r\nuse 2.0\tinstead');
  assert.throws(() => checkText('a\nb', 'w', 'requires-python', 100), /"requires-python" contains control characters/);
  assert.throws(() => checkText('a\u0000b', 'w', 'f', 100, true), /control characters/);
  assert.throws(() => checkText('a\u001bb', 'w', 'f', 100, true), /control characters/);
  assert.throws(() => checkText('abc', 'w', 'f', 2), /longer than 2/);
});
