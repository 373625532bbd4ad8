// The cluster mode of `distsum log serve --workers N`. Node answers HTTP on one thread, so reads
// scale by processes: the primary holds the log writer (the single sequencer) and forks N workers;
// each worker opens the store read-only and serves every route, and forwards appends to the primary
// over IPC. The primary also gathers every worker's metrics for /metrics, restarts a worker that
// dies, and on shutdown stops the workers first, then lets the writer finish its batch.

import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { UsageError, errorMessage } from '../errors.ts';
import { StoreIOError } from '../store/errors.ts';
import { openDataDir } from '../log/datadir.ts';
import type { OpenLog } from '../log/datadir.ts';
import type { Outcome } from '../log/sequencer.ts';
import { fromWire, isProtocolMessage, rpc, toWire } from './ipc.ts';
import type { ToPrimary, ToWorker } from './ipc.ts';
import { listen } from './listen.ts';
import type { Listening } from './listen.ts';
import { newMetrics } from './metrics.ts';
import type { MetricsSnapshot } from './metrics.ts';
import type { ServeOptions, ServerHandle } from './options.ts';
import { countCommits, initIfMissing, ownSnapshot, resolveToken, serverParts } from './parts.ts';
import type { ServerParts } from './parts.ts';
import { recordProcessGauges } from './routes/ops.ts';

/** How long the primary waits for workers' metric snapshots. */
const SNAPSHOT_TIMEOUT_MS = 1000;

/** Worker restarts allowed per minute before the primary stops restarting them. */
const MAX_RESTARTS_PER_MINUTE = 5;

/** Extra time a worker gets to exit after its grace period before it is killed. */
const EXIT_MARGIN_MS = 5000;

function sendTo(w: Worker, m: ToWorker): void {
  // A worker that died cannot be answered; its client's connection is gone with it.
  if (w.isConnected()) w.send(m, undefined, () => undefined);
}

/** The primary: holds the writer, forks and supervises the workers. */
export async function runPrimary(opts: ServeOptions): Promise<ServerHandle> {
  await initIfMissing(opts);
  const metrics = newMetrics();
  const counted = countCommits(metrics);
  const workers = new Set<Worker>();
  const open = await openDataDir(opts.dataDir, {
    writer: !opts.readOnly,
    now: opts.now,
    onCommit: (info) => {
      counted(info);
      for (const w of workers) sendTo(w, { distsum: 'committed' });
    },
  });
  try {
    // Check the token once here, so a bad one is one error instead of N.
    if (open.writer) resolveToken(open, opts.adminToken);
  } catch (e) {
    await open.close();
    throw e;
  }

  let stopping = false;
  const exits = new Map<Worker, Promise<void>>();
  const restarts: number[] = [];
  const waits = new Map<number, { need: Set<Worker>; got: MetricsSnapshot[]; finish: () => void }>();
  let nextWait = 1;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));

  async function collect(): Promise<MetricsSnapshot[]> {
    recordProcessGauges(metrics, undefined);
    const mine = metrics.snapshot();
    const id = nextWait++;
    const live = [...workers].filter((w) => w.isConnected());
    const got: MetricsSnapshot[] = [];
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        waits.delete(id);
        resolve();
      };
      const timer = setTimeout(finish, SNAPSHOT_TIMEOUT_MS);
      waits.set(id, { need: new Set(live), got, finish });
      for (const w of live) sendTo(w, { distsum: 'snapshot-request', id });
      if (live.length === 0) finish();
    });
    return [mine, ...got];
  }

  function onMessage(w: Worker, m: ToPrimary): void {
    switch (m.distsum) {
      case 'append':
        if (open.writer === undefined) {
          sendTo(w, { distsum: 'append-result', id: m.id, error: { name: 'UsageError', message: 'this server is read-only' } });
          return;
        }
        open.writer.append(m.claims).then(
          (outcomes) => sendTo(w, { distsum: 'append-result', id: m.id, outcomes }),
          (e: unknown) => sendTo(w, { distsum: 'append-result', id: m.id, error: toWire(e) }),
        );
        return;
      case 'metrics':
        collect().then(
          (snapshots) => sendTo(w, { distsum: 'metrics-result', id: m.id, snapshots }),
          () => sendTo(w, { distsum: 'metrics-result', id: m.id, snapshots: [] }),
        );
        return;
      case 'snapshot': {
        const wait = waits.get(m.id);
        if (wait !== undefined && wait.need.delete(w)) {
          wait.got.push(m.snapshot);
          if (wait.need.size === 0) wait.finish();
        }
        return;
      }
      default:
        return;
    }
  }

  // Forks a worker; resolves with its URL once it listens, rejects if it fails to start.
  function spawn(): Promise<string> {
    const w = cluster.fork();
    workers.add(w);
    // A send to a worker that is exiting fails (EPIPE, channel closed): expected, and it must not
    // become an uncaught 'error' event in the primary. Anything else is worth a line.
    w.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_IPC_CHANNEL_CLOSED') opts.log(`distsum: server worker ${w.process.pid}: ${e.message}`);
    });
    let ready = false;
    return new Promise<string>((resolve, reject) => {
      exits.set(
        w,
        new Promise<void>((exited) => {
          w.on('exit', (code, signal) => {
            workers.delete(w);
            exits.delete(w);
            exited();
            for (const wait of waits.values()) if (wait.need.delete(w) && wait.need.size === 0) wait.finish();
            if (!ready) reject(new UsageError(`a server worker exited while starting (${signal ?? `exit code ${code}`})`));
            else onUnexpectedExit(signal ?? `exit code ${code}`);
          });
        }),
      );
      w.on('message', (m: unknown) => {
        if (!isProtocolMessage(m)) return;
        const msg = m as ToPrimary;
        if (msg.distsum === 'ready') {
          ready = true;
          resolve(msg.url);
        } else if (msg.distsum === 'fatal') {
          reject(new UsageError(msg.message));
        } else {
          onMessage(w, msg);
        }
      });
    });
  }

  function onUnexpectedExit(how: string): void {
    if (stopping) return;
    const now = Date.now();
    while (restarts.length > 0 && restarts[0] < now - 60_000) restarts.shift();
    if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      opts.log(`distsum: a server worker exited (${how}); not restarting it (${restarts.length} restarts in the last minute)`);
      if (workers.size === 0) void handle.close();
      return;
    }
    restarts.push(now);
    opts.log(`distsum: a server worker exited (${how}); starting another`);
    spawn().catch((e: unknown) => {
      opts.log(`distsum: could not restart a server worker: ${errorMessage(e)}`);
      // Without workers nothing answers: stop rather than run as a silent, deaf process.
      if (workers.size === 0 && !stopping) void handle.close();
    });
  }

  async function stopWorkers(): Promise<void> {
    for (const w of workers) sendTo(w, { distsum: 'shutdown' });
    const all = [...exits.values()];
    const killer = setTimeout(() => {
      for (const w of workers) w.process.kill('SIGKILL');
    }, opts.graceMs + EXIT_MARGIN_MS);
    await Promise.all(all);
    clearTimeout(killer);
  }

  let closing: Promise<void> | undefined;
  const handle: ServerHandle = {
    url: '',
    origin: open.info.origin,
    done,
    close() {
      closing ??= (async () => {
        stopping = true;
        try {
          await stopWorkers();
        } finally {
          // Appends the workers forwarded are answered by now; finish the batch and close.
          await open.close();
          finished();
        }
      })();
      return closing;
    },
  };

  let urls: string[];
  try {
    urls = await Promise.all(Array.from({ length: opts.workers }, spawn));
  } catch (e) {
    await handle.close();
    throw e;
  }
  handle.url = urls[0];
  const size = (await open.reader.latestCheckpoint()).size;
  opts.log(`distsum: serving log ${open.info.origin} (${size} entries${opts.readOnly ? ', read-only' : ''}) at ${handle.url}/ with ${opts.workers} worker processes`);
  return handle;
}

