import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flatString, isArrayIndex, jsonString, jsonValue, mapJson, objectJson } from '../../src/monitor/json.ts';

// What JSON.stringify writes for an object with these entries (prototype-less, so that `__proto__`
// is a key like any other): the oracle every function here must equal.
function stringifyEntries(entries: Iterable<[string, unknown]>): string {
  const o = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of entries) o[k] = v;
  return JSON.stringify(o);
}

// Strings with everything JSON escapes or orders specially.
const special = fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', 'é', '/', '<');
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((p) => p.join('')));
// Keys an object orders first (array indexes) and near misses.
const numeric = fc.oneof(
  fc.constantFrom('0', '2', '10', '4294967294', '4294967295', '4294967296', '01', '-1', '-0', '1.0', '1e3', ' 1', '9999999999', '12345678901'),
  fc.nat().map(String),
);
const key = fc.oneof(text, numeric, fc.constant('__proto__'), fc.constant('constructor'));
const value = fc.oneof(
  text,
  fc.double(),
  fc.integer({ min: 0, max: 2 ** 45 }),
  fc.constantFrom(null, undefined, -0, NaN, Infinity, true),
  fc.record({ status: fc.constantFrom('ok', 'pending'), files: text, checked: fc.nat() }),
  fc.array(fc.oneof(fc.nat(), fc.constant(null)), { maxLength: 2 }),
);

test('jsonString and jsonValue write what JSON.stringify writes', () => {
  for (const s of ['', 'plain', 'a"b', 'a\\b', '\n', '\u0000', '\ud800', '\ud83d\ude00', '\u2028']) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  fc.assert(fc.property(text, (s) => assert.equal(jsonString(s), JSON.stringify(s))));
  fc.assert(fc.property(value, (v) => assert.equal(jsonValue(v), JSON.stringify(v))));
});

test('isArrayIndex: canonical decimal integers from 0 to 2^32 - 2', () => {
  for (const k of ['0', '7', '10', '4294967294']) assert.equal(isArrayIndex(k), true, k);
  for (const k of ['', '4294967295', '01', '-1', '-0', '1.0', '1e3', ' 1', 'a', '12345678901']) assert.equal(isArrayIndex(k), false, k);
  // The object model decides: an index key is listed before a key added earlier.
  fc.assert(
    fc.property(key, (k) => {
      const o = Object.create(null) as Record<string, number>;
      o.x = 1;
      o[k] = 2;
      assert.equal(Object.keys(o)[0] === k && k !== 'x', isArrayIndex(k), JSON.stringify(k));
    }),
  );
});

test('mapJson and objectJson write what JSON.stringify writes for an object of the same entries', () => {
  const m = new Map<string, unknown>([
    ['b', 1],
    ['10', 'ten'],
    ['__proto__', { status: 'ok' }],
    ['2', null],
    ['skip', undefined],
    ['a"', NaN],
  ]);
  assert.equal(mapJson(m), '{"2":null,"10":"ten","b":1,"__proto__":{"status":"ok"},"a\\"":null}');
  assert.equal(mapJson(new Map()), '{}');
  const entries = fc.uniqueArray(fc.tuple(key, value), { selector: (e) => e[0], maxLength: 12 });
  fc.assert(
    fc.property(entries, (es) => {
      const want = stringifyEntries(es);
      assert.equal(mapJson(new Map(es)), want);
      const byKey = new Map(es);
      assert.equal(
        objectJson(
          es.map((e) => e[0]),
          (k) => jsonValue(byKey.get(k)),
        ),
        want,
      );
    }),
    { numRuns: 500 },
  );
});

test('flatString gives back the same string', () => {
  fc.assert(fc.property(fc.array(text, { maxLength: 8 }), (parts) => {
    let s = '';
    for (const p of parts) s += p;
    assert.equal(flatString(s), parts.join(''));
  }));
});
