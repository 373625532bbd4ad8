// The lookup answer written as bytes (lookupBody / inclusionBody) is byte for byte the JSON the
// object path gives (JSON.stringify(inclusionJson(...))), checked against an oracle built from the
// log's own reads (LogReader: whole-bundle parsing, proofs rehashed from stored tiles), for every
// kind of position in trees of many sizes, and every proof it serves verifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cachedLookupBody, inclusionBody, inclusionJson, lookupBody, proveLogged } from '../../src/server/inclusion.ts';
import type { Inclusion } from '../../src/server/inclusion.ts';
import { lookupFilename } from '../../src/server/entryreads.ts';
import { proofTailOf } from '../../src/server/proofs.ts';
import { tileCache } from '../../src/server/tilecache.ts';
import type { ServerDeps } from '../../src/server/deps.ts';
import { encodeEntry, parseEntry } from '../../src/log/entry.ts';
import type { Entry } from '../../src/log/entry.ts';
import { recordHash } from '../../src/tlog/hash.ts';
import { checkRecord } from '../../src/tlog/proof.ts';
import { checkTlogProof, formatTlogProof, parseTlogProof } from '../../src/tlog/tlogproof.ts';
import { TlogProofError } from '../../src/tlog/errors.ts';
import { HOSTILE_FILE, HOSTILE_VERSION, ORIGIN, entry, logFixture, manyEntries } from './support/fixture.ts';
import type { Fixture, Loose } from './support/fixture.ts';

let f: Fixture;
let size = 0;
before(async () => {
  f = await logFixture();
});
after(() => f.close());

// Entries that leave the plain-ASCII path: quotes and markup, non-ASCII, no blake2b digest.
const odd: Entry[] = [
  entry('hostile', HOSTILE_VERSION, HOSTILE_FILE),
  entry('unicode', '2.0', 'ünïcödé_pkg-2.0-py3-none-any.whl'),
  { project: 'nob2', version: '1.0', filename: 'nob2-1.0.tar.gz', size: 5, sha256: 'ab'.repeat(32) },
  entry('quotes', '1"0', 'quo"tes-1.0.tar.gz'),
];
const oddLeft = [...odd];

// Appends n entries, one of them odd (each odd entry once) when n > 4.
async function grow(n: number): Promise<void> {
  const es = manyEntries('p', n, size);
  if (n > 4 && oddLeft.length > 0) es[n >> 1] = oddLeft.shift()!;
  await f.append(es);
  size = (await f.open.reader.latestCheckpoint()).size;
}

// The expected answer from the log's own reads, not the server's caches.
async function oracle(filename: string): Promise<Buffer | undefined> {
  const r = f.open.reader;
  const logged = await r.lookupFilename(filename);
  if (logged === undefined) return undefined;
  const checkpoint = await r.latestCheckpoint();
  const inc: Inclusion = { logged, firstSeen: await r.firstSeen(logged.index), checkpoint, proof: await r.proveInclusion(logged.index, checkpoint.size) };
  return Buffer.from(JSON.stringify(inclusionJson(inc)), 'utf8');
}

// Every proof in an answer verifies: the audit path against the root, the tlog-proof against the signed note.
function verifies(body: Uint8Array): Loose {
  const j = JSON.parse(Buffer.from(body).toString('utf8'));
  const leaf = recordHash(Buffer.from(j.record, 'utf8'));
  assert.equal(Buffer.from(leaf).toString('base64'), j.leaf_hash);
  const proof = j.inclusion_proof.map((s: string) => new Uint8Array(Buffer.from(s, 'base64')));
  checkRecord(proof, j.checkpoint.size, new Uint8Array(Buffer.from(j.checkpoint.root_hash, 'base64')), j.index, leaf);
  const { checkpoint } = checkTlogProof(parseTlogProof(Buffer.from(j.tlog_proof, 'utf8')), leaf, ORIGIN, f.open.info.verifier);
  assert.equal(checkpoint.size, j.checkpoint.size);
  return j;
}

async function nameAt(index: number): Promise<string> {
  return (await f.open.reader.entries([index]))[0].entry.filename;
}

// Indexes worth checking in a tree of `size`: the ends, tile edges, the last (partial) tile, some random ones.
function positions(size: number, rnd: () => number): number[] {
  const last = size - 1;
  const lastTile = last - (last % 256);
  const want = [0, 1, last, last - 1, lastTile, lastTile + 1, 255, 256, 257, 511, 512, size >> 1];
  for (let k = 0; k < 12; k++) want.push(Math.floor(rnd() * size));
  return [...new Set(want.filter((i) => i >= 0 && i < size))];
}

