import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { addHash, checkHash, hashesFromTable, HEX_LENGTHS, normalizeHashAlgorithm, parseHash } from '../../../src/verify/locks/hashes.ts';
import { inputError, python } from './support.ts';

test('hex lengths are what python3 hashlib says each algorithm produces', () => {
  const sizes = python<Record<string, number>>(
    `import hashlib, json; print(json.dumps({a: (hashlib.blake2b(digest_size=32) if a == 'blake2b_256' else hashlib.new(a)).digest_size * 2 for a in ${JSON.stringify(Object.keys(HEX_LENGTHS))}}))`,
    null,
  );
  assert.deepEqual(sizes, HEX_LENGTHS);
});

test('digests are checked and put in one spelling', () => {
  assert.deepEqual(checkHash('SHA256', 'AB'.repeat(32), 'w'), ['sha256', 'ab'.repeat(32)]);
  assert.deepEqual(checkHash('blake2b-256', 'c'.repeat(64), 'w'), ['blake2b_256', 'c'.repeat(64)]);
  assert.deepEqual(checkHash('md5', 'D'.repeat(32), 'w'), ['md5', 'd'.repeat(32)]);
  assert.deepEqual(checkHash('sha3_256', 'Base64+/=', 'w'), ['sha3_256', 'Base64+/=']);
  assert.equal(normalizeHashAlgorithm(' Blake2b-256 '), 'blake2b_256');
  assert.deepEqual(parseHash(`sha256:${'e'.repeat(64)}`, ':', 'w'), ['sha256', 'e'.repeat(64)]);
  assert.deepEqual(parseHash(`sha256=${'e'.repeat(64)}`, '=', 'w'), ['sha256', 'e'.repeat(64)]);
  for (const [alg, d, re] of [
    ['sha256', 'e'.repeat(63), /^w: the sha256 digest "e{63}" is not 64 hex digits$/],
    ['sha256', 'g'.repeat(64), /is not 64 hex digits$/],
    ['md5', 'a'.repeat(64), /^w: the md5 digest .* is not 32 hex digits$/],
    ['', 'abc', /^w: "" is not a hash algorithm name$/],
    ['sha 256', 'abc', /is not a hash algorithm name$/],
    ['__proto__', 'abc', /is not a hash algorithm name$/],
    ['weird', 'has space', /^w: the weird digest is empty, too long or has spaces$/],
    ['weird', '', /too long or has spaces$/],
  ] as const) {
    assert.throws(() => checkHash(alg, d, 'w'), inputError(re), `${alg}:${d}`);
  }
  assert.throws(() => parseHash('nocolon', ':', 'w'), inputError(/^w: "nocolon" is not a hash of the form <algorithm>:<hex>$/));
  assert.throws(() => parseHash(':abc', ':', 'w'), InputError);
});

test('one algorithm, one digest per file', () => {
  const h = {};
  addHash(h, ['sha256', 'a'.repeat(64)], 'w');
  addHash(h, ['sha256', 'a'.repeat(64)], 'w');
  addHash(h, ['md5', 'b'.repeat(32)], 'w');
  assert.deepEqual(h, { sha256: 'a'.repeat(64), md5: 'b'.repeat(32) });
  assert.throws(() => addHash(h, ['sha256', 'c'.repeat(64)], 'w'), inputError(/^w: two different sha256 digests for one file$/));
  assert.throws(() => hashesFromTable({ sha256: 'a'.repeat(64), SHA256: 'b'.repeat(64) }, 'w'), inputError(/two different sha256 digests/));
  assert.deepEqual(hashesFromTable({ constructor: 'x1', SHA256: 'A'.repeat(64) }, 'w'), { constructor: 'x1', sha256: 'a'.repeat(64) });
  assert.deepEqual(hashesFromTable(undefined, 'w'), {});
});

test('property: checkHash returns a value or an InputError, and what it returns checks again unchanged', () => {
  fc.assert(
    fc.property(fc.oneof(fc.constantFrom(...Object.keys(HEX_LENGTHS), 'SHA256', 'Blake2b-256', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 12 })), fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,130}$/), fc.string({ maxLength: 40 })), (alg, d) => {
      let out: [string, string];
      try {
        out = checkHash(alg, d, 'w');
      } catch (err) {
        assert.ok(err instanceof InputError);
        return;
      }
      assert.deepEqual(checkHash(out[0], out[1], 'w'), out);
      const want = Object.hasOwn(HEX_LENGTHS, out[0]) ? HEX_LENGTHS[out[0]] : undefined;
      if (want !== undefined) assert.match(out[1], new RegExp(`^[0-9a-f]{${want}}$`));
    }),
    { numRuns: 2000 },
  );
});
