// A log data directory: the SQLite store, the note key and the admin token together. Creating one and
// opening one for reading or as the single writer, with the checks that make a wrong directory or a
// wrong key a one-line error instead of a signature nobody can verify.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dataPaths } from '../config/paths.ts';
import type { DataPaths } from '../config/paths.ts';
import type { Store } from '../store/store.ts';
import { UsageError } from '../errors.ts';
import { createKeyFiles, loadSigner, originProblem } from './keys.ts';
import { initLog, logReader, openLogWriter, readLogInfo } from './log.ts';
import type { LogInfo, LogReader, LogWriter } from './log.ts';
import type { SequencerOptions } from './sequencer.ts';

// The SQLite store (a native module) is loaded when a log is opened, not when the CLI starts: most
// commands never touch a log.
const loadSqlite = () => import('../store/sqlite.ts');

/** An open data directory. close() finishes queued appends and releases the store and writer lock. */
export interface OpenLog {
  paths: DataPaths;
  store: Store;
  info: LogInfo;
  reader: LogReader;
  /** Present when opened as the writer. */
  writer?: LogWriter;
  close(): Promise<void>;
}

/**
 * Creates data directory `dir` for a new log named `origin`: the store (with the empty tree's signed
 * checkpoint), a new note key (0600), the verifier key and an admin token (0600). Refuses when `dir`
 * already holds any of these files. Returns the verifier key string.
 */
export async function createDataDir(
  dir: string,
  origin: string,
  now: Date,
  opts: { seed?: Uint8Array; token?: string } = {},
): Promise<string> {
  const problem = originProblem(origin);
  if (problem) throw new UsageError(problem);
  const paths = dataPaths(dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a directory`);
  for (const f of [paths.db, paths.signerKey, paths.adminToken, paths.verifierKey]) {
    if (existsSync(f)) throw new UsageError(`${dir} already holds a log (${f} exists); refusing to overwrite it`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The writer lock first: a concurrent init of the same directory fails here.
  const { openSqliteStore } = await loadSqlite();
  const store = openSqliteStore(paths.db, { create: true, writerLock: paths.writerLock });
  try {
    const { verifierKey, signer } = createKeyFiles(paths, origin, opts);
    await initLog(store, { origin, signer, verifierKey, now });
    return verifierKey;
  } finally {
    await store.close();
  }
}

/**
 * Opens data directory `dir`. As the writer (`writer: true`) it takes the writer lock, loads and
 * checks the note key against the store and resumes the sequencer from the last checkpoint.
 */
export async function openDataDir(
  dir: string,
  opts: {
    writer?: boolean;
    now: () => Date;
    maxBatch?: number;
    onCommit?: SequencerOptions['onCommit'];
    cacheKiB?: number;
    /** A bulk import: see SqliteOptions.bulk (only with writer). */
    bulk?: boolean;
  },
): Promise<OpenLog> {
  const paths = dataPaths(dir);
  if (!existsSync(dir)) {
    throw new UsageError(`no log data directory at ${dir} (run distsum log init --origin <name>, or pass --data / set DISTSUM_DATA)`);
  }
  if (!existsSync(paths.db)) throw new UsageError(`${dir} holds no log store (${paths.db} is missing; run distsum log init)`);
  const { openSqliteStore } = await loadSqlite();
  const store = openSqliteStore(paths.db, { writerLock: opts.writer ? paths.writerLock : undefined, cacheKiB: opts.cacheKiB, bulk: opts.writer === true && opts.bulk === true });
  try {
    const info = await readLogInfo(store);
    let writer: LogWriter | undefined;
    if (opts.writer) {
      const signer = loadSigner(paths, info.verifierKey);
      writer = await openLogWriter(store, signer, { now: opts.now, maxBatch: opts.maxBatch, onCommit: opts.onCommit });
    }
    return {
      paths,
      store,
      info,
      reader: writer ?? logReader(store, info),
      writer,
      async close() {
        try {
          await writer?.close();
        } finally {
          await store.close();
        }
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
