// The batch lookup's parts: the request body parser (strict, bounded, never crashing on any input),
// and lookupBatch over a real log: one index query for all names, one checkpoint for all answers,
// damaged indexes reported instead of answered.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64Hashes, batchJson, lookupBatch, MAX_BATCH_NAMES, parseBatchRequest } from '../../src/server/batchlookup.ts';
import type { BatchSources } from '../../src/server/batchlookup.ts';
import { batchSources } from '../../src/server/routes/lookup.ts';
import { HttpError } from '../../src/server/httperror.ts';
import { recordHash } from '../../src/tlog/hash.ts';
import { checkRecord } from '../../src/tlog/proof.ts';
import { logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture } from './support/fixture.ts';

const enc = new TextEncoder();
const body = (v: unknown) => enc.encode(JSON.stringify(v));

test('parseBatchRequest: the names, in order; anything else is a 400', () => {
  assert.deepEqual(parseBatchRequest(body({ filenames: ['b.whl', 'a.whl'], extra: 1 })), ['b.whl', 'a.whl']);
  assert.deepEqual(parseBatchRequest(body({ filenames: [] })), []);
  assert.deepEqual(parseBatchRequest(body({ filenames: ['a', 'b', 'c'] }), 3), ['a', 'b', 'c']);
  const bad: [Uint8Array, number][] = [
    [body({ filenames: ['a', 'b', 'c'] }), 2],
    [enc.encode('{"filenames": ["a"'), MAX_BATCH_NAMES],
    [new Uint8Array([0x7b, 0xff, 0x7d]), MAX_BATCH_NAMES],
    [body('filenames'), MAX_BATCH_NAMES],
    [body({ filenames: ['a', 'a'] }), MAX_BATCH_NAMES],
  ];
  for (const [data, max] of bad) assert.throws(() => parseBatchRequest(data, max), (e: unknown) => e instanceof HttpError && e.status === 400);
});

test('parseBatchRequest: random bytes and random JSON give names or a 400, never a crash', () => {
  const check = (data: Uint8Array) => {
    try {
      const names = parseBatchRequest(data, 5);
      assert.ok(Array.isArray(names) && names.length <= 5);
      assert.equal(new Set(names).size, names.length);
      for (const n of names) assert.ok(typeof n === 'string' && n.length >= 1 && n.length <= 1024);
    } catch (e) {
      assert.ok(e instanceof HttpError && e.status === 400, String(e));
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 500 });
  fc.assert(fc.property(fc.jsonValue(), (v) => check(body(v))), { numRuns: 500 });
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 8 }), (names) => check(body({ filenames: names }))), { numRuns: 500 });
});

test('parseBatchRequest: any list of distinct names round-trips through JSON', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), { maxLength: 20 }), (names) => {
      assert.deepEqual(parseBatchRequest(body({ filenames: names }), 20), names);
    }),
    { numRuns: 300 },
  );
});

test('property: base64Hashes is each hash\'s canonical base64', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }), (hs) => {
      assert.deepEqual(base64Hashes(hs), hs.map((h) => Buffer.from(h).toString('base64')));
    }),
    { numRuns: 300 },
  );
});

let f: Fixture;
before(async () => {
  f = await logFixture();
  await f.append(manyEntries('beta', 700));
});
after(() => f.close());

/** The fixture's batch sources, counting index queries. */
function counted(over: Partial<BatchSources> = {}) {
  const calls: string[][] = [];
  const d = f.parts.deps;
  const src: BatchSources = {
    findFilenames: async (names) => {
      calls.push(names);
      return Promise.all(names.map((n) => d.findFilename(n)));
    },
    latest: d.latest,
    cache: d.cache,
    firstSeen: d.firstSeen,
    reader: d.reader,
    ...over,
  };
  return { src, calls };
}

test('lookupBatch: one index query, one checkpoint, proofs that lead to its root', async () => {
  const names = ['beta-1.233-699.tar.gz', 'missing.whl', 'beta-1.0-0.tar.gz', 'beta-1.85-256.tar.gz', 'beta-1.85-255.tar.gz'];
  const { src, calls } = counted();
  const b = await lookupBatch(src, names);
  assert.deepEqual(calls, [names]);
  assert.equal(b.checkpoint.size, 700);
  assert.deepEqual(b.items.map((i) => [i.filename, i.found?.logged.index]), [[names[0], 699], [names[1], undefined], [names[2], 0], [names[3], 256], [names[4], 255]]);
  for (const it of b.items) {
    if (it.found === undefined) continue;
    checkRecord(it.found.proof, b.checkpoint.size, b.checkpoint.hash, it.found.logged.index, recordHash(it.found.logged.data));
    assert.equal(it.found.logged.entry.filename, it.filename);
  }
  const j = batchJson(b);
  assert.deepEqual(j.results[1], { filename: 'missing.whl', found: false });
  assert.equal(j.checkpoint.size, 700);
  assert.equal(j.results[0].found && j.results[0].record, new TextDecoder().decode(b.items[0].found!.logged.data));
  assert.deepEqual(await lookupBatch(src, []).then((x) => x.items), []);
  assert.equal(calls.length, 1, 'no query for no names');
});

test('lookupBatch: each entry bundle is read once for the batch', async () => {
  const d = f.parts.deps;
  const reads: number[] = [];
  const { src } = counted({ reader: { ...d.reader, entryBundle: (n, w) => (reads.push(n), d.reader.entryBundle(n, w)) } });
  const names = ['beta-1.233-699.tar.gz', 'beta-1.0-0.tar.gz', 'beta-1.85-256.tar.gz', 'beta-1.1-5.tar.gz', 'beta-1.85-255.tar.gz', 'beta-1.200-600.tar.gz'];
  const b = await lookupBatch(src, names);
  assert.deepEqual(b.items.map((i) => i.found?.logged.index), [699, 0, 256, 5, 255, 600]);
  assert.deepEqual(reads, [0, 1, 2], 'bundles 0, 1 and 2, once each');
});

test('lookupBatch: an index candidate that is another file is passed over, not answered', async () => {
  const d = f.parts.deps;
  const { src } = counted({ findFilenames: async (names) => Promise.all(names.map(async (n) => [3, ...(await d.findFilename(n))])) });
  const b = await lookupBatch(src, ['beta-1.0-0.tar.gz', 'beta-1.1-5.tar.gz', 'missing.whl']);
  assert.deepEqual(b.items.map((i) => i.found?.logged.index), [0, 5, undefined]);
  const { src: only } = counted({ findFilenames: async (names) => names.map(() => [3]) });
  assert.deepEqual((await lookupBatch(only, ['beta-1.0-0.tar.gz'])).items.map((i) => i.found), [undefined]);
});

test('batchSources: a batched index read when the deps offer one, else one read per name', async () => {
  const d = f.parts.deps;
  const single: string[] = [];
  const perName = batchSources({ ...d, findFilenames: undefined, findFilename: async (n) => (single.push(n), d.findFilename(n)) });
  assert.deepEqual(await perName.findFilenames(['beta-1.0-1.tar.gz', 'x']), [[1], []]);
  assert.deepEqual(single, ['beta-1.0-1.tar.gz', 'x']);
  const many: string[][] = [];
  const batched = batchSources({ ...d, findFilenames: async (ns: string[]) => (many.push(ns), ns.map(() => [5])) });
  assert.deepEqual(await batched.findFilenames(['a', 'b']), [[5], [5]]);
  assert.deepEqual(many, [['a', 'b']]);
});
