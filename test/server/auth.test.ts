// The admin bearer token check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_AUTHORIZATION, bearerMatches } from '../../src/server/auth.ts';

const TOKEN = 'tOk3n-0123456789abcdef_XYZ';

test('accepts exactly "Bearer <token>" (scheme case-insensitive)', () => {
  assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`Bearer  ${TOKEN} `, TOKEN), true);
});

test('refuses everything else', () => {
  for (const h of [undefined, null, '', 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN.toUpperCase()}`]) {
    assert.equal(bearerMatches(h, TOKEN), false, String(h));
  }
  assert.equal(bearerMatches('Bearer ', ''), false);
  assert.equal(bearerMatches(`Bearer ${'a'.repeat(MAX_AUTHORIZATION)}`, 'a'.repeat(MAX_AUTHORIZATION)), false);
  fc.assert(fc.property(fc.string(), (s) => assert.equal(bearerMatches(s, TOKEN), s.trim().toLowerCase().startsWith('bearer ') && s.trim().slice(7).trim() === TOKEN)));
});