function sendToPrimary(m: ToPrimary): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

/** A worker: serves HTTP over a read-only store; appends and metrics go through the primary. */
export async function runWorker(opts: ServeOptions): Promise<ServerHandle> {
  const calls = rpc((m) => void sendToPrimary(m));
  let stopping = false;
  let open: OpenLog | undefined;
  let parts: ServerParts | undefined;
  let listening: Listening | undefined;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let closing: Promise<void> | undefined;

  const handle: ServerHandle = {
    url: '',
    origin: '',
    done,
    close() {
      closing ??= (async () => {
        stopping = true;
        try {
          await listening?.stop(opts.graceMs);
          await open?.close();
        } finally {
          calls.failAll(new StoreIOError('the server is shutting down'));
          if (process.connected) process.disconnect();
          finished();
        }
      })();
      return closing;
    },
  };

  process.on('message', (m: unknown) => {
    if (!isProtocolMessage(m)) return;
    const msg = m as ToWorker;
    switch (msg.distsum) {
      case 'append-result':
        calls.settle(msg.id, msg.error !== undefined ? { err: fromWire(msg.error) } : { ok: msg.outcomes ?? [] });
        return;
      case 'metrics-result':
        calls.settle(msg.id, { ok: msg.snapshots });
        return;
      case 'snapshot-request':
        if (parts !== undefined) void sendToPrimary({ distsum: 'snapshot', id: msg.id, snapshot: ownSnapshot(parts) });
        return;
      case 'committed':
        parts?.latest.invalidate();
        return;
      case 'shutdown':
        void handle.close();
        return;
    }
  });
  // The primary is gone (killed): nobody can append or supervise any more, so stop.
  process.on('disconnect', () => {
    calls.failAll(new StoreIOError('lost the server primary'));
    void handle.close();
  });

  try {
    open = await openDataDir(opts.dataDir, { writer: false, now: opts.now });
    const token = opts.readOnly ? undefined : resolveToken(open, opts.adminToken);
    parts = serverParts(open, opts, {
      append: opts.readOnly ? undefined : (claims) => calls.call<Outcome[]>((id) => ({ distsum: 'append', id, claims })),
      token,
      otherMetrics: () => calls.call<MetricsSnapshot[]>((id) => ({ distsum: 'metrics', id }), SNAPSHOT_TIMEOUT_MS * 3),
      shuttingDown: () => stopping,
    });
    listening = await listen(parts.handler, opts.host, opts.port);
  } catch (e) {
    // The primary reports start-up failures once for all workers.
    await sendToPrimary({ distsum: 'fatal', message: errorMessage(e) });
    await handle.close();
    return handle;
  }
  handle.url = listening.url;
  handle.origin = open.info.origin;
  await sendToPrimary({ distsum: 'ready', url: listening.url });
  return handle;
}
