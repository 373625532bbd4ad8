// The log: sequencing and dedup, alerts, signed checkpoints after each batch, proofs and tiles a
// client can verify with tlog, lookups, resume after reopening, and refusal of damaged state.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { recordHash } from '../../src/tlog/hash.ts';
import { openCheckpoint } from '../../src/tlog/checkpoint.ts';
import { generateKey, newSigner } from '../../src/tlog/note.ts';
import { checkRecord, checkTree } from '../../src/tlog/proof.ts';
import { entriesPath, parseEntryBundle, tilePath, tilesForSize } from '../../src/tlog/tile.ts';
import { tileHashReader } from '../../src/tlog/tilehash.ts';
import { storedHashIndex } from '../../src/tlog/stored.ts';
import { EntryError, encodeEntry } from '../../src/log/entry.ts';
import { openDataDir } from '../../src/log/datadir.ts';
import { startSequencer } from '../../src/log/sequencer.ts';
import { EMPTY_EDGE, growEdge } from '../../src/log/edge.ts';
import { auditLog } from '../../src/log/audit.ts';
import { StoreCorruptError } from '../../src/store/errors.ts';
import { InputError, SecurityError } from '../../src/errors.ts';
import { ORIGIN, claim, entry, newLog, steppingClock } from './helpers.ts';

test('appends new files, counts repeats as present, refuses changed bytes with one alert each', async (t) => {
  const { log } = await newLog(t);
  const w = log.writer!;
  const a = entry(1);
  const b = entry(2, 'proj-x', { b2: false });
  assert.deepEqual(await w.append([claim(a), claim(b)]), [
    { status: 'appended', index: 0 },
    { status: 'appended', index: 1 },
  ]);
  // Same digests; a claim with a blake2b the log lacks is no conflict either.
  const bWithB2 = { ...b, blake2b256: 'ab'.repeat(32), version: 'other' };
  assert.deepEqual(await w.append([claim(a), claim(bWithB2)]), [
    { status: 'present', index: 0 },
    { status: 'present', index: 1 },
  ]);
  // Other bytes under a logged name.
  const changed = { ...a, sha256: 'cd'.repeat(32) };
  const [c1] = await w.append([claim(changed, 'https://index.example/simple/proj-1/')]);
  assert.equal(c1.status, 'conflict');
  assert.equal(c1.index, 0);
  assert.ok(c1.status === 'conflict' && c1.alertId !== undefined);
  // The same changed value again: refused, no second alert. Another size: a new alert.
  const [c2, c3] = await w.append([claim(changed), claim({ ...a, size: a.size + 1 })]);
  assert.deepEqual(c2, { status: 'conflict', index: 0 });
  assert.ok(c3.status === 'conflict' && c3.alertId !== undefined && c3.alertId !== c1.alertId);

  const alerts = await w.listAlerts({ limit: 10 });
  assert.equal(alerts.length, 2);
  const al = alerts[0];
  assert.equal(al.kind, 'hash-changed');
  assert.equal(al.severity, 'critical');
  assert.equal(al.filename, a.filename);
  assert.equal(al.project, a.project);
  assert.deepEqual(al.details.logged, { size: a.size, sha256: a.sha256, blake2b_256: a.blake2b256 });
  assert.deepEqual(al.details.claimed, { size: a.size, sha256: 'cd'.repeat(32), blake2b_256: a.blake2b256, project: a.project, version: a.version });
  assert.equal(al.details.source, 'https://index.example/simple/proj-1/');
  assert.equal(al.details.index, 0);
  assert.match(String(al.details.seen), /^2024-01-01T/);
  // The entry never changes.
  assert.deepEqual((await w.lookupFilename(a.filename))?.entry, a);
  assert.equal(w.size(), 2);
  assert.equal(await w.resolveAlert(al.id), true);
  assert.deepEqual((await w.listAlerts({ open: true, limit: 10 })).map((x) => x.id), [alerts[1].id]);
});

test('duplicates within one batch: first seen wins', async (t) => {
  const { log } = await newLog(t);
  const a = entry(1);
  const out = await log.writer!.append([claim(a), claim(entry(2)), claim(a), claim({ ...a, sha256: '00'.repeat(32) })]);
  assert.deepEqual(out.slice(0, 3), [
    { status: 'appended', index: 0 },
    { status: 'appended', index: 1 },
    { status: 'present', index: 0 },
  ]);
  assert.equal(out[3].status, 'conflict');
  assert.equal(log.writer!.size(), 2);
  assert.equal((await log.reader.listAlerts({ limit: 5 })).length, 1);
});

test('invalid entries are refused before anything is queued', async (t) => {
  const { log } = await newLog(t);
  await assert.rejects(log.writer!.append([claim(entry(1)), claim({ ...entry(2), project: 'Not Normal' })]), EntryError);
  assert.equal(log.writer!.size(), 0);
  assert.equal((await log.reader.latestCheckpoint()).size, 0);
});

