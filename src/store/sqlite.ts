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

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  AlertQuery,
  EntryKeys,
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
import { DistsumError } from '../errors.ts';

/** Schema version stored in meta('schema'); a store with another value is refused. */
export const SCHEMA_VERSION = '1';

const SCHEMA = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, hash BLOB NOT NULL, note BLOB NOT NULL, created INTEGER NOT NULL);
CREATE TABLE tiles(level INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(level, n));
CREATE TABLE bundles(n INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE by_filename(filename TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE by_sha256(key INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY(key, idx)) WITHOUT ROWID;
CREATE TABLE by_project(project TEXT NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(project, first)) WITHOUT ROWID;
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

// Rows per multi-row INSERT: one native call per chunk instead of per row.
const CHUNK = 128;
// File names per lookup query.
const LOOKUP_CHUNK = 256;

/** Options for openSqliteStore. */
export interface SqliteOptions {
  /** Create the file and schema if missing (init). Otherwise a missing file is StoreMissingError. */
  create?: boolean;
  /** Path of the writer lock file; when given, the store is writable and holds the lock until close. */
  writerLock?: string;
  /** SQLite page cache per connection in KiB (default 16384: the import benchmark's RSS budget). */
  cacheKiB?: number;
}

// The key of the sha256 index: the first 6 bytes as an integer (exact in a JS number, and a quarter
// of the index size of the full digest); lookups compare the full digest in the entry.
function shaKey(sha256: Uint8Array): number {
  if (sha256.length !== 32) throw new StoreConflictError('sha256 must be 32 bytes');
  return sha256[0] * 2 ** 40 + sha256[1] * 2 ** 32 + sha256[2] * 2 ** 24 + sha256[3] * 2 ** 16 + sha256[4] * 2 ** 8 + sha256[5];
}

// `pairs` (48-bit integer key, index) in nearly ascending key order, for B-tree locality: a numeric
// typed-array sort of (top 37 key bits, position) is many times faster than sorting tuples with a
// comparator, and order within a 2^11-wide key range does not matter for locality.
function sortedByKey(pairs: [number, number][]): [number, number][] {
  if (pairs.length >= 2 ** 16) return pairs.sort((a, b) => a[0] - b[0]);
  const order = new Float64Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) order[i] = Math.floor(pairs[i][0] / 2 ** 11) * 2 ** 16 + i;
  order.sort();
  return Array.from(order, (o) => pairs[o % 2 ** 16]);
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

// The prepared statements of one connection and the operations built on them.
function operations(db: Db): WriteTx {
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
    findFilename: db.prepare('SELECT idx FROM by_filename WHERE filename = ?').pluck(),
    findFilenamesN: db.prepare(`SELECT filename, idx FROM by_filename WHERE filename IN (${Array(LOOKUP_CHUNK).fill('?').join(', ')})`).raw(),
    findSha: db.prepare('SELECT idx FROM by_sha256 WHERE key = ? ORDER BY idx LIMIT ?').pluck(),
    findProject: db.prepare(
      'SELECT first, count FROM by_project WHERE project = ? AND first + count - 1 > ? ORDER BY first LIMIT ?',
    ),
    addFilename1: db.prepare('INSERT INTO by_filename(filename, idx) VALUES (?, ?)'),
    addFilenameN: db.prepare(`INSERT INTO by_filename(filename, idx) VALUES ${Array(CHUNK).fill('(?, ?)').join(', ')}`),
    addSha1: db.prepare('INSERT INTO by_sha256(key, idx) VALUES (?, ?)'),
    addShaN: db.prepare(`INSERT INTO by_sha256(key, idx) VALUES ${Array(CHUNK).fill('(?, ?)').join(', ')}`),
    addRun: db.prepare('INSERT INTO by_project(project, first, count) VALUES (?, ?, ?)'),
    addAlert: db
      .prepare(
        `INSERT INTO alerts(kind, severity, project, filename, version, created, details, dedup_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedup_key) DO NOTHING RETURNING id`,
      )
      .pluck(),
    resolveAlert: db.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL'),
  };

  // Inserts (key, idx) pairs in the order given (callers sort by key: neighbouring keys share
  // B-tree pages, measured ~12% faster overall), many rows per native call.
  function insertPairs(pairs: [string | number, number][], one: Statement, many: Statement): void {
    const args: (string | number)[] = new Array(2 * CHUNK);
    let i = 0;
    for (; i + CHUNK <= pairs.length; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) {
        args[2 * j] = pairs[i + j][0];
        args[2 * j + 1] = pairs[i + j][1];
      }
      many.run(args);
    }
    for (; i < pairs.length; i++) one.run(pairs[i][0], pairs[i][1]);
  }

  return {
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
    async findFilenames(filenames) {
      // One name (every single lookup) needs no map: one row, one value (measured 12 -> 4 µs).
      if (filenames.length === 1) return [st.findFilename.get(filenames[0]) as number | undefined];
      const found = new Map<string, number>();
      let i = 0;
      for (; i + LOOKUP_CHUNK <= filenames.length; i += LOOKUP_CHUNK) {
        for (const [f, idx] of st.findFilenamesN.all(filenames.slice(i, i + LOOKUP_CHUNK)) as [string, number][]) found.set(f, idx);
      }
      for (; i < filenames.length; i++) {
        const idx = st.findFilename.get(filenames[i]) as number | undefined;
        if (idx !== undefined) found.set(filenames[i], idx);
      }
      return filenames.map((f) => found.get(f));
    },
    async readBundleSlice(n, start, length) {
      if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw new RangeError(`store: bad bundle slice [${start}, +${length})`);
      }
      const d = st.bundleSlice.get(start + 1, length, n) as Buffer | undefined;
      return d && bytes(d);
    },
    async findSha256(sha256, limit) {
      return st.findSha.all(shaKey(sha256), limit) as number[];
    },
    async findProject(project, afterIndex, limit) {
      return st.findProject.all(project, afterIndex, limit) as ProjectRun[];
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
      const want = entries[0].index;
      const names: [string, number][] = new Array(entries.length);
      const shas: [number, number][] = new Array(entries.length);
      let runStart = 0;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (e.index !== want + i) throw new StoreConflictError(`entries must be contiguous: index ${e.index} after ${want + i - 1}`);
        names[i] = [e.filename, e.index];
        shas[i] = [shaKey(e.sha256), e.index];
        if (i > 0 && e.project !== entries[i - 1].project) {
          st.addRun.run(entries[runStart].project, entries[runStart].index, i - runStart);
          runStart = i;
        }
      }
      st.addRun.run(entries[runStart].project, entries[runStart].index, entries.length - runStart);
      names.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      insertPairs(names, st.addFilename1, st.addFilenameN);
      insertPairs(sortedByKey(shas), st.addSha1, st.addShaN);
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

// Bytes of the database the read connection maps (SQLite's compiled-in limit may lower it).
const READER_MMAP_BYTES = 2 ** 31;

function openDb(file: string, create: boolean, cacheKiB: number): Db {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: !create });
  } catch (e) {
    if (sqliteCode(e) === 'SQLITE_CANTOPEN' && !create) throw new StoreMissingError(`no log store at ${file} (run distsum log init, or pass --data)`);
    throw wrap(file, e);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
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
  try {
    writer = lock ? openDb(file, create, cache) : undefined;
    if (writer) {
      const hasSchema = writer.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'meta'").pluck().get() as number;
      if (!hasSchema) {
        if (!create) throw new StoreCorruptError(`${file} is not a distsum log store`);
        // Schema and its version in one transaction: a crash leaves an empty file or a whole schema.
        writer.exec(`BEGIN IMMEDIATE; ${SCHEMA} INSERT INTO meta(key, value) VALUES ('schema', '${SCHEMA_VERSION}'); COMMIT;`);
      }
    }
    reader = openDb(file, false, Math.min(cache, 16384));
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
    // The read connection can never write, whatever a caller does with its transaction.
    reader.pragma('query_only = ON');
    // Reads through a memory map: a lookup reads a ~50 KB entry bundle spread over overflow pages,
    // one pread each without it (measured on a 1M-entry log: lookups/s 2.6k -> 4.5k). The mapped
    // pages are the kernel's page cache, shared and reclaimable, not process memory.
    reader.pragma(`mmap_size = ${READER_MMAP_BYTES}`);
  } catch (e) {
    reader?.close();
    writer?.close();
    lock?.close();
    throw wrap(file, e);
  }

  const readOps = operations(reader);
  // A connection for resolving alerts when this process is not the writer, opened on first use.
  let sideWriter: Db | undefined;
  const writeOps = writer ? operations(writer) : undefined;
  const readQueue = serializer();
  const writeQueue = serializer();
  let closed = false;

  async function inTx<T>(db: Db, begin: string, ops: WriteTx, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
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
      throw wrap(file, e);
    }
    try {
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw wrap(file, e);
    }
    return result;
  }

  return {
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
        sideWriter ??= openDb(file, false, 1024);
        return sideWriter.prepare('UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL').run(at, id).changes > 0;
      } catch (e) {
        throw wrap(file, e);
      }
    },
    readWrite(fn) {
      if (!writer || !writeOps) return Promise.reject(new StoreIOError(`log store ${file} was opened read-only`));
      return writeQueue(() => inTx(writer!, 'BEGIN IMMEDIATE', writeOps, fn));
    },
    async close() {
      if (closed) return;
      // Let running transactions finish before the connections go away.
      await Promise.all([readQueue(async () => undefined), writeQueue(async () => undefined)]);
      closed = true;
      reader!.close();
      sideWriter?.close();
      writer?.close();
      lock?.close();
    },
  };
}
