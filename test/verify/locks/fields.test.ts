import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { clean, describe, field, isTable, optArray, optSize, optString, optTable, quote } from '../../../src/verify/locks/fields.ts';
import { inputError } from './support.ts';

test('tables are plain objects (JSON) or null-prototype ones (smol-toml), nothing else', () => {
  const toml = parse('[t]\nd = 2020-01-01T00:00:00Z\n');
  assert.ok(isTable(toml) && isTable(toml.t));
  assert.ok(isTable({}) && isTable(JSON.parse('{"a": 1}')));
  for (const v of [[], null, 'x', 1, new Date(), (toml.t as { d: unknown }).d, new Map()]) assert.equal(isTable(v), false);
});

test('fields are own properties of the right type', () => {
  const t = JSON.parse('{"s": "x", "n": 5, "big": 1, "a": [1], "t": {}}');
  assert.equal(field(t, 'constructor'), undefined);
  assert.equal(optString(t, 'toString', 'w'), undefined);
  assert.equal(optString(t, 's', 'w'), 'x');
  assert.throws(() => optString(t, 'n', 'w'), inputError(/^w: "n" must be a string$/));
  assert.deepEqual(optArray(t, 'a', 'w'), [1]);
  assert.throws(() => optArray(t, 's', 'w'), inputError(/^w: "s" must be an array$/));
  assert.deepEqual(optTable(t, 't', 'w'), {});
  assert.throws(() => optTable(t, 'a', 'w'), inputError(/^w: "a" must be a table$/));
  assert.equal(optSize(t, 'n', 'w'), 5);
  assert.equal(optSize({ b: 2n ** 40n }, 'b', 'w'), 2 ** 40);
  for (const bad of [-1, 1.5, 2 ** 53, '5', 2n ** 64n]) assert.throws(() => optSize({ s: bad }, 's', 'w'), inputError(/^w: "s" must be a non-negative integer$/), String(bad));
});

test('untrusted text in messages stays on one line', () => {
  assert.equal(quote('a"b\n'), '"a\\"b\\n"');
  assert.equal(quote('x'.repeat(100), 5), '"xxxxx..."');
  assert.equal(quote('\u2028'), '"\\u2028"');
  assert.equal(clean('a\r\nb\u0085\u2029\tc'), 'a\\u000d\\u000ab\\u0085\\u2029\\u0009c');
  assert.equal(clean('abcdef', 3), 'abc...');
  assert.equal(describe([1]), 'an array');
  assert.equal(describe(Object.create(null)), 'a table');
  assert.equal(describe(2n), '2');
  assert.equal(describe('v'), '"v"');
});