test('lookupBody equals the object path and the oracle at every kind of position, as the tree grows', async () => {
  // A fixed pseudo-random sequence in [0, 1), so a failure names the same positions again.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const deps = f.parts.deps;
  // A cache with no room: nothing derived is kept, every read goes to the store.
  const bare: ServerDeps = { ...deps, cache: tileCache(f.open.reader, 0) };
  let checked = 0;
  for (const n of [1, 1, 253, 1, 2, 44, 256, 300, 7]) {
    await grow(n);
    for (const i of positions(size, next)) {
      const name = await nameAt(i);
      const want = await oracle(name);
      const fast = await lookupBody(deps, name);
      assert.ok(want !== undefined && fast !== undefined);
      assert.equal(Buffer.from(fast).toString('utf8'), want.toString('utf8'), `size ${size} index ${i}`);
      assert.ok(Buffer.from(fast).equals(want), `size ${size} index ${i}: same bytes`);
      // The object path (what the app serves) agrees too.
      const logged = (await lookupFilename(deps, name))!;
      assert.ok(Buffer.from(JSON.stringify(inclusionJson(await proveLogged(deps, logged))), 'utf8').equals(want));
      assert.ok(Buffer.from((await lookupBody(bare, name))!).equals(want), `size ${size} index ${i} (no cache room)`);
      assert.equal(verifies(fast).index, i);
      checked++;
    }
  }
  assert.ok(checked > 100, `checked ${checked}`);
  // The odd entries took the general path and came out the same.
  for (const e of odd) {
    const body = (await lookupBody(deps, e.filename))!;
    assert.ok(Buffer.from(body).equals((await oracle(e.filename))!), e.filename);
    assert.equal(verifies(body).entry.filename, e.filename);
  }
});

test('a grown tree gets proofs for its own size, never a cached smaller one', async () => {
  const deps = f.parts.deps;
  const names = await Promise.all([0, 300, size - 1].map(nameAt));
  const before = await Promise.all(names.map((n) => lookupBody(deps, n)));
  const oldSize = size;
  await grow(5);
  for (const [k, name] of names.entries()) {
    const body = (await lookupBody(deps, name))!;
    const j = verifies(body);
    assert.equal(j.checkpoint.size, size);
    assert.notEqual(Buffer.from(body).toString(), Buffer.from(before[k]!).toString());
    assert.equal(JSON.parse(Buffer.from(before[k]!).toString()).checkpoint.size, oldSize);
    assert.ok(Buffer.from(body).equals((await oracle(name))!));
  }
});

test('a cached entry bundle serves the entry; a missing name is undefined; an index candidate of another name is passed over', async () => {
  const deps = f.parts.deps;
  await deps.cache.entryBundle(1, 256, false);
  const name = await nameAt(300);
  assert.ok(Buffer.from((await lookupBody(deps, name))!).equals((await oracle(name))!));
  assert.equal(await lookupBody(deps, 'not-logged-1.0.tar.gz'), undefined);
  // A fresh cache, so the name is looked up in the index: a candidate that is another file (a key
  // collision) is passed over for the one that is this file, and alone it means not logged.
  const colliding = async (n: string) => [3, ...(await deps.findFilename(n))];
  assert.ok(Buffer.from((await lookupBody({ ...deps, cache: tileCache(deps.reader, 1 << 20), findFilename: colliding }, name))!).equals((await oracle(name))!));
  assert.equal(await lookupBody({ ...deps, cache: tileCache(deps.reader, 1 << 20), findFilename: async () => [3] }, name), undefined);
});

// The fixture's sources with a fresh cache of its own, counting the reads of the file name index.
function countingSources() {
  const deps = f.parts.deps;
  const count = { reads: 0 };
  const src = { ...deps, cache: tileCache(deps.reader, 8 << 20), findFilename: (n: string) => (count.reads++, deps.findFilename(n)) };
  return { deps, src, count };
}

test('cachedLookupBody answers from memory only, exactly as lookupBody, and never for a newer tree it has not proven', async () => {
  const { deps, src, count } = countingSources();
  const name = await nameAt(3);
  assert.equal(cachedLookupBody(src, name), undefined, 'nothing in memory yet');
  const slow = (await lookupBody(src, name))!;
  const fast = cachedLookupBody(src, name);
  assert.ok(fast !== undefined && Buffer.from(fast).equals(slow));
  assert.ok(Buffer.from(fast).equals((await oracle(name))!));
  assert.equal(count.reads, 1);
  // An entry in the last, partial tile is never answered from memory alone (its head may change).
  const last = await nameAt(size - 1);
  await lookupBody(src, last);
  assert.equal(cachedLookupBody(src, last), undefined);
  // A grown tree: until the tail for the new size is known, nothing; then the new tree's answer.
  await grow(3);
  deps.latest.invalidate();
  await deps.latest.get();
  assert.equal(cachedLookupBody(src, name), undefined);
  const grown = (await lookupBody(src, name))!;
  assert.equal(JSON.parse(Buffer.from(grown).toString()).checkpoint.size, size);
  assert.ok(Buffer.from(cachedLookupBody(src, name)!).equals(grown));
  assert.ok(Buffer.from(grown).equals((await oracle(name))!));
});

