// The SQLite store: every operation of the Store interface, transaction atomicity and isolation, the
// single-writer lock (in-process and across processes, including after kill -9), and bad files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { NewAlert, ReadTx, Store } from '../../src/store/store.ts';
import Database from 'better-sqlite3';
import { StoreConflictError, StoreCorruptError, StoreIOError, StoreMissingError, WriterLockedError } from '../../src/store/errors.ts';
import { ExitCode } from '../../src/errors.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'distsum-store-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function writable(dir: string): Store {
  return openSqliteStore(join(dir, 'log.db'), { create: true, writerLock: join(dir, 'writer.lock') });
}

const sha = (b: number) => new Uint8Array(32).fill(b);
const alert = (key: string, over: Partial<NewAlert> = {}): NewAlert => ({
  kind: 'hash-changed',
  severity: 'critical',
  project: 'p',
  filename: 'p-1.0.tar.gz',
  version: '1.0',
  created: '2024-01-01T00:00:00.000Z',
  details: { a: [1, 'x'] },
  dedupKey: key,
  ...over,
});

test('meta, checkpoints, tiles and bundles round-trip; partial data is replaced', async (t) => {
  const s = writable(tmp(t));
  t.after(() => s.close());
  await s.readWrite(async (tx) => {
    await tx.setMeta('origin', 'o');
    await tx.setMeta('origin', 'o2');
    await tx.addCheckpoint({ size: 0, hash: sha(0), note: new Uint8Array([1]), created: 5 });
    await tx.addCheckpoint({ size: 7, hash: sha(7), note: new Uint8Array([7]), created: 6 });
    await tx.addCheckpoint({ size: 3, hash: sha(3), note: new Uint8Array([3]), created: 7 });
    await tx.putTiles([{ level: 0, n: 0, data: sha(1) }]);
    await tx.putTiles([{ level: 0, n: 0, data: new Uint8Array([...sha(1), ...sha(2)]) }, { level: 1, n: 4, data: sha(9) }]);
    await tx.putBundles([{ n: 2, data: new Uint8Array([0, 1, 65]) }]);
  });
  await s.readOnly(async (tx) => {
    assert.equal(await tx.getMeta('origin'), 'o2');
    assert.equal(await tx.getMeta('nothing'), undefined);
    assert.deepEqual(await tx.latestCheckpoint(), { size: 7, hash: sha(7), note: new Uint8Array([7]), created: 6 });
    assert.deepEqual((await tx.checkpoints(-1, 10)).map((c) => c.size), [0, 3, 7]);
    assert.deepEqual((await tx.checkpoints(0, 1)).map((c) => c.size), [3]);
    assert.deepEqual(await tx.readTiles([{ level: 1, n: 4 }, { level: 0, n: 0 }, { level: 0, n: 1 }]), [sha(9), new Uint8Array([...sha(1), ...sha(2)]), undefined]);
    assert.deepEqual(await tx.readBundles([2, 3]), [new Uint8Array([0, 1, 65]), undefined]);
  });
  await assert.rejects(s.readWrite((tx) => tx.addCheckpoint({ size: 3, hash: sha(1), note: new Uint8Array(), created: 0 })), StoreConflictError);
});

