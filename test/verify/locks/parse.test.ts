import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineAt, parseJsonLock, parseTomlLock } from '../../../src/verify/locks/parse.ts';
import { inputError } from './support.ts';

test('TOML: tables, large integers, errors with their line', () => {
  const t = parseTomlLock('a = 1\nbig = 9007199254740993\n[t]\nx = "y"\n', 'f.toml');
  assert.equal(t.a, 1);
  assert.equal(t.big, 9007199254740993n);
  assert.deepEqual({ ...(t.t as object) }, { x: 'y' });
  assert.throws(() => parseTomlLock('a = 1\nb = \n', 'f.toml'), inputError(/^f\.toml:2: not valid TOML: /));
  assert.throws(() => parseTomlLock('a = 1\na = 2\n', 'f.toml'), inputError(/^f\.toml:2: not valid TOML: /));
  assert.throws(() => parseTomlLock(`a = ${'['.repeat(100)}${']'.repeat(100)}`, 'f.toml'), inputError(/^f\.toml:1: not valid TOML: /));
});

test('JSON: an object at the top, bounded nesting, errors on one line', () => {
  assert.deepEqual(parseJsonLock('{"a": [1, {"b": "[[[["}]}', 'f.json'), { a: [1, { b: '[[[[' }] });
  assert.throws(() => parseJsonLock('[]', 'f.json'), inputError(/^f\.json: expected a JSON object at the top level$/));
  assert.throws(() => parseJsonLock('"x"', 'f.json'), inputError(/^f\.json: expected a JSON object/));
  assert.throws(() => parseJsonLock(`{"a": ${'['.repeat(64)}${']'.repeat(64)}}`, 'f.json'), inputError(/^f\.json:1: JSON nested deeper than 64 levels$/));
  assert.deepEqual(parseJsonLock(`{"a": ${'['.repeat(63)}${']'.repeat(63)}}`, 'f.json').a !== undefined, true);
  // Brackets inside strings (and escaped quotes) do not count as nesting.
  assert.ok(parseJsonLock(`{"a": "${'['.repeat(200)}\\"${'{'.repeat(200)}"}`, 'f.json'));
  assert.throws(() => parseJsonLock('{\n"a":\n}', 'f.json'), inputError(/^f\.json(:3)?: not valid JSON: /));
  assert.throws(() => parseJsonLock('{"a": "\u0000\r"}x', 'f.json'), (e: unknown) => inputError(/not valid JSON/)(e) && !/[\r\n\u0000]/.test((e as Error).message));
});

test('lineAt', () => {
  assert.equal(lineAt('a\nb\nc', 0), 1);
  assert.equal(lineAt('a\nb\nc', 2), 2);
  assert.equal(lineAt('a\nb\nc', 4), 3);
});
