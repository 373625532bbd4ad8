// `log audit`: a healthy log passes; each kind of damage is found and named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditLog } from '../../src/log/audit.ts';
import { openDataDir, createDataDir } from '../../src/log/datadir.ts';
import { encodeEntry } from '../../src/log/entry.ts';
import { EMPTY_EDGE, growEdge } from '../../src/log/edge.ts';
import { formatCheckpoint } from '../../src/tlog/checkpoint.ts';
import { generateKey, newSigner, signNote } from '../../src/tlog/note.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { ORIGIN, SEED, claim, entry, newLog, tempDir } from './helpers.ts';

// A log of 600 entries in several batches, closed; returns its directory.
async function healthyLog(t: Parameters<typeof newLog>[0]): Promise<string> {
  const { dir, log } = await newLog(t, { maxBatch: 250 });
  await log.writer!.append(Array.from({ length: 600 }, (_, i) => claim(entry(i, `p-${i % 5}`))));
  await log.close();
  return dir;
}

async function audit(dir: string) {
  const l = await openDataDir(dir, { now: () => new Date() });
  try {
    return await auditLog(l.store);
  } finally {
    await l.close();
  }
}

// Edits, in place, the pair of entry `index` in the index runs of `kind` (0 file name, 1 sha256).
function editPair(db: Database.Database, kind: number, index: number, edit: (page: Buffer, at: number) => void): void {
  const runs = db.prepare('SELECT count, first_page AS firstPage FROM runs WHERE kind = ?').all(kind) as { count: number; firstPage: number }[];
  for (const r of runs) {
    for (let p = r.firstPage; p < r.firstPage + Math.ceil(r.count / 1024); p++) {
      const page = db.prepare('SELECT data FROM run_pages WHERE id = ?').pluck().get(p) as Buffer;
      for (let at = 0; at < page.length; at += 8) {
        if (page.readUInt32LE(at + 4) !== index) continue;
        edit(page, at);
        db.prepare('UPDATE run_pages SET data = ? WHERE id = ?').run(page, p);
        return;
      }
    }
  }
  throw new Error(`no pair of entry ${index} in index ${kind}`);
}

function withDb(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'log.db'));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

test('a healthy log passes', async (t) => {
  const dir = await healthyLog(t);
  const r = await audit(dir);
  assert.deepEqual(r, { ok: true, origin: ORIGIN, size: 600, checkpoints: 4, entries: 600, problems: [] });
});

test('changed entry bytes break the tree, the tiles and the checkpoints that cover them', async (t) => {
  const dir = await healthyLog(t);
  withDb(dir, (db) => {
    const b = db.prepare('SELECT data FROM bundles WHERE n = 1').pluck().get() as Buffer;
    const at = b.indexOf('sha256:') + 7;
    b[at] = b[at] === 0x30 ? 0x31 : 0x30; // another hex digit: still a well-formed entry
    db.prepare('UPDATE bundles SET data = ? WHERE n = 1').run(b);
  });
  const r = await audit(dir);
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => /tile tile\/0\/001 in the store does not match/.test(p)), r.problems.join('\n'));
  assert.ok(r.problems.some((p) => /checkpoint 500: its root is not the root/.test(p)));
  assert.ok(r.problems.some((p) => /checkpoint 600: its root is not the root/.test(p)));
  assert.ok(!r.problems.some((p) => /checkpoint 250:/.test(p)), 'entries before the change still match checkpoint 250');
});

test('a forged checkpoint signature is reported with its size', async (t) => {
  const dir = await healthyLog(t);
  withDb(dir, (db) => {
    const note = db.prepare('SELECT note FROM checkpoints WHERE size = 250').pluck().get() as Buffer;
    note[note.length - 5] ^= 1;
    db.prepare('UPDATE checkpoints SET note = ? WHERE size = 250').run(note);
  });
  const r = await audit(dir);
  assert.equal(r.ok, false);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /^checkpoint 250: /);
});

