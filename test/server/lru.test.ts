// The byte-bounded cache: the bound holds, recently used values survive eviction, statistics count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { byteLru } from '../../src/server/lru.ts';

test('evicts the oldest unused values to stay within the bound', () => {
  const c = byteLru<string>(10);
  c.set('a', 'A', 4);
  c.set('b', 'B', 4);
  assert.equal(c.get('a'), 'A'); // a was used: it gets a second chance
  c.set('c', 'C', 4); // needs 4 more bytes: b (unused) goes, not a
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 'A');
  assert.equal(c.get('c'), 'C');
  assert.deepEqual(c.stats(), { hits: 3, misses: 1, bytes: 8, items: 2 });
});

test('a value larger than the bound is not stored; replacing a key frees its old size', () => {
  const c = byteLru<number>(5);
  c.set('big', 1, 6);
  assert.equal(c.get('big'), undefined);
  c.set('k', 1, 5);
  c.set('k', 2, 3);
  assert.equal(c.get('k'), 2);
  assert.equal(c.stats().bytes, 3);
  assert.throws(() => c.set('x', 1, -1), RangeError);
  assert.throws(() => byteLru(1.5), RangeError);
});

test('random operations never exceed the bound and always return what was stored last', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 60 })), { maxLength: 200 }),
      (max, ops) => {
        const c = byteLru<number>(max);
        const last = new Map<string, number>();
        ops.forEach(([isSet, k, size], i) => {
          const key = `k${k}`;
          if (isSet) {
            c.set(key, i, size);
            if (size <= max) last.set(key, i);
            else last.delete(key);
          } else {
            const v = c.get(key);
            if (v !== undefined) assert.equal(v, last.get(key));
          }
          assert.ok(c.stats().bytes <= max);
        });
      },
    ),
  );
});
