// `distsum log serve`: runs the log's HTTP server over a data directory. With one process (the
// default) the server holds the log writer itself; with --workers N the cluster primary holds the
// writer and N worker processes answer HTTP over read-only store connections (SQLite WAL lets them
// all read while the primary writes), forwarding appends to the primary (see cluster.ts).

import cluster from 'node:cluster';
import { UsageError } from '../errors.ts';
import { openDataDir } from '../log/datadir.ts';
import { listen } from './listen.ts';
import { newMetrics } from './metrics.ts';
import type { ServeOptions, ServerHandle } from './options.ts';
import { countCommits, initIfMissing, resolveToken, serverParts } from './parts.ts';
import { runPrimary, runWorker } from './cluster.ts';
import { followConfig, startFollower, type FollowerHandle } from '../monitor/follow.ts';
import { lineChannel } from '../monitor/channels.ts';
import { VERSION } from '../version.ts';

// Everything in this process: the writer (unless read-only), the HTTP server.
async function runSingle(opts: ServeOptions): Promise<ServerHandle> {
  await initIfMissing(opts);
  const metrics = newMetrics();
  const counted = countCommits(metrics);
  let onCommit = counted;
  const open = await openDataDir(opts.dataDir, { writer: !opts.readOnly, now: opts.now, onCommit: (info) => onCommit(info) });
  let stopping = false;
  let listening;
  try {
    const token = open.writer ? resolveToken(open, opts.adminToken) : undefined;
    const parts = serverParts(open, opts, {
      append: open.writer ? (claims) => open.writer!.append(claims) : undefined,
      token,
      metrics,
      shuttingDown: () => stopping,
    });
    onCommit = (info) => {
      counted(info);
      parts.latest.invalidate();
    };
    listening = await listen(parts.handler, opts.host, opts.port);
  } catch (e) {
    await open.close();
    throw e;
  }
  const size = (await open.reader.latestCheckpoint()).size;
  opts.log(`distsum: serving log ${open.info.origin} (${size} entries${opts.readOnly ? ', read-only' : ''}) at ${listening.url}/`);
  let follower: FollowerHandle | undefined;
  if (opts.follow) {
    follower = startFollower({
      log: open,
      config: followConfig(opts.follow.index, { version: VERSION, intervalMs: opts.follow.intervalMs }),
      channels: [lineChannel(opts.log, open.info.origin, false)],
      say: opts.log,
      now: opts.now,
    });
    // A follower that stops on a fatal error (e.g. the log follows another index) leaves the server up.
    follower.done.catch((e: unknown) => opts.log(`distsum: follower stopped: ${e instanceof Error ? e.message : String(e)}`));
  }
  let closing: Promise<void> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const l = listening;
  return {
    url: l.url,
    origin: open.info.origin,
    done,
    close() {
      closing ??= (async () => {
        stopping = true;
        try {
          await follower?.stop();
          await l.stop(opts.graceMs);
        } finally {
          // Finishes the queued batch (signed and committed), then closes the store.
          await open.close();
          finished();
        }
      })();
      return closing;
    },
  };
}

/**
 * Runs the server as `opts` says. In a cluster worker process (started by the primary re-running
 * the same command) it runs the worker side instead. Throws UsageError for start-up problems: the
 * port in use, no log in the data directory, another writer holding the log.
 */
export async function runServer(opts: ServeOptions): Promise<ServerHandle> {
  if (!Number.isSafeInteger(opts.workers) || opts.workers < 1) throw new UsageError('--workers must be a positive integer');
  if (opts.follow && (opts.readOnly || opts.workers > 1)) {
    throw new UsageError('--follow needs the single-process writer: drop --read-only and --workers');
  }
  if (cluster.isWorker) return runWorker(opts);
  if (opts.workers > 1) return runPrimary(opts);
  return runSingle(opts);
}
