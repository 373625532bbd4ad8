// The embedded log store: one SQLite file (better-sqlite3, WAL). All synchronous SQLite calls of the
// project live here, behind the async Store interface.
//
// Durability: journal_mode=WAL with synchronous=FULL, so COMMIT returns only after the WAL is fsynced
// and an acknowledged batch survives power loss, not only a process crash (NORMAL would keep it
// consistent but could lose the last commits). The cost is one fsync per batch, which batching makes
// negligible.
//
// Layout, chosen by measurement (bench/import.ts): entries live only in C2SP entry bundles and hashes
// only in tiles (one row per 256 entries, the bytes the server serves); per-entry rows exist only in
// the two lookup indexes (file name, sha256 prefix), and a project is indexed by runs of consecutive
// entries. Per-entry rows in random key order dominate the cost of an import.
//
// Single writer: a writer holds an exclusive SQLite lock on a separate lock file for its lifetime.
// The operating system drops the lock when the process dies (kill -9 included), so there is no stale
// lock to clean up, and readers never need it.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  AlertQuery,
  EntryKeys,
  IndexName,
  KeyArrays,
  NewAlert,
  ProjectRun,
  ReadTx,
  Severity,
  Store,
  StoredAlert,
  StoredBundle,
  StoredCheckpoint,
  StoredTile,
  WriteTx,
} from './store.ts';
import { StoreConflictError, StoreCorruptError, StoreIOError, StoreMissingError, WriterLockedError } from './errors.ts';
import {
  INDEX_KINDS,
  KIND_FILENAME,
  KIND_PROJECT,
  KIND_SHA256,
  PAGE_PAIRS,
  digestKey,
  fenceOf as fenceOfRun,
  matchesIn,
  mergeRuns,
  nameKey,
  pageBytes,
  pagePairs,
  pagesFor,
  uint32sOf,
  runOf,
  runsToMerge,
} from './keyruns.ts';
import type { IndexKind, Pairs } from './keyruns.ts';
import { addKey, mayHaveKey, newKeyFilter } from './keyfilter.ts';
import type { KeyFilter } from './keyfilter.ts';
import { DistsumError } from '../errors.ts';

/** Schema version stored in meta('schema'); a store with another value is refused. */
export const SCHEMA_VERSION = '2';

