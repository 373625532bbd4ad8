// Where distsum keeps its files: the log data directory (store, note key, admin token).
// Resolution is a pure function of the flag, the environment and the working directory, so
// commands and tests agree on it without touching process globals.

import { isAbsolute, join, resolve } from 'node:path';

/** Data directory used when neither --data nor DISTSUM_DATA is given, relative to the working directory. */
export const DEFAULT_DATA_DIR = 'distsum-data';

/** Environment variable naming the data directory. */
export const DATA_DIR_ENV = 'DISTSUM_DATA';

/**
 * The absolute data directory: `flag` if given (non-empty), else $DISTSUM_DATA if non-empty, else
 * ./distsum-data; relative paths are taken from `cwd`.
 */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  const chosen = flag !== undefined && flag !== '' ? flag : env[DATA_DIR_ENV] ? String(env[DATA_DIR_ENV]) : DEFAULT_DATA_DIR;
  return isAbsolute(chosen) ? resolve(chosen) : resolve(cwd, chosen);
}

/** The files inside a log data directory. Every path is absolute when `dir` is. */
export interface DataPaths {
  dir: string;
  /** SQLite store (plus its -wal and -shm companions). */
  db: string;
  /** Ed25519 note signer key ('PRIVATE+KEY+...'), mode 0600. */
  signerKey: string;
  /** Note verifier key ('<origin>+<id>+<base64>'), public. */
  verifierKey: string;
  /** Bearer token for the HTTP write API, mode 0600. */
  adminToken: string;
  /** Held locked by the single writer (sequencer) while it runs. */
  writerLock: string;
}

/** The layout of data directory `dir`. */
export function dataPaths(dir: string): DataPaths {
  return {
    dir,
    db: join(dir, 'log.db'),
    signerKey: join(dir, 'note.key'),
    verifierKey: join(dir, 'note.pub'),
    adminToken: join(dir, 'admin.token'),
    writerLock: join(dir, 'writer.lock'),
  };
}
