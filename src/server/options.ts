// The options and the handle of a running `distsum log serve`, shared by the single-process and
// the cluster modes.

import type { Limits } from './deps.ts';

/** Origin of a log created by `serve --init` when none is given. */
export const DEFAULT_ORIGIN = 'localhost/distsum';

/** Shortest admin token accepted from the environment. */
export const MIN_TOKEN_LENGTH = 16;

/** Store metadata key where an index follower may record its state (JSON) for /api/v1/status. */
export const FOLLOWER_META_KEY = 'follower';

/** How to run the server. */
export interface ServeOptions {
  /** Absolute data directory. */
  dataDir: string;
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Processes answering HTTP: 1 runs everything in this process; N > 1 forks N cluster workers. */
  workers: number;
  /** Serve without taking the writer lock: no write API (another process may be the writer). */
  readOnly: boolean;
  /** Create the data directory with a new log named `origin` when it holds none. */
  init?: { origin: string };
  /** Admin token from the environment; otherwise the data directory's admin.token is used. */
  adminToken?: string;
  /** Bytes of tile data each process may keep in memory. */
  cacheBytes: number;
  limits: Limits;
  /** How long requests in progress may take to finish after a shutdown begins. */
  graceMs: number;
  now: () => Date;
  /** Writes one line for the operator (stderr). */
  log: (line: string) => void;
  /** Follow this index in the same process (`--follow URL`): the server's writer appends what it finds. */
  follow?: { index: string; intervalMs: number };
}

/** A running server. */
export interface ServerHandle {
  /** Base URL clients use. */
  url: string;
  origin: string;
  /** Stops gracefully: no new connections, requests in progress finish, the writer commits and the store closes. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the server has stopped, however that was initiated. */
  done: Promise<void>;
}