test('bundle slices: any byte range of the current data, shorter past its end; bad ranges are refused', async (t) => {
  const s = writable(tmp(t));
  t.after(() => s.close());
  const data = new Uint8Array(5000).map((_, i) => (i * 7) & 255); // past one page: overflow storage
  await s.readWrite((tx) => tx.putBundles([{ n: 4, data }]));
  await s.readOnly(async (tx) => {
    assert.deepEqual(await tx.readBundleSlice(4, 0, 3), data.subarray(0, 3));
    assert.deepEqual(await tx.readBundleSlice(4, 4321, 190), data.subarray(4321, 4511));
    assert.deepEqual(await tx.readBundleSlice(4, 4990, 100), data.subarray(4990));
    assert.deepEqual(await tx.readBundleSlice(4, 5000, 10), new Uint8Array(0));
    assert.deepEqual(await tx.readBundleSlice(4, 10, 0), new Uint8Array(0));
    assert.equal(await tx.readBundleSlice(5, 0, 10), undefined);
    for (const [start, length] of [[-1, 2], [0, -1], [1.5, 2], [0, Number.NaN]]) {
      await assert.rejects(tx.readBundleSlice(4, start, length), RangeError, `${start}, ${length}`);
    }
  });
  // A grown bundle: the old bytes stay where they were.
  const grown = new Uint8Array([...data, 1, 2, 3]);
  await s.readWrite((tx) => tx.putBundles([{ n: 4, data: grown }]));
  assert.deepEqual(await s.readEach((tx) => tx.readBundleSlice(4, 4998, 5)), grown.subarray(4998, 5003));
});

test('entry indexes: candidates by file name, sha256 prefix and project', async (t) => {
  const s = writable(tmp(t));
  t.after(() => s.close());
  const e = (index: number, filename: string, project: string, sb: number) => ({ index, filename, project, sha256: sha(sb) });
  await s.readWrite((tx) => tx.indexEntries([e(0, 'a-1.tar.gz', 'a', 1), e(1, 'a-2.tar.gz', 'a', 2), e(2, 'b-1.tar.gz', 'b', 1), e(3, 'a-3.tar.gz', 'a', 3)]));
  await s.readWrite((tx) => tx.indexEntries([e(4, 'a-4.tar.gz', 'a', 4)]));
  // Same first bytes, different digest: a candidate the caller must check.
  const near = sha(1);
  near[31] = 9;
  await s.readWrite((tx) => tx.indexEntries([e(5, 'c-1.tar.gz', 'c', 0)]).then(() => tx.indexEntries([{ index: 6, filename: 'c-2.tar.gz', project: 'c', sha256: near }])));
  const check = async (tx: ReadTx) => {
    assert.deepEqual(await tx.filenameCandidates(['b-1.tar.gz', 'nope', 'a-4.tar.gz', 'b-1.tar.gz']), [[2], [], [4], [2]]);
    assert.deepEqual(await tx.filenameCandidates([]), []);
    const many = Array.from({ length: 700 }, (_, i) => (i === 650 ? 'a-3.tar.gz' : `x${i}`));
    const found = await tx.filenameCandidates(many);
    assert.deepEqual(found[650], [3]);
    assert.equal(found.filter((x) => x.length > 0).length, 1);
    assert.deepEqual(await tx.findSha256(sha(1), 10), [0, 2, 6]);
    assert.deepEqual(await tx.findSha256(sha(1), 2), [0, 2]);
    assert.deepEqual(await tx.findSha256(sha(8), 10), []);
    assert.deepEqual(await tx.findProject('a', -1, 10), [{ first: 0, count: 2 }, { first: 3, count: 2 }]);
    assert.deepEqual(await tx.findProject('a', 1, 10), [{ first: 3, count: 2 }]);
    assert.deepEqual(await tx.findProject('a', 0, 2), [{ first: 1, count: 1 }, { first: 3, count: 1 }]);
    assert.deepEqual(await tx.findProject('zzz', -1, 10), []);
  };
  await s.readOnly(check);
  // The writer's own connection (which rules names out through its filter first) agrees.
  await s.readWrite(check);
  // A transaction that fails indexes nothing.
  await assert.rejects(
    s.readWrite(async (tx) => {
      await tx.setMeta('k', 'v');
      await tx.indexEntries([e(7, 'new.whl', 'n', 7)]);
      throw new Error('boom');
    }),
    /boom/,
  );
  await s.readOnly(async (tx) => {
    assert.equal(await tx.getMeta('k'), undefined);
    assert.deepEqual(await tx.filenameCandidates(['new.whl', 'a-1.tar.gz']), [[], [0]]);
  });
  await assert.rejects(s.readWrite((tx) => tx.indexEntries([e(9, 'q', 'q', 1), e(11, 'r', 'r', 1)])), /contiguous/);
  await assert.rejects(s.readWrite((tx) => tx.indexEntries([e(2 ** 32, 'q', 'q', 1)])), RangeError);
});