test('a found name is kept: looked up again, it needs no index read and gets the same answer', async () => {
  const { deps, src: counting, count } = countingSources();
  const name = await nameAt(7);
  const first = (await lookupBody(counting, name))!;
  const again = (await lookupBody(counting, name))!;
  assert.equal(count.reads, 1);
  assert.ok(Buffer.from(again).equals(first));
  assert.ok(Buffer.from(again).equals((await oracle(name))!));
  // Names not in the log are asked each time (they may be logged later).
  assert.equal(await lookupBody(counting, 'later-1.0.tar.gz'), undefined);
  assert.equal(await lookupBody(counting, 'later-1.0.tar.gz'), undefined);
  assert.equal(count.reads, 3);
  // Without room in the cache, every lookup reads the index.
  const bare = { ...counting, cache: tileCache(deps.reader, 0) };
  await lookupBody(bare, name);
  await lookupBody(bare, name);
  assert.equal(count.reads, 5);
});

// Valid entries, with the characters JSON escapes and non-ASCII in version and file name.
const token = fc
  .string({ unit: fc.constantFrom('a', 'Z', '0', '.', '"', '<', '&', "'", 'é', '👾', '—', '\u00ff'), minLength: 1, maxLength: 12 })
  .filter((s) => s !== '.' && s !== '..');
const validEntry = fc.record({
  project: fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}$/),
  version: token,
  filename: token,
  size: fc.nat(),
  sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  b2: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'))),
});
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

test('property: inclusionBody is JSON.stringify(inclusionJson) for random entries, proofs, notes and times', () => {
  fc.assert(
    fc.property(
      validEntry,
      fc.nat({ max: 2 ** 40 }),
      fc.array(hash, { maxLength: 8 }),
      fc.array(hash, { maxLength: 30 }),
      fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))), fc.uint8Array({ minLength: 1, maxLength: 80 })),
      fc.option(fc.integer({ min: -8.64e15, max: 8.64e15 })),
      fc.integer({ min: 0, max: 4e12 }),
      (r, index, head, tailHashes, note, seen, created) => {
        const e: Entry = { project: r.project, version: r.version, filename: r.filename, size: r.size, sha256: r.sha256 };
        if (r.b2 !== null) e.blake2b256 = r.b2;
        const data = encodeEntry(e);
        const logged = { index, entry: parseEntry(data), data };
        const checkpoint = { size: index + 1, hash: recordHash(note), note, created };
        const firstSeen = seen === null ? undefined : new Date(seen);
        const tail = proofTailOf(tailHashes);
        const body = inclusionBody({ logged, firstSeen, checkpoint, leaf: recordHash(data), head, tail });
        const want = JSON.stringify(inclusionJson({ logged, firstSeen, checkpoint, proof: [...head, ...tailHashes] }));
        assert.equal(Buffer.from(body).toString('utf8'), want);
        assert.ok(Buffer.from(body).equals(Buffer.from(want, 'utf8')));
        // Its tlog_proof is formatTlogProof's text.
        const tlog = formatTlogProof({ index, proof: [...head, ...tailHashes], checkpoint: note });
        assert.equal(JSON.parse(want).tlog_proof, Buffer.from(tlog).toString('utf8'));
      },
    ),
    { numRuns: 300 },
  );
});

test('inclusionBody refuses what formatTlogProof refuses', () => {
  const data = encodeEntry(entry('x', '1', 'x-1.tar.gz'));
  const logged = { index: 0, entry: parseEntry(data), data };
  const checkpoint = { size: 1, hash: recordHash(data), note: new TextEncoder().encode('o\n1\nx\n'), created: 0 };
  const parts = { logged, firstSeen: undefined, checkpoint, leaf: recordHash(data), head: [], tail: proofTailOf([]) };
  assert.throws(() => inclusionBody({ ...parts, logged: { ...logged, index: -1 } }), TlogProofError);
  assert.throws(() => inclusionBody({ ...parts, head: [new Uint8Array(31)] }), TlogProofError);
  assert.throws(() => inclusionBody({ ...parts, tail: proofTailOf(Array.from({ length: 65 }, () => new Uint8Array(32))) }), TlogProofError);
  assert.throws(() => inclusionBody({ ...parts, checkpoint: { ...checkpoint, note: new Uint8Array(0) } }), TlogProofError);
  assert.throws(() => inclusionJson({ logged, firstSeen: undefined, checkpoint: { ...checkpoint, note: new Uint8Array(0) }, proof: [] }), TlogProofError);
});
