// What the HTTP application needs from the outside: the log (reads, and appends when this server
// may write), the admin token, metrics and limits. Passed in, so the same application runs
// in one process, in cluster workers (appends and metrics then go through the primary) and in tests.

import type { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { LogReader } from '../log/log.ts';
import type { Claim, Outcome } from '../log/sequencer.ts';
import type { Metrics, MetricsSnapshot } from './metrics.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';
import type { FirstSeen } from './firstseen.ts';

/** Bounds on what one request may ask for or send. */
export interface Limits {
  /** Largest POST /api/v1/entries body in bytes. */
  maxBodyBytes: number;
  /** Most entries in one POST /api/v1/entries. */
  maxEntries: number;
  /** Longest search query in characters. */
  maxQuery: number;
  /** Most files per page of a project (API default and web page size). */
  projectPage: number;
  /** Most files one API request may ask for (?limit=). */
  maxProjectPage: number;
  /** Most alerts one request may ask for (?limit=). */
  maxAlertPage: number;
}

/** Defaults of Limits. */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxBodyBytes: 8 << 20,
  maxEntries: 10_000,
  maxQuery: 512,
  projectPage: 500,
  maxProjectPage: 5000,
  maxAlertPage: 1000,
};

/** Everything the application reads and calls. */
export interface ServerDeps {
  reader: LogReader;
  /** Immutable tile data in memory. */
  cache: TileCache;
  /** The latest checkpoint in memory. */
  latest: LatestCheckpoint;
  /** First-commit times in memory. */
  firstSeen: FirstSeen;
  /**
   * The indexes (ascending) of the entries that may be a file name's, from the store's file name
   * index: a superset, since its keys are hashes; callers check the entries' file names.
   */
  findFilename: (filename: string) => Promise<number[]>;
  /** findFilename for many names in one store query; results in the order asked. */
  findFilenames?: (filenames: string[]) => Promise<number[][]>;
  /** Appends claims to the log (the writer, or a channel to it); absent on a read-only server. */
  append?: (claims: Claim[]) => Promise<Outcome[]>;
  /** The admin bearer token; writes are refused without one. */
  token?: string;
  /** Marks an open alert resolved now (false: no such open alert); absent without an admin token. */
  resolveAlert?: (id: number) => Promise<boolean>;
  /** This process's metrics. */
  metrics: Metrics;
  /** Metric snapshots of every process serving the log, this one's included. */
  allMetrics: () => Promise<MetricsSnapshot[]>;
  /** The index follower's recorded state, or undefined when no follower records one. */
  followerState: () => Promise<unknown>;
  limits: Limits;
  /** True once a graceful shutdown began (health checks then fail so balancers stop sending). */
  shuttingDown: () => boolean;
  /** Reports a failure the client only sees as a 500 (one line; the operator's log). */
  logError: (line: string) => void;
}

/** The Hono application type (Node bindings are absent when a test calls app.request). */
export type App = Hono<{ Bindings: Partial<HttpBindings> }>;