const indexName = (i: number) => `proj${i % 97}-${i}.tar.gz`;
const indexSha = (i: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, Math.imul(i, 2654435761) >>> 0);
  b[31] = i & 255;
  return b;
};
// Batch sizes from 1 to past a tier boundary, so runs of every tier form and merge.
const INDEX_BATCHES = [1, 3, 700, 5000, 2, 9000, 4096, 1, 1, 1, 1, 20000, 13, 6000];
const INDEXED = INDEX_BATCHES.reduce((a, b) => a + b, 0);

async function fillIndexes(s: Store): Promise<void> {
  let next = 0;
  for (const n of INDEX_BATCHES) {
    const batch = Array.from({ length: n }, (_, k) => ({ index: next + k, filename: indexName(next + k), project: `proj${(next + k) % 97}`, sha256: indexSha(next + k) }));
    await s.readWrite((tx) => tx.indexEntries(batch));
    next += n;
  }
}

// Every entry fillIndexes indexed is found by file name, sha256 and project, and each index scans
// in order with each entry once.
async function verifyIndexes(tx: ReadTx): Promise<void> {
  const next = INDEXED;
  const probe = Array.from({ length: 400 }, (_, k) => Math.floor((k * next) / 400));
  const got = await tx.filenameCandidates(probe.map(indexName));
  probe.forEach((i, k) => assert.ok(got[k].includes(i), `entry ${i}`));
  assert.ok((await tx.findSha256(indexSha(12345), 10)).includes(12345));
  const runs = await tx.findProject('proj5', -1, 1e6);
  const indexes = runs.flatMap((r) => Array.from({ length: r.count }, (_, k) => r.first + k));
  for (let i = 5; i < next; i += 97) assert.ok(indexes.includes(i), `project entry ${i}`);
  for (const ix of ['filename', 'sha256', 'project'] as const) {
    const seen = new Uint8Array(next);
    let prev = [-1, -1];
    const count = await tx.scanIndex(ix, (key, index) => {
      assert.ok(key > prev[0] || (key === prev[0] && index > prev[1]), `${ix} order`);
      prev = [key, index];
      seen[index]++;
    });
    assert.equal(count, next);
    assert.ok(seen.every((c) => c === 1), ix);
  }
}

// Runs per index kind (0 file name, 1 sha256, 2 project), read beside the store.
function runsByKind(file: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT kind, count(*) AS n FROM runs GROUP BY kind').all() as { kind: number; n: number }[];
    return [0, 1, 2].map((k) => rows.find((r) => r.kind === k)?.n ?? 0);
  } finally {
    db.close();
  }
}

test('entry indexes over many batches: runs merge, every entry stays findable, a reopened writer finds them too', async (t) => {
  const dir = tmp(t);
  let s = writable(dir);
  await fillIndexes(s);
  await s.readOnly(verifyIndexes);
  await s.readWrite(verifyIndexes);
  const runCount = runsByKind(join(dir, 'log.db')).reduce((a, b) => a + b);
  assert.ok(runCount <= 3 * 8, `${runCount} runs`);
  await s.close();
  s = writable(dir);
  t.after(() => s.close());
  await s.readWrite(verifyIndexes);
});

