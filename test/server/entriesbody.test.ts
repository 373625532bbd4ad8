// The POST /api/v1/entries body: JSON array or JSON lines of import objects; malformed entries
// are reported with their place, oversized requests refused; random input never crashes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TooManyEntriesError, parseEntriesBody } from '../../src/server/entriesbody.ts';
import { InputError } from '../../src/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const SHA = 'A'.repeat(64);
const obj = (i: number) => ({ project: 'Some_Project', version: '1.0', filename: `some_project-1.0-${i}.tar.gz`, size: i, sha256: SHA });

test('a JSON array: claims in order, normalized, with their place in the source', async () => {
  const r = await parseEntriesBody(enc(JSON.stringify([obj(1), obj(2)])), 'POST from x', 10);
  assert.equal(r.problems.length, 0);
  assert.deepEqual(
    r.claims.map((c) => [c.entry.project, c.entry.filename, c.entry.sha256, c.source]),
    [
      ['some-project', 'some_project-1.0-1.tar.gz', 'a'.repeat(64), 'POST from x, entry 1'],
      ['some-project', 'some_project-1.0-2.tar.gz', 'a'.repeat(64), 'POST from x, entry 2'],
    ],
  );
});

test('JSON lines (and a single object) with blank lines and CRLF', async () => {
  const r = await parseEntriesBody(enc(`${JSON.stringify(obj(1))}\r\n\n${JSON.stringify(obj(2))}`), 's', 10);
  assert.deepEqual(r.claims.map((c) => c.source), ['s, line 1', 's, line 3']);
  const one = await parseEntriesBody(enc(`  ${JSON.stringify(obj(5))}`), 's', 1);
  assert.equal(one.claims.length, 1);
});

test('malformed entries are problems naming the entry or line', async () => {
  const arr = await parseEntriesBody(enc(JSON.stringify([obj(1), { ...obj(2), sha256: 'zz' }, 7])), 's', 10);
  assert.equal(arr.claims.length, 1);
  assert.deepEqual(arr.problems.map((p) => p.where), ['entry 2', 'entry 3']);
  assert.match(arr.problems[0].message, /sha256/);
  const lines = await parseEntriesBody(enc(`${JSON.stringify(obj(1))}\nnot json\n${JSON.stringify({ ...obj(3), filename: 'a/b' })}\n`), 's', 10);
  assert.deepEqual(lines.problems.map((p) => p.where), ['line 2', 'line 3']);
});

test('too many entries, bad arrays and non-UTF-8 are refused as a whole', async () => {
  await assert.rejects(parseEntriesBody(enc(JSON.stringify([obj(1), obj(2), obj(3)])), 's', 2), TooManyEntriesError);
  await assert.rejects(parseEntriesBody(enc([obj(1), obj(2), obj(3)].map((o) => JSON.stringify(o)).join('\n')), 's', 2), TooManyEntriesError);
  await assert.rejects(parseEntriesBody(enc('[1, 2'), 's', 10), InputError);
  await assert.rejects(parseEntriesBody(new Uint8Array([0x5b, 0xff, 0x5d]), 's', 10), InputError);
});

test('random bodies give claims/problems or a typed error, never a crash', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.oneof(fc.constant(obj(1)), fc.anything()), { maxLength: 8 }).map((a) => enc(JSON.stringify(a))),
        fc.array(fc.string(), { maxLength: 8 }).map((a) => enc(a.join('\n'))),
      ),
      async (body) => {
        try {
          const r = await parseEntriesBody(body, 's', 5);
          assert.ok(r.claims.length + r.problems.length <= 5);
        } catch (e) {
          assert.ok(e instanceof InputError, String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
});
