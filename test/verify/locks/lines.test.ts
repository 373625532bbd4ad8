import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hexLineIndex, lineOfDigests } from '../../../src/verify/locks/lines.ts';
import { hexArb } from './support.ts';

test('each digest maps to the line it is first written on', () => {
  const a = 'a'.repeat(64);
  const b = 'B'.repeat(32);
  const idx = hexLineIndex(`x\n  "${a}"\n\n${b} ${a}\nshort abc123\n`);
  assert.deepEqual([...idx], [
    [a, 2],
    [b.toLowerCase(), 4],
  ]);
  assert.equal(lineOfDigests(idx, [undefined, 'f'.repeat(64), b.toLowerCase()]), 4);
  assert.equal(lineOfDigests(idx, []), undefined);
});

test('property: a digest placed on line n is found on line n', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.stringMatching(/^[g-z :="{}\[\],]{0,20}$/), fc.option(hexArb(64), { nil: null })), { maxLength: 30 }), (rows) => {
      const text = rows.map(([filler, hex]) => (hex === null ? filler : `${filler}${hex}${filler}`)).join('\n');
      const idx = hexLineIndex(text);
      const first = new Map<string, number>();
      rows.forEach(([, hex], i) => {
        if (hex !== null && !first.has(hex)) first.set(hex, i + 1);
      });
      assert.deepEqual(new Map([...idx].filter(([k]) => first.has(k))), first);
    }),
    { numRuns: 300 },
  );
});