test('bulk mode defers the sha256 and project merges to close; entries are findable before and after', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'log.db');
  await writable(dir).close();
  const s = openSqliteStore(file, { writerLock: join(dir, 'writer.lock'), bulk: true });
  let closed = false;
  t.after(() => (closed ? undefined : s.close()));
  await fillIndexes(s);
  const during = runsByKind(file);
  // One run per batch, unmerged, for the indexes the writer does not read; file names merged.
  assert.deepEqual(during.slice(1), [INDEX_BATCHES.length, INDEX_BATCHES.length]);
  assert.ok(during[0] <= 8, `${during[0]} file name runs`);
  await s.readOnly(verifyIndexes);
  // The file as a crash now would leave it (each commit is in the file): the next writer merges the
  // runs when it opens, before any append.
  const crashed = tmp(t);
  copyFileSync(file, join(crashed, 'log.db'));
  await s.close();
  closed = true;
  const after = runsByKind(file);
  assert.ok(after.every((n) => n <= 8), `runs after close: ${after}`);
  const again = openSqliteStore(file, { writerLock: join(dir, 'writer.lock') });
  t.after(() => again.close());
  await again.readOnly(verifyIndexes);
  assert.deepEqual(runsByKind(join(crashed, 'log.db')), during);
  const next = writable(crashed);
  t.after(() => next.close());
  const reopened = runsByKind(join(crashed, 'log.db'));
  assert.ok(reopened.every((n) => n <= 8), `runs after the next writer opened: ${reopened}`);
  await next.readOnly(verifyIndexes);
});

test('alerts: dedup by key, filters, paging, resolve once', async (t) => {
  const s = writable(tmp(t));
  t.after(() => s.close());
  const ids = await s.readWrite((tx) => tx.addAlerts([alert('k1'), alert('k2', { project: 'q', filename: undefined, version: undefined, kind: 'error', severity: 'warning' }), alert('k1')]));
  assert.equal(ids.length, 3);
  assert.ok(ids[0]! > 0 && ids[1]! > ids[0]!);
  assert.equal(ids[2], undefined);
  assert.deepEqual(await s.readWrite((tx) => tx.addAlerts([alert('k1')])), [undefined]);
  const all = await s.readOnly((tx) => tx.listAlerts({ limit: 10 }));
  assert.equal(all.length, 2);
  assert.deepEqual(all[0], { id: ids[0], ...alert('k1') });
  assert.deepEqual(all[1], { id: ids[1], kind: 'error', severity: 'warning', project: 'q', created: all[1].created, details: { a: [1, 'x'] }, dedupKey: 'k2' });
  assert.deepEqual((await s.readOnly((tx) => tx.listAlerts({ project: 'q', limit: 10 }))).map((a) => a.id), [ids[1]]);
  assert.deepEqual((await s.readOnly((tx) => tx.listAlerts({ kind: 'hash-changed', limit: 10 }))).map((a) => a.id), [ids[0]]);
  assert.deepEqual((await s.readOnly((tx) => tx.listAlerts({ filename: 'p-1.0.tar.gz', limit: 10 }))).map((a) => a.id), [ids[0]]);
  assert.deepEqual((await s.readOnly((tx) => tx.listAlerts({ afterId: ids[0], limit: 10 }))).map((a) => a.id), [ids[1]]);
  assert.equal(await s.readWrite((tx) => tx.resolveAlert(ids[0]!, '2024-02-02T00:00:00.000Z')), true);
  assert.equal(await s.readWrite((tx) => tx.resolveAlert(ids[0]!, '2024-03-03T00:00:00.000Z')), false);
  assert.equal(await s.readWrite((tx) => tx.resolveAlert(999, '2024-03-03T00:00:00.000Z')), false);
  const open = await s.readOnly((tx) => tx.listAlerts({ open: true, limit: 10 }));
  assert.deepEqual(open.map((a) => a.id), [ids[1]]);
  const resolved = (await s.readOnly((tx) => tx.listAlerts({ limit: 1 })))[0];
  assert.equal(resolved.resolvedAt, '2024-02-02T00:00:00.000Z');
});