test('concurrent appends share batches; big appends are split; one signed checkpoint per batch', async (t) => {
  const { log } = await newLog(t, { maxBatch: 4 });
  const w = log.writer!;
  const all = Array.from({ length: 30 }, (_, i) => entry(i));
  const results = await Promise.all([w.append(all.slice(0, 10).map((e) => claim(e))), w.append(all.slice(10, 12).map((e) => claim(e))), w.append(all.slice(12, 30).map((e) => claim(e)))]);
  const indexes = results.flat().map((o) => o.index);
  assert.deepEqual(indexes, Array.from({ length: 30 }, (_, i) => i));
  const cps = await w.checkpoints(-1, 100);
  // Empty tree, then batches of at most 4 claims: ceil(30 / 4) = 8 batches.
  assert.equal(cps.length, 9);
  assert.deepEqual(cps.map((c) => c.size), [0, 4, 8, 12, 16, 20, 24, 28, 30]);
  for (const c of cps) {
    const { checkpoint } = openCheckpoint(c.note, ORIGIN, log.info.verifier);
    assert.equal(checkpoint.size, c.size);
    assert.deepEqual(checkpoint.hash, c.hash);
  }
});

test('proofs and tiles verify with tlog against signed checkpoints; the root matches an independent Python MTH', async (t) => {
  const { log } = await newLog(t, { maxBatch: 97 });
  const w = log.writer!;
  const entries = Array.from({ length: 700 }, (_, i) => entry(i, `p-${i % 13}`, { b2: i % 3 !== 0 }));
  for (let i = 0; i < entries.length; i += 150) await w.append(entries.slice(i, i + 150).map((e) => claim(e)));
  const cps = await w.checkpoints(-1, 100);
  const latest = await w.latestCheckpoint();
  assert.equal(latest.size, 700);

  // Every entry: inclusion proof in the latest tree and in a middle checkpoint's tree.
  const mid = cps[Math.floor(cps.length / 2)];
  for (let i = 0; i < 700; i += 7) {
    const leaf = recordHash(encodeEntry(entries[i]));
    checkRecord(await w.proveInclusion(i, 700), 700, latest.hash, i, leaf);
    if (i < mid.size) checkRecord(await w.proveInclusion(i, mid.size), mid.size, mid.hash, i, leaf);
  }
  // Every pair of checkpoints is consistent.
  for (const o of cps) for (const n of cps) if (o.size > 0 && o.size <= n.size) checkTree(await w.proveConsistency(o.size, n.size), n.size, n.hash, o.size, o.hash);
  await assert.rejects(w.proveInclusion(700, 700), InputError);
  await assert.rejects(w.proveConsistency(5, 701), InputError);

  // The tiles of an older checkpoint, as a client fetches them, authenticate against it.
  for (const c of [mid, latest]) {
    const tiles = new Map<string, Uint8Array>();
    for (const tile of tilesForSize(c.size)) tiles.set(tilePath(tile), (await w.tile(tile.level, tile.n, tile.width))!);
    const read = tileHashReader(c, tiles);
    const leaves = read(Array.from({ length: c.size }, (_, i) => storedHashIndex(0, i)));
    leaves.forEach((h, i) => assert.deepEqual(h, recordHash(encodeEntry(entries[i]))));
    // Entry bundles hold exactly the entries, also for a width narrower than stored.
    const n = Math.floor((c.size - 1) / 256);
    const width = c.size - n * 256;
    const bundle = (await w.entryBundle(n, width))!;
    assert.ok(bundle, entriesPath(n, width));
    assert.deepEqual(parseEntryBundle(bundle, width), entries.slice(n * 256, c.size).map(encodeEntry));
  }
  assert.equal(await w.tile(0, 2, 189), undefined);
  assert.equal(await w.tile(0, 3, 1), undefined);
  assert.equal(await w.entryBundle(2, 189), undefined);

  // An independent implementation: Python's hashlib and the RFC 6962 definition.
  const lines = entries.map((e) => Buffer.from(encodeEntry(e)).toString('base64')).join('\n');
  const py = spawnSync(
    'python3',
    [
      '-c',
      `import sys, base64, hashlib
recs = [base64.b64decode(l) for l in sys.stdin.read().split()]
def mth(d):
    if len(d) == 1: return hashlib.sha256(b"\\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d): k *= 2
    return hashlib.sha256(b"\\x01" + mth(d[:k]) + mth(d[k:])).digest()
print(base64.b64encode(mth(recs)).decode())`,
    ],
    { input: lines, encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), Buffer.from(latest.hash).toString('base64'));
});

