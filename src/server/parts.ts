// One serving process: the application over an open log, its metrics, its cache, and the start-up
// steps every mode shares (creating the log on first start, choosing the admin token).

import { existsSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { dataPaths } from '../config/paths.ts';
import { createDataDir } from '../log/datadir.ts';
import type { OpenLog } from '../log/datadir.ts';
import { loadAdminToken } from '../log/keys.ts';
import type { Claim, Outcome } from '../log/sequencer.ts';
import { getRequestListener } from '@hono/node-server';
import { buildApp } from './app.ts';
import { tileRoute } from './fastpath.ts';
import { lookupRoute } from './fastlookup.ts';
import type { Listener } from './fastpath.ts';
import { appRoute, firstOf } from './frontapp.ts';
import type { Handlers } from './listen.ts';
import type { App, ServerDeps } from './deps.ts';
import { newMetrics } from './metrics.ts';
import type { Metrics, MetricsSnapshot } from './metrics.ts';
import { FOLLOWER_META_KEY, MIN_TOKEN_LENGTH } from './options.ts';
import type { ServeOptions } from './options.ts';
import { recordProcessGauges } from './routes/ops.ts';
import { tileCache } from './tilecache.ts';
import { latestCheckpoint } from './latest.ts';
import type { LatestCheckpoint } from './latest.ts';
import { firstSeenCache } from './firstseen.ts';
import type { TileCache } from './tilecache.ts';

/**
 * How long a serving process trusts its cached latest checkpoint when no commit was reported to it
 * (another process may be the writer): the freshness of /checkpoint and lookups.
 */
export const CHECKPOINT_TTL_MS = 1000;

/** Largest follower state shown, in characters. */
const MAX_FOLLOWER_STATE = 64 * 1024;

/** The admin token this server accepts: the environment's (if long enough) or the data directory's. */
export function resolveToken(open: OpenLog, fromEnv: string | undefined): string {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_TOKEN_LENGTH || /\s/.test(fromEnv)) {
      throw new UsageError(`DISTSUM_ADMIN_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    return fromEnv;
  }
  return loadAdminToken(open.paths);
}

/** Creates the data directory when `init` asks for it and it holds no log yet. */
export async function initIfMissing(opts: ServeOptions): Promise<void> {
  if (opts.init === undefined || existsSync(dataPaths(opts.dataDir).db)) return;
  const vkey = await createDataDir(opts.dataDir, opts.init.origin, opts.now(), { token: opts.adminToken || undefined });
  opts.log(`distsum: created log ${opts.init.origin} in ${opts.dataDir}; verifier key: ${vkey}`);
}

// The follower's recorded state as JSON, or its raw text when it is not JSON.
async function followerState(open: OpenLog): Promise<unknown> {
  const v = await open.store.readOnly((tx) => tx.getMeta(FOLLOWER_META_KEY));
  if (v === undefined || v.length > MAX_FOLLOWER_STATE) return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** The application and what it runs on, for one serving process. */
export interface ServerParts {
  app: App;
  /**
   * The front's routes (cached tiles and found lookups first, then the app) and the Node listener
   * (the app) for connections the front hands over.
   */
  handler: Handlers;
  deps: ServerDeps;
  metrics: Metrics;
  cache: TileCache;
  latest: LatestCheckpoint;
}

/** Builds one serving process's application over an open log. */
export function serverParts(
  open: OpenLog,
  opts: ServeOptions,
  hooks: {
    append?: (claims: Claim[]) => Promise<Outcome[]>;
    token?: string;
    /** Other processes' snapshots (a cluster worker asks the primary); none by default. */
    otherMetrics?: () => Promise<MetricsSnapshot[]>;
    metrics?: Metrics;
    shuttingDown: () => boolean;
  },
): ServerParts {
  const metrics = hooks.metrics ?? newMetrics();
  const cache = tileCache(open.reader, opts.cacheBytes);
  const latest = latestCheckpoint(open.reader, CHECKPOINT_TTL_MS);
  const deps: ServerDeps = {
    reader: open.reader,
    cache,
    latest,
    firstSeen: firstSeenCache(open.reader),
    findFilename: async (filename) => (await open.store.readEach((tx) => tx.filenameCandidates([filename])))[0],
    findFilenames: (filenames) => open.store.readEach((tx) => tx.filenameCandidates(filenames)),
    append: hooks.append,
    // Resolving needs no writer lock (Store.resolveAlert), so every serving process can do it.
    resolveAlert: hooks.token === undefined ? undefined : (id) => open.store.resolveAlert(id, opts.now().toISOString()),
    token: hooks.token,
    metrics,
    allMetrics: hooks.otherMetrics ?? (async () => [snapshotOf(metrics, cache)]),
    followerState: () => followerState(open),
    limits: opts.limits,
    shuttingDown: hooks.shuttingDown,
    logError: opts.log,
  };
  const app = buildApp(deps);
  const handler: Handlers = {
    front: firstOf([tileRoute(cache, metrics), lookupRoute(deps)], appRoute(app.fetch)),
    listener: getRequestListener(app.fetch) as Listener,
  };
  return { app, handler, deps, metrics, cache, latest };
}

// A serving process's metrics with its current gauges (memory, cache).
function snapshotOf(metrics: Metrics, cache: TileCache): MetricsSnapshot {
  recordProcessGauges(metrics, cache);
  return metrics.snapshot();
}

/** Snapshot of a serving process's metrics with its current gauges. */
export function ownSnapshot(parts: ServerParts): MetricsSnapshot {
  return snapshotOf(parts.metrics, parts.cache);
}

/** Counts committed batches in `metrics` (the writer's onCommit). */
export function countCommits(metrics: Metrics): (info: { appended: number }) => void {
  return (info) => {
    metrics.inc('distsum_log_appended_entries_total', undefined, info.appended);
    metrics.inc('distsum_log_append_batches_total');
  };
}