// A write that throws leaves nothing behind.
async function failedWriteLeavesNothing(s: Store): Promise<void> {
  await assert.rejects(
    s.readWrite(async (tx) => {
      await tx.setMeta('y', '2');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await s.readOnly((tx) => tx.getMeta('y')), undefined);
}

test('a reader sees committed state only, and a failed write leaves nothing', async (t) => {
  const s = writable(tmp(t));
  t.after(() => s.close());
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const writing = s.readWrite(async (tx) => {
    await tx.setMeta('x', '1');
    await gate;
  });
  // The write transaction is open and has written; a read-only transaction does not see it.
  await new Promise((r) => setImmediate(r));
  assert.equal(await s.readOnly((tx) => tx.getMeta('x')), undefined);
  release();
  await writing;
  assert.equal(await s.readOnly((tx) => tx.getMeta('x')), '1');
  await failedWriteLeavesNothing(s);
});

// SQLite's file header bytes 18-19: [1, 1] with a rollback journal, [2, 2] in WAL mode.
const journalBytes = (file: string) => [...readFileSync(file).subarray(18, 20)];

test('bulk mode commits through a rollback journal, reads wait for the write, close returns to WAL', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'log.db');
  await writable(dir).close();
  assert.deepEqual(journalBytes(file), [2, 2]);
  const s = openSqliteStore(file, { writerLock: join(dir, 'writer.lock'), bulk: true });
  let closed = false;
  t.after(() => (closed ? undefined : s.close()));
  assert.deepEqual(journalBytes(file), [1, 1]);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const writing = s.readWrite(async (tx) => {
    await tx.setMeta('x', '1');
    await gate;
  });
  // One connection: a read asked for during the write runs after its commit and sees it.
  const reading = s.readOnly((tx) => tx.getMeta('x'));
  release();
  await writing;
  assert.equal(await reading, '1');
  await failedWriteLeavesNothing(s);
  assert.equal(await s.readEach((tx) => tx.getMeta('x')), '1');
  // Another process's reader reads meanwhile, and leaves the journal to the import.
  const reader = openSqliteStore(file);
  assert.equal(await reader.readOnly((tx) => tx.getMeta('x')), '1');
  await reader.close();
  assert.deepEqual(journalBytes(file), [1, 1]);
  await s.close();
  closed = true;
  assert.deepEqual(journalBytes(file), [2, 2]);
  const again = openSqliteStore(file);
  t.after(() => again.close());
  assert.equal(await again.readOnly((tx) => tx.getMeta('x')), '1');
});

test('bulk mode stays in WAL while another connection has the database open', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'log.db');
  await writable(dir).close();
  const other = new Database(file);
  t.after(() => other.close());
  other.pragma('journal_mode = WAL');
  const started = Date.now();
  const s = openSqliteStore(file, { writerLock: join(dir, 'writer.lock'), bulk: true });
  t.after(() => s.close());
  // Told at once, not after the busy timeout.
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(journalBytes(file), [2, 2]);
  await s.readWrite((tx) => tx.setMeta('x', '1'));
  assert.equal(other.prepare("SELECT value FROM meta WHERE key = 'x'").pluck().get(), '1');
  assert.equal(await s.readOnly((tx) => tx.getMeta('x')), '1');
});