test('lookups by file name, sha256 and project; first-seen time', async (t) => {
  const clock = steppingClock();
  const { log } = await newLog(t, { now: clock });
  const w = log.writer!;
  const es = Array.from({ length: 20 }, (_, i) => entry(i, i % 2 ? 'odd' : 'even'));
  await w.append(es.slice(0, 10).map((e) => claim(e)));
  await w.append(es.slice(10).map((e) => claim(e)));
  const hit = await w.lookupFilename(es[13].filename);
  assert.equal(hit?.index, 13);
  assert.deepEqual(hit?.entry, es[13]);
  assert.deepEqual(hit?.data, encodeEntry(es[13]));
  assert.equal(await w.lookupFilename('nope.whl'), undefined);
  assert.deepEqual((await w.lookupSha256(es[4].sha256)).map((x) => x.index), [4]);
  assert.deepEqual(await w.lookupSha256('00'.repeat(32)), []);
  await assert.rejects(w.lookupSha256('XYZ'), InputError);
  assert.deepEqual((await w.lookupProject('odd')).map((x) => x.index), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  assert.deepEqual((await w.lookupProject('odd', 5, 3)).map((x) => x.index), [7, 9, 11]);
  assert.deepEqual(await w.lookupProject('none'), []);
  const first = await w.firstSeen(3);
  const second = await w.firstSeen(15);
  assert.ok(first && second && first < second);
  assert.equal(await w.firstSeen(20), undefined);
  assert.deepEqual((await w.entries([19, 0])).map((x) => x.entry), [es[19], es[0]]);
});

test('reopening resumes from the last checkpoint; readers work while a writer runs', async (t) => {
  const { dir, log } = await newLog(t);
  await log.writer!.append([claim(entry(1)), claim(entry(2)), claim(entry(3))]);
  const before = await log.reader.latestCheckpoint();
  // A second opener can read concurrently.
  const reader = await openDataDir(dir, { now: () => new Date() });
  assert.equal((await reader.reader.latestCheckpoint()).size, 3);
  await reader.close();
  await log.close();
  const again = await openDataDir(dir, { writer: true, now: steppingClock(Date.UTC(2025, 0, 1)) });
  t.after(() => again.close());
  assert.equal(again.writer!.size(), 3);
  assert.deepEqual(await again.writer!.append([claim(entry(2)), claim(entry(4))]), [
    { status: 'present', index: 1 },
    { status: 'appended', index: 3 },
  ]);
  const after = await again.reader.latestCheckpoint();
  checkTree(await again.reader.proveConsistency(3, 4), 4, after.hash, 3, before.hash);
});

test('refuses to extend a store whose latest checkpoint does not verify, or with a foreign key', async (t) => {
  const { dir, log } = await newLog(t);
  await log.writer!.append([claim(entry(1))]);
  await log.close();
  // Another log's key in place of ours.
  const keyPath = join(dir, 'note.key');
  const ours = readFileSync(keyPath, 'utf8');
  writeFileSync(keyPath, generateKey(ORIGIN).signerKey + '\n', { mode: 0o600 });
  await assert.rejects(openDataDir(dir, { writer: true, now: () => new Date() }), (e: unknown) => e instanceof InputError && /not the key of this log/.test((e as Error).message));
  writeFileSync(keyPath, 'garbage\n', { mode: 0o600 });
  await assert.rejects(openDataDir(dir, { writer: true, now: () => new Date() }), /is not a note signer key/);
  writeFileSync(keyPath, ours, { mode: 0o600 });
  // Reading needs no key.
  const r = await openDataDir(dir, { now: () => new Date() });
  await r.close();

  // A tampered latest checkpoint (signature no longer matches).
  const db = new Database(join(dir, 'log.db'));
  const row = db.prepare('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; note: Buffer };
  const note = Buffer.from(row.note);
  note[note.indexOf('\n') + 1] ^= 1; // flips a digit of the size line
  db.prepare('UPDATE checkpoints SET note = ? WHERE size = ?').run(note, row.size);
  db.close();
  await assert.rejects(openDataDir(dir, { writer: true, now: () => new Date() }), StoreCorruptError);
});

test('entries read back are the bytes appended; a cut entry bundle is a StoreCorruptError', async (t) => {
  const { dir, log } = await newLog(t);
  const es = [entry(1), entry(2, 'proj-x'), entry(3)];
  await log.writer!.append(es.map((e) => claim(e)));
  const got = await log.reader.entries([2, 0, 1]);
  assert.deepEqual(
    got.map((x) => [x.index, x.entry]),
    [
      [2, es[2]],
      [0, es[0]],
      [1, es[1]],
    ],
  );
  for (const x of got) assert.deepEqual(new Uint8Array(x.data), encodeEntry(es[x.index]));
  await log.close();
  const db = new Database(join(dir, 'log.db'));
  db.prepare('UPDATE bundles SET data = substr(data, 1, length(data) - 5) WHERE n = 0').run();
  db.close();
  const again = await openDataDir(dir, { now: () => new Date() });
  t.after(() => again.close());
  await assert.rejects(again.reader.entries([0]), (e: unknown) => e instanceof StoreCorruptError && /entry bundle 0 is damaged/.test((e as Error).message));
});

test('refuses to extend a store whose tiles do not match the latest checkpoint', async (t) => {
  const { dir, log } = await newLog(t);
  await log.writer!.append([claim(entry(1)), claim(entry(2)), claim(entry(3))]);
  await log.close();
  const db = new Database(join(dir, 'log.db'));
  const tile = db.prepare('SELECT data FROM tiles WHERE level = 0 AND n = 0').pluck().get() as Buffer;
  tile[0] ^= 0xff;
  db.prepare('UPDATE tiles SET data = ? WHERE level = 0 AND n = 0').run(tile);
  db.close();
  await assert.rejects(openDataDir(dir, { writer: true, now: () => new Date() }), (e: unknown) => e instanceof StoreCorruptError && /does not hash to the latest checkpoint/.test((e as Error).message));
});

test('the sequencer never signs a tree that does not extend the last signed one', async (t) => {
  const { log } = await newLog(t);
  await log.writer!.append([claim(entry(1)), claim(entry(2))]);
  const latest = await log.reader.latestCheckpoint();
  const key = generateKey(ORIGIN, new Uint8Array(32).fill(7));
  // A sequencer handed a checkpoint the edge does not extend (another root of the same size).
  const seq = startSequencer({
    store: log.store,
    origin: ORIGIN,
    signer: newSigner(key.signerKey),
    now: () => new Date(),
    state: { edge: { ...EMPTY_EDGE, size: 0 }, checkpoint: { size: 0, hash: new Uint8Array(32) } },
  });
  await assert.rejects(seq.append([claim(entry(5))]), SecurityError);
  const wrong = startSequencer({
    store: log.store,
    origin: ORIGIN,
    signer: newSigner(key.signerKey),
    now: () => new Date(),
    state: {
      edge: growEdge(EMPTY_EDGE, [encodeEntry(entry(9)), encodeEntry(entry(8))]).edge,
      checkpoint: { size: 2, hash: latest.hash },
    },
  });
  await assert.rejects(wrong.append([claim(entry(6))]), (e: unknown) => e instanceof SecurityError && /does not extend the signed tree 2/.test((e as Error).message));
  assert.equal((await log.reader.latestCheckpoint()).size, 2);
});

test('a failed batch rejects its claims and leaves the log able to continue', async (t) => {
  const { log } = await newLog(t);
  const w = log.writer!;
  await w.append([claim(entry(1))]);
  const orig = log.store.readWrite;
  let fail = true;
  log.store.readWrite = ((fn: Parameters<typeof orig>[0]) =>
    orig.call(log.store, async (tx) => {
      const r = await fn(tx);
      if (fail) throw new Error('disk full');
      return r;
    })) as typeof orig;
  await assert.rejects(w.append([claim(entry(2)), claim(entry(3))]), /disk full/);
  fail = false;
  assert.equal(w.size(), 1);
  assert.deepEqual(await w.append([claim(entry(3)), claim(entry(2))]), [
    { status: 'appended', index: 1 },
    { status: 'appended', index: 2 },
  ]);
  assert.equal((await auditLog(log.store)).ok, true);
});

test('entryBundleSlice: any byte range of a stored bundle, shorter at its end, undefined without one', async (t) => {
  const { log } = await newLog(t);
  const w = log.writer!;
  const entries = Array.from({ length: 300 }, (_, i) => entry(i));
  await w.append(entries.map((e) => claim(e)));
  const whole = (await w.entryBundle(1, 44))!;
  assert.deepEqual(parseEntryBundle(whole, 44), entries.slice(256).map(encodeEntry));
  // Entry 3 of bundle 1, prefix included: where a lookup knows it lies.
  const e3 = encodeEntry(entries[259]);
  let at = 0;
  for (let k = 0; k < 3; k++) at += 2 + encodeEntry(entries[256 + k]).length;
  const slice = (await w.entryBundleSlice(1, at, 2 + e3.length))!;
  assert.deepEqual(slice, new Uint8Array([e3.length >> 8, e3.length & 255, ...e3]));
  assert.deepEqual(await w.entryBundleSlice(1, 0, whole.length), whole);
  assert.deepEqual(await w.entryBundleSlice(1, whole.length - 5, 100), whole.subarray(whole.length - 5));
  assert.equal((await w.entryBundleSlice(1, whole.length + 10, 3))!.length, 0);
  assert.equal(await w.entryBundleSlice(2, 0, 10), undefined);
});