test('a checkpoint signed by another key is reported', async (t) => {
  const dir = await healthyLog(t);
  const other = newSigner(generateKey(ORIGIN).signerKey);
  withDb(dir, (db) => {
    const hash = db.prepare('SELECT hash FROM checkpoints WHERE size = 500').pluck().get() as Buffer;
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 500, hash, extensions: [] }), [other]);
    db.prepare('UPDATE checkpoints SET note = ? WHERE size = 500').run(note);
  });
  const r = await audit(dir);
  assert.deepEqual(r.problems.length, 1);
  assert.match(r.problems[0], /^checkpoint 500: .*no verifiable signatures/);
});

test('a tampered tile, a missing bundle and missing index rows are found', async (t) => {
  const dir = await healthyLog(t);
  withDb(dir, (db) => {
    const tile = db.prepare('SELECT data FROM tiles WHERE level = 0 AND n = 0').pluck().get() as Buffer;
    tile[40] ^= 1;
    db.prepare('UPDATE tiles SET data = ? WHERE level = 0 AND n = 0').run(tile);
    // Index pages hold little-endian uint32 (key, entry index) pairs: move entry 7's sha256 pair to
    // an entry the tree does not have, and give entry 9's file-name pair another key.
    editPair(db, 1, 7, (page, at) => page.writeUInt32LE(9999, at + 4));
    editPair(db, 0, 9, (page, at) => page.writeUInt32LE((page.readUInt32LE(at) + 1) >>> 0, at));
  });
  let r = await audit(dir);
  assert.ok(r.problems.some((p) => /tile tile\/0\/000 in the store does not match/.test(p)), r.problems.join('\n'));
  assert.ok(r.problems.includes('entry 7 is missing from the sha256 index'), r.problems.join('\n'));
  assert.ok(r.problems.includes('the sha256 index holds entry 9999, which is not in the tree'));
  assert.ok(r.problems.includes('the file-name index files entry 9 under a key that is not its own'));
  assert.equal(r.problems.filter((p) => /index/.test(p)).length, 3, r.problems.join('\n'));
  withDb(dir, (db) => db.prepare('DELETE FROM bundles WHERE n = 2').run());
  r = await audit(dir);
  assert.ok(r.problems.some((p) => /entry bundle 2: missing/.test(p)), r.problems.join('\n'));
});

test('a log whose tree holds the same file name twice fails', async (t) => {
  // Built with the store API directly: the log itself would never write this.
  const dir = join(tempDir(t), 'data');
  await createDataDir(dir, ORIGIN, new Date(0), { seed: SEED, token: 't' });
  const signer = newSigner(generateKey(ORIGIN, SEED).signerKey);
  const a = entry(1);
  const recs = [encodeEntry(a), encodeEntry(entry(2)), encodeEntry({ ...a, sha256: 'ee'.repeat(32) })];
  const g = growEdge(EMPTY_EDGE, recs);
  const store = openSqliteStore(join(dir, 'log.db'), { writerLock: join(dir, 'writer.lock') });
  await store.readWrite(async (tx) => {
    await tx.putBundles(g.bundles);
    await tx.putTiles(g.tiles);
    await tx.indexEntries([
      { index: 0, filename: a.filename, project: a.project, sha256: Buffer.from(a.sha256, 'hex') },
      { index: 1, filename: entry(2).filename, project: a.project, sha256: Buffer.from(entry(2).sha256, 'hex') },
    ]);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 3, hash: g.root, extensions: [] }), [signer]);
    await tx.addCheckpoint({ size: 3, hash: g.root, note, created: 0 });
  });
  await store.close();
  const r = await audit(dir);
  assert.equal(r.ok, false);
  assert.ok(r.problems.includes(`file name ${a.filename} appears twice: entries 0 and 2`), r.problems.join('\n'));
});

test('an uninitialized store fails the audit', async (t) => {
  const dir = tempDir(t);
  const store = openSqliteStore(join(dir, 'log.db'), { create: true, writerLock: join(dir, 'writer.lock') });
  const r = await auditLog(store);
  await store.close();
  assert.equal(r.ok, false);
  assert.match(r.problems[0], /never initialized/);
});