const SCHEMA = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, hash BLOB NOT NULL, note BLOB NOT NULL, created INTEGER NOT NULL);
CREATE TABLE tiles(level INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(level, n));
CREATE TABLE bundles(n INTEGER PRIMARY KEY, data BLOB NOT NULL);
-- The lookup indexes: immutable sorted runs of (key, entry index) pairs (src/store/keyruns.ts), their
-- pages numbered consecutively per run and never reused, so a reader holding an old list of runs can
-- never read another run's page under a page number it knew.
CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, count INTEGER NOT NULL, first_page INTEGER NOT NULL, fence BLOB NOT NULL);
CREATE TABLE run_pages(id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL);
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  project TEXT NOT NULL,
  filename TEXT,
  version TEXT,
  created TEXT NOT NULL,
  details TEXT NOT NULL,
  dedup_key TEXT NOT NULL UNIQUE,
  resolved_at TEXT
);
CREATE INDEX alerts_project ON alerts(project, id);
CREATE INDEX alerts_filename ON alerts(filename, id) WHERE filename IS NOT NULL;
`;

/** Options for openSqliteStore. */
export interface SqliteOptions {
  /** Create the file and schema if missing (init). Otherwise a missing file is StoreMissingError. */
  create?: boolean;
  /** Path of the writer lock file; when given, the store is writable and holds the lock until close. */
  writerLock?: string;
  /** SQLite page cache per connection in KiB (default 16384: the import benchmark's RSS budget). */
  cacheKiB?: number;
  /**
   * For a bulk import (needs writerLock): while no other process has the database open, commit
   * through a rollback journal instead of the WAL, and read through the writer's connection (a read
   * then waits for the write in progress). Each commit is as durable and atomic as in WAL mode, but
   * appended pages are written once instead of to the WAL and then again into the database
   * (measured: 16% less time for 10M entries). Other
   * processes opening the store meanwhile wait for each commit (busy timeout) or turn it back to
   * WAL, which SQLite handles; close() turns it back to WAL, and so does the next writer after a
   * crash. When another connection holds the database, the store stays in WAL mode.
   */
  bulk?: boolean;
}

// A plain Uint8Array view of a Buffer returned by SQLite (so deep equality with Uint8Array holds).
function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function sqliteCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' && c.startsWith('SQLITE_') ? c : undefined;
}

// Turns SQLite failures into one-line typed errors naming the file; lets our own errors through.
function wrap(file: string, e: unknown): unknown {
  if (e instanceof DistsumError) return e;
  const code = sqliteCode(e);
  if (code === undefined) return e;
  const msg = (e as Error).message.split('\n')[0];
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreCorruptError(`log store ${file} is not a distsum store or is damaged (${msg})`, { cause: e });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return new StoreConflictError(`log store ${file}: ${msg}`, { cause: e });
  return new StoreIOError(`log store ${file}: ${msg} (${code})`, { cause: e });
}

// Runs async functions one at a time: a connection has one transaction at a time.
function serializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

interface CheckpointRow {
  size: number;
  hash: Buffer;
  note: Buffer;
  created: number;
}

interface AlertRow {
  id: number;
  kind: string;
  severity: string;
  project: string;
  filename: string | null;
  version: string | null;
  created: string;
  details: string;
  dedup_key: string;
  resolved_at: string | null;
}

function toCheckpoint(r: CheckpointRow): StoredCheckpoint {
  return { size: r.size, hash: bytes(r.hash), note: bytes(r.note), created: r.created };
}

function toAlert(r: AlertRow): StoredAlert {
  const a: StoredAlert = {
    id: r.id,
    kind: r.kind,
    severity: r.severity as Severity,
    project: r.project,
    created: r.created,
    details: JSON.parse(r.details) as Record<string, unknown>,
    dedupKey: r.dedup_key,
  };
  if (r.filename !== null) a.filename = r.filename;
  if (r.version !== null) a.version = r.version;
  if (r.resolved_at !== null) a.resolvedAt = r.resolved_at;
  return a;
}

// What the connections of one store share about its indexes: the secret key seed, and (in the
// writer's process) the filter of every file name key, kept current by the writer connection.
interface IndexShared {
  seed: Uint8Array;
  filter: KeyFilter | undefined;
  /** Counts this process's committed (or rolled back) writes: the connections' run lists are older. */
  epoch: number;
}

const KIND_NAME: Record<IndexKind, IndexName> = { [KIND_FILENAME]: 'filename', [KIND_SHA256]: 'sha256', [KIND_PROJECT]: 'project' };

interface RunRow {
  id: number;
  count: number;
  firstPage: number;
}

// The prepared statements of one connection and the operations built on them.
// The operations of one connection. With `deferMerges` (a bulk import's writer), the sha256 and
// project indexes only gain runs until compactIndexes(): nothing looks them up meanwhile, and one
// merge of all of a session's runs writes each pair once more instead of once per tier it climbs
// (the file-name index, which the writer reads, merges as usual).
function operations(
  db: Db,
  shared: IndexShared,
  pageCacheLimit: number,
  deferMerges = false,
): WriteTx & { buildFilter(): KeyFilter; forgetRuns(): void; compactIndexes(): void } {
  const st = {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    latest: db.prepare('SELECT size, hash, note, created FROM checkpoints ORDER BY size DESC LIMIT 1'),
    checkpoints: db.prepare('SELECT size, hash, note, created FROM checkpoints WHERE size > ? ORDER BY size LIMIT ?'),
    addCheckpoint: db.prepare('INSERT INTO checkpoints(size, hash, note, created) VALUES (?, ?, ?, ?)'),
    tile: db.prepare('SELECT data FROM tiles WHERE level = ? AND n = ?').pluck(),
    putTile: db.prepare('INSERT INTO tiles(level, n, data) VALUES (?, ?, ?) ON CONFLICT(level, n) DO UPDATE SET data = excluded.data'),
    bundle: db.prepare('SELECT data FROM bundles WHERE n = ?').pluck(),
    // substr on a BLOB counts bytes from 1; only the slice crosses into JS (measured 8 µs against
    // 16 µs for the whole ~48 KB bundle, and no large garbage).
    bundleSlice: db.prepare('SELECT substr(data, ?, ?) FROM bundles WHERE n = ?').pluck(),
    putBundle: db.prepare('INSERT INTO bundles(n, data) VALUES (?, ?) ON CONFLICT(n) DO UPDATE SET data = excluded.data'),
    listRuns: db.prepare('SELECT id, count, first_page AS firstPage FROM runs WHERE kind = ? ORDER BY id'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    runFence: db.prepare('SELECT fence FROM runs WHERE id = ?').pluck(),
    page: db.prepare('SELECT data FROM run_pages WHERE id = ?').pluck(),
    addPage: db.prepare('INSERT INTO run_pages(data) VALUES (?)'),
    addRunRow: db.prepare('INSERT INTO runs(kind, count, first_page, fence) VALUES (?, ?, ?, ?)'),
    dropRun: db.prepare('DELETE FROM runs WHERE id = ?'),
    dropPages: db.prepare('DELETE FROM run_pages WHERE id >= ? AND id < ?'),
    addAlert: db
      .prepare(
        `INSERT INTO alerts(kind, severity, project, filename, version, created, details, dedup_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedup_key) DO NOTHING RETURNING id`,
      )
      .pluck(),
    resolveAlert: db.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL'),
  };

  const fences = new Map<number, Uint32Array>();

  // The fence of run `id`, or undefined when the run is gone (merged away since it was listed).
  function fenceOf(id: number): Uint32Array | undefined {
    let f = fences.get(id);
    if (f === undefined) {
      const b = st.runFence.get(id) as Buffer | undefined;
      if (b === undefined) return undefined;
      f = uint32sOf(Buffer.from(b));
      fences.set(id, f);
    }
    return f;
  }

  // The runs of each kind as last listed, valid while no connection has committed since: SQLite's
  // data_version counts other connections' commits, the shared epoch this process's own, and this
  // connection's index writes clear the lists. Outside a transaction a statement costs ~3 µs (an
  // implicit read transaction), more than a whole lookup in cached pages, so there another
  // process's commits are looked for at most every RUNS_RECHECK_MS: its new entries can take that
  // long to be found (the server's checkpoint is up to a second old anyway).
  const runLists = new Map<IndexKind, RunRow[]>();
  let listedAt = -1;
  let listedEpoch = -1;
  let checkedAt = -Infinity;

  function listRuns(kind: IndexKind): RunRow[] {
    const now = performance.now();
    if (shared.epoch !== listedEpoch || db.inTransaction || now - checkedAt >= RUNS_RECHECK_MS) {
      const version = st.dataVersion.get() as number;
      checkedAt = now;
      if (version !== listedAt || shared.epoch !== listedEpoch) {
        runLists.clear();
        listedAt = version;
        listedEpoch = shared.epoch;
      }
    }
    let runs = runLists.get(kind);
    if (runs !== undefined) return runs;
    runs = st.listRuns.all(kind) as RunRow[];
    runLists.set(kind, runs);
    // Runs never change, so a fence stays valid until its run is merged away: forget those.
    if (fences.size > 4 * runs.length + 64) {
      const live = new Set((INDEX_KINDS.flatMap((k) => st.listRuns.all(k)) as RunRow[]).map((r) => r.id));
      for (const id of fences.keys()) if (!live.has(id)) fences.delete(id);
    }
    return runs;
  }

  // Index pages read, most recently used last, up to cacheBytes: pages never change (a merged run's
  // pages get new ids), so a page read once answers from memory until it is pushed out.
  const pageCache = new Map<number, Pairs>();
  let pageCacheBytes = 0;

  function pageAt(id: number): Pairs | undefined {
    let page = pageCache.get(id);
    if (page !== undefined) {
      pageCache.delete(id);
      pageCache.set(id, page);
      return page;
    }
    const b = st.page.get(id) as Buffer | undefined;
    if (b === undefined) return undefined;
    page = pagePairs(b);
    if (page.byteLength > pageCacheLimit) return page;
    pageCache.set(id, page);
    pageCacheBytes += page.byteLength;
    for (const [old, p] of pageCache) {
      if (pageCacheBytes <= pageCacheLimit) break;
      pageCache.delete(old);
      pageCacheBytes -= p.byteLength;
    }
    return page;
  }

  // Candidate indexes (ascending) for each key. Without a transaction around it a merge may commit
  // between listing the runs and reading their pages; the merged run holds the same pairs, so a
  // vanished page means: list again.
  function probe(kind: IndexKind, keys: number[]): number[][] {
    for (let attempt = 0; ; attempt++) {
      const out: number[][] = keys.map(() => []);
      let gone = false;
      runs: for (const r of listRuns(kind)) {
        const fence = fenceOf(r.id);
        if (fence === undefined) {
          gone = true;
          break;
        }
        for (let j = 0; j < keys.length; j++) {
          const [from, to] = pagesFor(fence, keys[j]);
          for (let p = from; p < to; p++) {
            const page = pageAt(r.firstPage + p);
            if (page === undefined) {
              gone = true;
              break runs;
            }
            matchesIn(page, keys[j], out[j]);
          }
        }
      }
      if (!gone) {
        for (const o of out) if (o.length > 1) o.sort((x, y) => x - y);
        return out;
      }
      runLists.clear();
      if (attempt === 3) throw new StoreCorruptError('log store: index runs keep vanishing while being read');
    }
  }

  // File name candidates by key: position -> indexes, for positions that have any. Most names the
  // writer asks about are new, and its filter rules those out without reading a page.
  function byKey(keys: ArrayLike<number>): Map<number, number[]> {
    const f = shared.filter;
    const maybe: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (f === undefined || mayHaveKey(f, keys[i])) {
        maybe.push(keys[i]);
        at.push(i);
      }
    }
    const out = new Map<number, number[]>();
    if (maybe.length > 0) probe(KIND_FILENAME, maybe).forEach((c, j) => c.length > 0 && out.set(at[j], c));
    return out;
  }

  // Stores a sorted run as pages with consecutive ids and returns its row id.
  function addRun(kind: IndexKind, pairs: Pairs): void {
    const count = pairs.length / 2;
    let first = -1;
    for (let p = 0; 2 * p * PAGE_PAIRS < pairs.length; p++) {
      const id = Number(st.addPage.run(pageBytes(pairs.subarray(2 * p * PAGE_PAIRS, 2 * (p + 1) * PAGE_PAIRS))).lastInsertRowid);
      if (p === 0) first = id;
      else if (id !== first + p) throw new StoreCorruptError(`log store: index page ${id} does not follow ${first + p - 1}`);
    }
    st.addRunRow.run(kind, count, first, pageBytes(fenceOfRun(pairs)));
    runLists.clear();
  }

  // Reads run r page by page (undefined after the last).
  function pageReader(r: RunRow): () => Pairs | undefined {
    const pageCount = Math.ceil(r.count / PAGE_PAIRS);
    let p = 0;
    return () => {
      if (p === pageCount) return undefined;
      const b = st.page.get(r.firstPage + p++) as Buffer | undefined;
      if (b === undefined) throw new StoreCorruptError(`log store: index run ${r.id} lacks page ${p - 1}`);
      return pagePairs(b);
    };
  }

  // Merges runs of `kind` while a tier holds MERGE_FANOUT of them (see runsToMerge).
  function compact(kind: IndexKind): void {
    for (;;) {
      const runs = st.listRuns.all(kind) as RunRow[];
      const ids = runsToMerge(runs);
      if (ids === undefined) return;
      const merging = runs.filter((r) => ids.includes(r.id));
      const sources = merging.map(pageReader);
      const fence: number[] = [];
      let first = -1;
      let pagesWritten = 0;
      const count = mergeRuns(sources, (page) => {
        const id = Number(st.addPage.run(pageBytes(page)).lastInsertRowid);
        if (pagesWritten === 0) first = id;
        else if (id !== first + pagesWritten) throw new StoreCorruptError(`log store: index page ${id} does not follow ${first + pagesWritten - 1}`);
        pagesWritten++;
        fence.push(page[0]);
      });
      st.addRunRow.run(kind, count, first, pageBytes(Uint32Array.from(fence)));
      for (const r of merging) {
        st.dropRun.run(r.id);
        st.dropPages.run(r.firstPage, r.firstPage + Math.ceil(r.count / PAGE_PAIRS));
      }
      runLists.clear();
    }
  }

  // Adds the keys of entries first.. to every index, and file name keys to the writer's filter.
  function indexKeys(first: number, keys: KeyArrays): void {
    const n = keys.filename.length;
    if (keys.sha256.length !== n || keys.project.length !== n) throw new RangeError('store: key arrays of different lengths');
    if (n === 0) return;
    let names: Pairs | undefined;
    for (const kind of INDEX_KINDS) {
      const run = runOf(keys[KIND_NAME[kind]], first);
      if (kind === KIND_FILENAME) names = run;
      addRun(kind, run);
      if (!deferMerges || kind === KIND_FILENAME) compact(kind);
    }
    const f = shared.filter;
    if (f !== undefined) {
      if (f.count + n > f.capacity) shared.filter = buildFilter();
      // From the sorted run: ascending keys fill the filter front to back (see keyfilter.ts).
      else for (let i = 0; i < names!.length; i += 2) addKey(f, names![i]);
    }
  }

  // A filter holding every file name key in the indexes, with room for at least a quarter more.
  function buildFilter(): KeyFilter {
    const runs = st.listRuns.all(KIND_FILENAME) as RunRow[];
    const f = newKeyFilter(Math.ceil(1.25 * runs.reduce((n, r) => n + r.count, 0)));
    // Run by run, each in ascending key order (see keyfilter.ts).
    for (const r of runs) {
      const next = pageReader(r);
      for (let page = next(); page !== undefined; page = next()) for (let i = 0; i < page.length; i += 2) addKey(f, page[i]);
    }
    return f;
  }

  return {
    buildFilter,
    forgetRuns: () => runLists.clear(),
    compactIndexes() {
      for (const kind of INDEX_KINDS) compact(kind);
    },
    async getMeta(key) {
      return st.getMeta.get(key) as string | undefined;
    },
    async latestCheckpoint() {
      const r = st.latest.get() as CheckpointRow | undefined;
      return r && toCheckpoint(r);
    },
    async checkpoints(afterSize, limit) {
      return (st.checkpoints.all(afterSize, limit) as CheckpointRow[]).map(toCheckpoint);
    },
    async readTiles(keys) {
      return keys.map((k) => {
        const d = st.tile.get(k.level, k.n) as Buffer | undefined;
        return d && bytes(d);
      });
    },
    async readBundles(ns) {
      return ns.map((n) => {
        const d = st.bundle.get(n) as Buffer | undefined;
        return d && bytes(d);
      });
    },
    async filenameCandidates(filenames) {
      const found = byKey(filenames.map((f) => nameKey(shared.seed, f)));
      return filenames.map((_, i) => found.get(i) ?? []);
    },
    async candidatesByKey(keys) {
      return byKey(keys);
    },
    async readBundleSlice(n, start, length) {
      if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`store: bad bundle slice [${start}, +${length})`);
      }
      const d = st.bundleSlice.get(start + 1, length, n) as Buffer | undefined;
      return d && bytes(d);
    },
    async indexKeys(e) {
      return { filename: nameKey(shared.seed, e.filename), sha256: digestKey(e.sha256), project: nameKey(shared.seed, e.project) };
    },
    async scanIndex(name, fn) {
      const kind = name === 'filename' ? KIND_FILENAME : name === 'sha256' ? KIND_SHA256 : KIND_PROJECT;
      return mergeRuns((st.listRuns.all(kind) as RunRow[]).map((r) => pageReader(r)), (page) => {
        for (let i = 0; i < page.length; i += 2) fn(page[i], page[i + 1]);
      });
    },
    async findSha256(sha256, limit) {
      return probe(KIND_SHA256, [digestKey(sha256)])[0].slice(0, limit);
    },
    async findProject(project, afterIndex, limit) {
      const runs: ProjectRun[] = [];
      let taken = 0;
      for (const i of probe(KIND_PROJECT, [nameKey(shared.seed, project)])[0]) {
        if (i <= afterIndex) continue;
        if (taken++ === limit) break;
        const last = runs[runs.length - 1];
        if (last !== undefined && last.first + last.count === i) last.count++;
        else runs.push({ first: i, count: 1 });
      }
      return runs;
    },
    async listAlerts(q: AlertQuery) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (q.kind !== undefined) (where.push('kind = ?'), args.push(q.kind));
      if (q.project !== undefined) (where.push('project = ?'), args.push(q.project));
      if (q.filename !== undefined) (where.push('filename = ?'), args.push(q.filename));
      if (q.open) where.push('resolved_at IS NULL');
      if (q.afterId !== undefined) (where.push('id > ?'), args.push(q.afterId));
      const sql = `SELECT * FROM alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT ?`;
      return (db.prepare(sql).all(...args, q.limit) as AlertRow[]).map(toAlert);
    },
    async setMeta(key, value) {
      st.setMeta.run(key, value);
    },
    async putTiles(tiles: StoredTile[]) {
      for (const t of tiles) st.putTile.run(t.level, t.n, t.data);
    },
    async putBundles(bundles: StoredBundle[]) {
      for (const b of bundles) st.putBundle.run(b.n, b.data);
    },
    async indexEntries(entries: EntryKeys[]) {
      if (entries.length === 0) return;
      const first = entries[0].index;
      const keys: KeyArrays = { filename: new Uint32Array(entries.length), sha256: new Uint32Array(entries.length), project: new Uint32Array(entries.length) };
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (e.index !== first + i) throw new StoreConflictError(`entries must be contiguous: index ${e.index} after ${first + i - 1}`);
        keys.filename[i] = nameKey(shared.seed, e.filename);
        keys.sha256[i] = digestKey(e.sha256);
        keys.project[i] = nameKey(shared.seed, e.project);
      }
      indexKeys(first, keys);
    },
    async indexKeyArrays(first, keys) {
      indexKeys(first, keys);
    },
    async addCheckpoint(c: StoredCheckpoint) {
      st.addCheckpoint.run(c.size, c.hash, c.note, c.created);
    },
    async addAlerts(alerts: NewAlert[]) {
      return alerts.map(
        (a) =>
          st.addAlert.get(a.kind, a.severity, a.project, a.filename ?? null, a.version ?? null, a.created, JSON.stringify(a.details), a.dedupKey) as
            | number
            | undefined,
      );
    },
    async resolveAlert(id, at) {
      return st.resolveAlert.run(at, id).changes > 0;
    },
  };
}

// How often a connection outside a transaction looks for index runs another process committed.
const RUNS_RECHECK_MS = 100;

// Index pages a reading connection keeps in memory (16 MiB: the file-name index of a 2M-entry log).
const INDEX_PAGE_CACHE_BYTES = 16 << 20;
const WRITER_INDEX_PAGE_CACHE_BYTES = 4 << 20;

// Bytes of the database the read connection maps (SQLite's compiled-in limit may lower it).
const READER_MMAP_BYTES = 2 ** 31;

// How long a connection waits for another process's lock before SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 10_000;

// Opens a connection. Only the writer's (`writer`) puts the database in WAL mode: a reader uses the
// mode the file is in, so it neither fails nor waits to switch it while a bulk import commits
// through a rollback journal (see SqliteOptions.bulk), and that import keeps its journal.
function openDb(file: string, create: boolean, cacheKiB: number, writer: boolean): Db {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !create });
  } catch (e) {
    if (sqliteCode(e) === 'SQLITE_CANTOPEN' && !create) throw new StoreMissingError(`no log store at ${file} (run distsum log init, or pass --data)`);
    throw wrap(file, e);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (writer) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`cache_size = -${cacheKiB}`);
    // Keep the WAL from staying huge after a big batch has been checkpointed.
    db.pragma('journal_size_limit = 67108864');
    // Copy the WAL back into the database every ~64 MiB rather than every 4 MiB: index pages that
    // several batches touch are then written back once (measured: ~15% less CPU per import).
    db.pragma('wal_autocheckpoint = 16384');
    return db;
  } catch (e) {
    db.close();
    throw wrap(file, e);
  }
}

// Switches db to a rollback journal (see SqliteOptions.bulk); false when another connection has the
// database open, which SQLite reports as busy at once (the busy timeout would only wait for it).
function leaveWal(db: Db): boolean {
  db.pragma('busy_timeout = 0');
  try {
    return db.pragma('journal_mode = TRUNCATE', { simple: true }) === 'truncate';
  } catch (e) {
    if (sqliteCode(e) === 'SQLITE_BUSY' || sqliteCode(e) === 'SQLITE_LOCKED') return false;
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

// Takes the writer lock: an exclusive lock on `lockFile` held by an open transaction.
function lockWriter(lockFile: string): Db {
  let lock: Db | undefined;
  try {
    lock = new Database(lockFile);
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
    return lock;
  } catch (e) {
    lock?.close();
    if (sqliteCode(e) === 'SQLITE_BUSY' || sqliteCode(e) === 'SQLITE_LOCKED') {
      throw new WriterLockedError(`another distsum process is writing this log (${lockFile} is locked); stop it or wait for it to finish`);
    }
    throw wrap(lockFile, e);
  }
}

/**
 * Opens (or with `create`, creates) the SQLite store at `file`. With `writerLock`, takes the single
 * writer lock first and throws WriterLockedError if another writer holds it; without, readWrite
 * throws. Throws StoreMissingError / StoreCorruptError for a missing or foreign file.
 */
export function openSqliteStore(file: string, opts: SqliteOptions = {}): Store {
  const create = opts.create ?? false;
  if (!create && !existsSync(file)) throw new StoreMissingError(`no log store at ${file} (run distsum log init, or pass --data)`);
  const lock = opts.writerLock !== undefined ? lockWriter(opts.writerLock) : undefined;
  const cache = opts.cacheKiB ?? 16384;
  let writer: Db | undefined;
  let reader: Db | undefined;
  let shared: IndexShared | undefined;
  let bulk = false;
  try {
    writer = lock ? openDb(file, create, cache, true) : undefined;
    if (writer) {
      const hasSchema = writer.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'meta'").pluck().get() as number;
      if (!hasSchema) {
        if (!create) throw new StoreCorruptError(`${file} is not a distsum log store`);
        // Schema and its version in one transaction: a crash leaves an empty file or a whole schema.
        const seed = randomBytes(16).toString('hex');
        writer.exec(
          `BEGIN IMMEDIATE; ${SCHEMA} INSERT INTO meta(key, value) VALUES ('schema', '${SCHEMA_VERSION}'), ('index_seed', '${seed}'); COMMIT;`,
        );
      }
    }
    bulk = writer !== undefined && opts.bulk === true && leaveWal(writer);
    reader = bulk ? writer! : openDb(file, false, Math.min(cache, 16384), false);
    let version: unknown;
    try {
      version = reader.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get();
    } catch (e) {
      if (sqliteCode(e) === 'SQLITE_ERROR') throw new StoreCorruptError(`${file} is not a distsum log store`);
      throw e;
    }
    if (version !== SCHEMA_VERSION) {
      throw new StoreCorruptError(`${file} has store schema ${JSON.stringify(version)}, this distsum reads ${SCHEMA_VERSION}`);
    }
    const seedHex = reader.prepare("SELECT value FROM meta WHERE key = 'index_seed'").pluck().get();
    if (typeof seedHex !== 'string' || !/^[0-9a-f]{32}$/.test(seedHex)) throw new StoreCorruptError(`${file} has no valid index seed`);
    shared = { seed: Buffer.from(seedHex, 'hex'), filter: undefined, epoch: 0 };
    if (!bulk) {
      // The read connection can never write, whatever a caller does with its transaction.
      reader.pragma('query_only = ON');
      // Reads through a memory map: a lookup reads a ~50 KB entry bundle spread over overflow pages,
      // one pread each without it (measured on a 1M-entry log: lookups/s 2.6k -> 4.5k). The mapped
      // pages are the kernel's page cache, shared and reclaimable, not process memory.
      reader.pragma(`mmap_size = ${READER_MMAP_BYTES}`);
    }
  } catch (e) {
    if (reader !== writer) reader?.close();
    writer?.close();
    lock?.close();
    throw wrap(file, e);
  }

  // The writer reads index pages only for the few names its filter cannot rule out.
  const writeOps = writer ? operations(writer, shared!, WRITER_INDEX_PAGE_CACHE_BYTES, bulk) : undefined;
  // In bulk mode reads share the writer's connection, so they take turns with its transactions.
  const readOps = bulk ? writeOps! : operations(reader, shared!, INDEX_PAGE_CACHE_BYTES);
  // A connection for resolving alerts when this process is not the writer, opened on first use.
  let sideWriter: Db | undefined;
  if (writeOps) {
    // Built once from the writer's connection, then kept current by its appends (see keyfilter.ts).
    try {
      // Runs a bulk import left unmerged when it died (see operations) are merged now, not at the
      // first append, which a read-only-serving writer may never make.
      if (!bulk) {
        writer!.exec('BEGIN IMMEDIATE');
        try {
          writeOps.compactIndexes();
          writer!.exec('COMMIT');
        } finally {
          if (writer!.inTransaction) writer!.exec('ROLLBACK');
        }
      }
      shared!.filter = writeOps.buildFilter();
    } catch (e) {
      if (reader !== writer) reader.close();
      writer!.close();
      lock?.close();
      throw wrap(file, e);
    }
  }
  const writeQueue = serializer();
  const readQueue = bulk ? writeQueue : serializer();
  let closed = false;
  let closing: Promise<void> | undefined;

  async function inTx<T>(db: Db, begin: string, ops: WriteTx & { forgetRuns(): void }, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (closed) throw new StoreIOError(`log store ${file} is closed`);
    try {
      db.exec(begin);
    } catch (e) {
      throw wrap(file, e);
    }
    let result: T;
    try {
      result = await fn(ops);
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      ops.forgetRuns();
      shared!.epoch++;
      throw wrap(file, e);
    }
    try {
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      ops.forgetRuns();
      shared!.epoch++;
      throw wrap(file, e);
    }
    if (db === writer) shared!.epoch++;
    return result;
  }

  async function shut(): Promise<void> {
    // Let running transactions finish before the connections go away.
    await Promise.all([readQueue(async () => undefined), writeQueue(async () => undefined)]);
    let failure: unknown;
    if (bulk) {
      // The merges a bulk import deferred, committed on their own; should this fail (or the
      // process die first), the runs stay as they are and the next writer merges them.
      try {
        await writeQueue(() => inTx(writer!, 'BEGIN IMMEDIATE', writeOps!, async () => writeOps!.compactIndexes()));
      } catch (e) {
        failure = e;
      }
    }
    closed = true;
    if (bulk) {
      // Back to WAL for servers and followers; should this fail, the next writer's open does it.
      try {
        writer!.pragma('journal_mode = WAL');
      } catch {
        // Another process is reading: it keeps the rollback journal until then.
      }
    } else {
      reader!.close();
    }
    sideWriter?.close();
    writer?.close();
    lock?.close();
    if (failure !== undefined) throw failure;
  }

  return {
    keySeed: shared!.seed,
    readOnly(fn) {
      return readQueue(() => inTx(reader!, 'BEGIN', readOps, fn));
    },
    readEach(fn) {
      if (closed) return Promise.reject(new StoreIOError(`log store ${file} is closed`));
      return readQueue(async () => {
        try {
          return await fn(readOps);
        } catch (e) {
          throw wrap(file, e);
        }
      });
    },
    async resolveAlert(id, at) {
      if (closed) throw new StoreIOError(`log store ${file} is closed`);
      if (writer) return writeQueue(() => inTx(writer!, 'BEGIN IMMEDIATE', writeOps!, (tx) => tx.resolveAlert(id, at)));
      try {
        sideWriter ??= openDb(file, false, 1024, false);
        return sideWriter.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(at, id).changes > 0;
      } catch (e) {
        throw wrap(file, e);
      }
    },
    readWrite(fn) {
      if (!writer || !writeOps) return Promise.reject(new StoreIOError(`log store ${file} was opened read-only`));
      return writeQueue(() => inTx(writer!, 'BEGIN IMMEDIATE', writeOps, fn));
    },
    close() {
      closing ??= shut();
      return closing;
    },
  };
}