test('readEach reads committed state without a transaction; errors are typed; a closed store refuses', async (t) => {
  const dir = tmp(t);
  const s = writable(dir);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const writing = s.readWrite(async (tx) => {
    await tx.putTiles([{ level: 0, n: 0, data: sha(1) }]);
    await gate;
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(await s.readEach((tx) => tx.readTiles([{ level: 0, n: 0 }])), [undefined]);
  release();
  await writing;
  // A second connection (another serving process) sees the commit too.
  const other = openSqliteStore(join(dir, 'log.db'));
  t.after(() => other.close());
  for (const st of [s, other]) {
    const [tile] = await st.readEach((tx) => tx.readTiles([{ level: 0, n: 0 }]));
    assert.deepEqual(tile, sha(1));
  }
  await assert.rejects(
    s.readEach(async (tx) => {
      await tx.findProject('p', 0, 10);
      throw new Error('boom');
    }),
    /boom/,
  );
  await s.close();
  await assert.rejects(s.readEach((tx) => tx.getMeta('x')), StoreIOError);
});

test('alerts resolve from a store opened without the writer lock, while the writer holds it', async (t) => {
  const dir = tmp(t);
  const s = writable(dir);
  t.after(() => s.close());
  const [id] = await s.readWrite((tx) => tx.addAlerts([alert('k1')]));
  const side = openSqliteStore(join(dir, 'log.db'));
  t.after(() => side.close());
  assert.equal(await side.resolveAlert(id!, '2024-02-02T00:00:00.000Z'), true);
  assert.equal(await side.resolveAlert(id!, '2024-02-03T00:00:00.000Z'), false);
  assert.equal(await side.resolveAlert(id! + 100, '2024-02-03T00:00:00.000Z'), false);
  const [seen] = await s.readOnly((tx) => tx.listAlerts({ limit: 10 }));
  assert.equal(seen.resolvedAt, '2024-02-02T00:00:00.000Z');
  // The writer itself resolves through its own connection.
  const [id2] = await s.readWrite((tx) => tx.addAlerts([alert('k2')]));
  assert.equal(await s.resolveAlert(id2!, '2024-02-04T00:00:00.000Z'), true);
  await side.close();
  await assert.rejects(side.resolveAlert(id2!, 'x'), StoreIOError);
});

test('a second writer is refused while the first holds the lock, in-process and across processes', async (t) => {
  const dir = tmp(t);
  const first = writable(dir);
  assert.throws(() => writable(dir), (e: unknown) => e instanceof WriterLockedError && e.exitCode === ExitCode.Usage && /another distsum process/.test((e as Error).message));
  // Readers need no lock.
  const reader = openSqliteStore(join(dir, 'log.db'));
  assert.equal(await reader.readOnly((tx) => tx.getMeta('schema')), '2');
  await assert.rejects(reader.readWrite(async () => undefined), StoreIOError);
  await reader.close();
  await first.close();
  await first.close(); // idempotent

  // Another process takes the lock; we are refused until it is killed with SIGKILL.
  const storeUrl = new URL('../../src/store/sqlite.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import(${JSON.stringify(storeUrl)}).then((m) => { m.openSqliteStore(${JSON.stringify(join(dir, 'log.db'))}, { writerLock: ${JSON.stringify(join(dir, 'writer.lock'))} }); console.log('locked'); setInterval(() => {}, 1000); })`],
    { cwd: resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const [chunk] = await once(child.stdout!, 'data');
  assert.equal(String(chunk).trim(), 'locked');
  assert.throws(() => writable(dir), WriterLockedError);
  child.kill('SIGKILL');
  await once(child, 'exit');
  const again = writable(dir);
  await again.close();
});

test('missing, foreign and damaged files are one-line errors', async (t) => {
  const dir = tmp(t);
  assert.throws(() => openSqliteStore(join(dir, 'nope.db')), (e: unknown) => e instanceof StoreMissingError && /no log store at/.test((e as Error).message));
  writeFileSync(join(dir, 'garbage.db'), 'this is not a database, just some text that is long enough to fill a header.'.repeat(20));
  assert.throws(() => openSqliteStore(join(dir, 'garbage.db')), (e: unknown) => e instanceof StoreCorruptError && !(e as Error).message.includes('\n'));
  // A valid SQLite file that is not ours.
  const other = openSqliteStore(join(dir, 'real.db'), { create: true, writerLock: join(dir, 'l') });
  await other.close();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dir, 'real.db'));
  db.exec("UPDATE meta SET value = '99' WHERE key = 'schema'");
  db.close();
  assert.throws(() => openSqliteStore(join(dir, 'real.db')), /schema "99"/);
  const db2 = new Database(join(dir, 'plain.db'));
  db2.exec('CREATE TABLE t(x)');
  db2.close();
  assert.throws(() => openSqliteStore(join(dir, 'plain.db')), (e: unknown) => e instanceof StoreCorruptError && /not a distsum log store/.test((e as Error).message));
  assert.throws(() => openSqliteStore(join(dir, 'plain.db'), { writerLock: join(dir, 'l2') }), StoreCorruptError);
});
