// The follow loop: keeps a known-hashes log in step with one package index. Each round it works
// out what changed (PyPI's `_last-serial` in the project list, a per-project poll plan on indexes
// without serials, or a fixed list of projects), polls those projects with many in flight, records
// their alerts, appends their files and saves their state, checks watched projects against their
// publishers' manifests, and hands new alerts to the delivery channels. Its state lives in the
// log's store, so a restart resumes where it stopped and never alerts a condition twice.
//
// Order per project (each step idempotent, so a crash between any two only repeats work): alerts,
// then claims (durable when append resolves), then the project's state, then its place in the
// snapshot. The first sight of a project is a backfill: everything listed is appended, quietly.
//
// Speed (a backfill is limited by the index, not by us): polls run many at once and never wait for
// the log; one committer takes everything polled so far and commits it in a few transactions (all
// the alerts, all the claims, all the states), so a backfill costs a few fsyncs per second, not a
// few per project; reads of the store are batched across projects; and on a large round the index
// client (HTTP and parsing) runs in a thread of its own, so it keeps the index's connections busy
// on one core while the main thread writes the log on the other.

import { setTimeout as delay } from 'node:timers/promises';
import { createIndexClient, type IndexClient, type IndexClientOptions, type Validators } from '../index/client.ts';
import { IndexHttpError } from '../index/errors.ts';
import { hasSerials, planPolls } from '../index/changes.ts';
import type { SimpleIndex } from '../index/simple.ts';
import { createSemaphore } from '../index/semaphore.ts';
import { PYTHONHOSTED, type DigestUrlLayout } from '../index/pythonhosted.ts';
import type { OpenLog } from '../log/datadir.ts';
import type { Entry } from '../log/entry.ts';
import { DEFAULT_BATCH, type Claim } from '../log/sequencer.ts';
import type { NewAlert } from '../store/store.ts';
import { UsageError, errorMessage } from '../errors.ts';
import { followErrorAlert, INDEX_WIDE, laggingAlert } from './alerts.ts';
import { flatString } from './json.ts';
import { coalesce } from './batch.ts';
import type { AlertChannel } from './channels.ts';
import { ClientThreadError, indexClientThread, type ClosableClient } from './clientthread.ts';
import type { ClientSettings } from './clientwire.ts';
import { startDispatcher, type Dispatcher } from './deliver.ts';
import { textFetch, type TextFetch } from './fetchtext.ts';
import { checkManifests } from './manifests.ts';
import { pollProject, type PollOptions } from './project.ts';
import { runPipeline } from './pipeline.ts';
import { readAhead } from './readahead.ts';
import { emptySnapshot, loadSnapshot, redirty, setKnown, takeSnapshotWrites, type Known, type Snapshot } from './snapshot.ts';
import {
  decodeGlobalState,
  decodeProjectState,
  DELIVERED_KEY,
  emptyProjectState,
  encodeGlobalState,
  encodeProjectState,
  GLOBAL_KEY,
  projectKey,
  type GlobalState,
  type ProjectState,
} from './state.ts';
import { loadWatches, type Watch } from './watches.ts';

/** Store metadata key of the follower's status (read by the server's /api/v1/status). */
export const STATUS_KEY = 'follower';

/** What to follow and how. */
export interface FollowConfig {
  /** The index as users write it (base or simple URL). */
  index: string;
  /** Normalized names of the projects to follow; undefined follows every project of the index. */
  projects?: string[];
  /** Time between the starts of two rounds. */
  intervalMs: number;
  /** Run one round (the whole backfill, on a first run) and stop. */
  once: boolean;
  /** Fraction of new files downloaded and hashed (0..1). */
  verifyRate: number;
  /** file-added-late threshold (default 14 days). */
  lateAfterMs: number;
  /** manifest-missing grace period. */
  manifestGraceMs: number;
  /** follow-lagging after not catching up for this long. */
  lagAfterMs: number;
  /** Read the PyPI JSON API (default: where the index is known to have it). */
  useJsonApi?: boolean;
  /** HTTP requests to the index in flight at once. */
  concurrency: number;
  /** Content-addressed file hosts (default files.pythonhosted.org). */
  digestHosts?: DigestUrlLayout[];
  /** Allow plain http to a non-loopback index. */
  allowHttp?: boolean;
  /** On indexes without serials (--all), the most projects polled per round. */
  maxPollsPerRound?: number;
  /** distsum's version, for the User-Agent. */
  version: string;
}

/**
 * A FollowConfig for `index` with the defaults of `distsum log follow` (every project, 60 s
 * interval, file-added-late after 14 days, 24 h manifest grace, follow-lagging after ten
 * intervals but at least 15 minutes, 4 requests in flight), overridden by `over`.
 */
export function followConfig(index: string, over: Partial<FollowConfig> & { version: string }): FollowConfig {
  const intervalMs = over.intervalMs ?? 60_000;
  return {
    index,
    intervalMs,
    once: false,
    verifyRate: 0,
    lateAfterMs: 14 * 86_400_000,
    manifestGraceMs: 86_400_000,
    lagAfterMs: Math.max(10 * intervalMs, 15 * 60_000),
    concurrency: 4,
    ...over,
  };
}

/** How to run a follower. */
export interface FollowerOptions {
  /** The log, opened as the writer. The follower never closes it. */
  log: OpenLog;
  config: FollowConfig;
  channels: AlertChannel[];
  /** Directory holding watches.json (default: the log's data directory). */
  watchesDir?: string;
  /** Operator messages (stderr). */
  say?: (line: string) => void;
  now?: () => Date;
  /** Overrides for the index client (transport, backoff, timeouts): tests. */
  clientOptions?: Partial<IndexClientOptions>;
  /** Manifest fetcher (default: https/file/loopback http). */
  fetchText?: TextFetch;
}

/** What the follower reports (also stored as JSON for /api/v1/status). */
export interface FollowerStatus {
  index: string;
  mode: 'all' | 'projects';
  state: 'starting' | 'backfilling' | 'following' | 'stopped' | 'failed';
  round: number;
  /** Projects the follower knows (has processed at least once). */
  known_projects: number;
  /** Projects still to poll in the current round. */
  pending: number;
  round_started: string | null;
  last_round_finished: string | null;
  /** Last time a round finished with nothing left to do. */
  caught_up: string | null;
  /** Totals since this follower started. */
  polled: number;
  appended: number;
  alerts: number;
  errors: number;
  downloaded: number;
  delivered: number;
  last_error: string | null;
  tree_size: number;
  interval_ms: number;
  updated: string;
}

/** A running follower. */
export interface FollowerHandle {
  /** Resolves once the follower checked the log and the index and began its first round. */
  ready: Promise<void>;
  /** Resolves when the follower stopped (stop(), or after one round with `once`); rejects on a fatal error. */
  done: Promise<FollowerStatus>;
  /** The current status. */
  state(): FollowerStatus;
  /** Stops after the projects in hand, saves state, waits for delivery of recorded alerts. Idempotent. */
  stop(): Promise<void>;
  /** New alerts recorded by this follower (ids). */
  newAlerts(): number[];
}

// Shortest time between two saves of the status, and of the snapshot, and the most of the time
// saving the snapshot may take (1/FLUSH_SHARE): during a backfill every bucket changes, and on a
// large index saving them all takes long (at 1/50, about 4 µs of the main thread's CPU per project
// of a 50,000-project backfill). A crash re-polls what the last save missed: conditional requests.
const FLUSH_EVERY_MS = 1000;
const FLUSH_SHARE = 200;
// Projects being polled per HTTP slot: enough that the client thread always has pages to fetch
// while the main thread commits (a commit blocks it for tens of milliseconds).
const WORKERS_PER_SLOT = 16;

/** Projects a follower polls at once with `concurrency` HTTP slots (most wait for a slot). */
export function pollsAtOnce(concurrency: number): number {
  return concurrency * WORKERS_PER_SLOT;
}

// Claims (or projects without any) polled and waiting for the committer, at most: bounds memory.
// Half the sequencer's batch, so one append commits one batch.
const MAX_PENDING = DEFAULT_BATCH / 2;
// A commit waits up to COMMIT_LINGER_MS for MIN_BATCH claims while polls are still running: a
// backfill then costs a few fsyncs per second, and a quiet round (nothing more to wait for) none.
const MIN_BATCH = 4096;
const COMMIT_LINGER_MS = 200;
// Projects in a round from which polling runs in a thread of its own: a thread costs a start-up
// and a core, which pays off only when there is much to poll (a backfill, a busy index).
const THREAD_AT = 256;
// Project states read at once, ahead of the polls.
const STATE_CHUNK = 256;
// How long a small write from beside the round waits for others to share its transaction.
const LINGER_MS = 20;

// What polling one project produced, for the committer.
interface Polled {
  name: string;
  /** Alerts, recorded before the claims. */
  alerts: NewAlert[];
  claims: Claim[];
  /**
   * The project's state as stored, saved once its claims are durable (encoded when polled: while
   * it waits for its commit, one string is less for the GC to copy than a state of Maps).
   */
  state: string;
  /** False when something of the project could not be read (the round is incomplete). */
  complete: boolean;
  /** The project's new place in the snapshot; null removes it; absent leaves it as it is. */
  known?: Known | null;
  /** The project's watch: its manifests are checked once its claims are durable. */
  watch?: Watch;
}

// What a round's commits report back to it.
interface RoundWork {
  /** False once a project's poll was incomplete. */
  ok: boolean;
  /** Runs `p` beside the round; the round waits for it and fails with it. */
  beside(p: Promise<void>): void;
}

/** The follower's index clients. */
interface FollowClients {
  /** The client to use now. */
  current(): IndexClient;
  /** The client for a round polling `projects` projects (from then on, current()). */
  forRound(projects: number): IndexClient;
  close(): Promise<void>;
}

/**
 * The follower's index client: in this thread, until a round has THREAD_AT projects or more to
 * poll; from then on in a thread of its own (see clientthread.ts), unless `over` injects something
 * that cannot cross threads (a transport, clock, sleep, jitter or semaphore: tests). One client
 * serves a round, so the concurrency limit holds across the switch.
 */
function followClients(cfg: FollowConfig, over: Partial<IndexClientOptions>): FollowClients {
  const { fetch, sleep, now, random, semaphore, ...plain } = over;
  const settings: ClientSettings = { indexUrl: cfg.index, version: cfg.version, allowHttp: cfg.allowHttp, jsonApi: cfg.useJsonApi, concurrency: cfg.concurrency, ...plain };
  let client: IndexClient = createIndexClient({ ...settings, semaphore: semaphore ?? createSemaphore(cfg.concurrency), fetch, sleep, now, random });
  const threadable = fetch === undefined && sleep === undefined && now === undefined && random === undefined && semaphore === undefined;
  let thread: ClosableClient | undefined;
  return {
    current: () => client,
    forRound(projects) {
      if (thread === undefined && threadable && projects >= THREAD_AT) {
        thread = indexClientThread(settings);
        client = thread;
      }
      return client;
    },
    close: async () => thread?.close(),
  };
}

/**
 * Starts following `opts.config.index` into `opts.log`. Returns at once; see FollowerHandle. A
 * log follows exactly one index: if the log follows another, `ready` and `done` reject with a
 * UsageError and nothing is written.
 */
export function startFollower(opts: FollowerOptions): FollowerHandle {
  const cfg = opts.config;
  const log = opts.log;
  if (!log.writer) throw new UsageError('the follower needs the log opened as the writer');
  const writer = log.writer;
  const store = log.store;
  const now = opts.now ?? (() => new Date());
  const say = opts.say ?? (() => undefined);
  const clients = followClients(cfg, opts.clientOptions ?? {});
  let client = clients.current();
  const fetchText = opts.fetchText ?? textFetch({ userAgent: client.userAgent });
  const layouts = cfg.digestHosts ?? [PYTHONHOSTED];
  const pollOpts: PollOptions = {
    verifyRate: cfg.verifyRate,
    lateAfterMs: cfg.lateAfterMs,
    useJsonApi: client.urls.jsonApi !== undefined,
    layouts,
  };

  const status: FollowerStatus = {
    index: client.urls.simple,
    mode: cfg.projects ? 'projects' : 'all',
    state: 'starting',
    round: 0,
    known_projects: 0,
    pending: 0,
    round_started: null,
    last_round_finished: null,
    caught_up: null,
    polled: 0,
    appended: 0,
    alerts: 0,
    errors: 0,
    downloaded: 0,
    delivered: 0,
    last_error: null,
    tree_size: writer.size(),
    interval_ms: cfg.intervalMs,
    updated: now().toISOString(),
  };
  const newIds: number[] = [];
  const stopper = new AbortController();
  let global: GlobalState = {};
  let snapshot: Snapshot = emptySnapshot();
  let dispatcher: Dispatcher | undefined;
  let lastList: { list: SimpleIndex; validators: Validators } | undefined;
  let backoffUntil = 0;
  let watches: Watch[] = [];

  // ---- writes ----
  // Small writes from beside the round (the delivery cursor, manifest checks) share transactions.
  const writeMeta = coalesce<[string, string], void>((writes) => putMeta(writes).then(() => writes.map(() => undefined)), { lingerMs: LINGER_MS });

  async function putMeta(writes: [string, string][]): Promise<void> {
    if (writes.length === 0) return;
    await store.readWrite(async (tx) => {
      for (const [k, v] of writes) await tx.setMeta(k, v);
    });
  }

  async function addAlerts(alerts: NewAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    noteIds(await writer.addAlerts(alerts));
  }
  function noteIds(ids: (number | undefined)[]): void {
    let fresh = 0;
    for (const id of ids) {
      if (id === undefined) continue;
      newIds.push(id);
      fresh++;
    }
    if (fresh > 0) {
      status.alerts += fresh;
      dispatcher?.kick();
    }
  }
  async function append(claims: Claim[]): Promise<void> {
    if (claims.length === 0) return;
    const outcomes = await writer.append(claims);
    noteIds(outcomes.map((o) => (o.status === 'conflict' ? o.alertId : undefined)));
    status.appended += outcomes.filter((o) => o.status === 'appended').length;
    status.tree_size = writer.size();
  }

  // The logged entries of file names, looked up for all the projects polled in one turn of the
  // event loop at once.
  const lookUp = coalesce<string, Entry | undefined>(
    async (names) => {
      // The index gives candidates (its keys are hashes); the entries say which one is the name's.
      const candidates = await store.readOnly((tx) => tx.filenameCandidates(names));
      const found = [...new Set(candidates.flat())];
      if (found.length === 0) return names.map(() => undefined);
      const byIndex = new Map((await writer.entries(found)).map((e) => [e.index, e.entry]));
      return candidates.map((c, k) => c.map((i) => byIndex.get(i)).find((e) => e !== undefined && e.filename === names[k]));
    },
    { nextTurn: true },
  );
  async function logged(names: string[]): Promise<Map<string, Entry>> {
    const es = await lookUp(names);
    const out = new Map<string, Entry>();
    es.forEach((e, k) => e !== undefined && out.set(names[k], e));
    return out;
  }

  async function projectEntries(project: string): Promise<Entry[]> {
    const out: Entry[] = [];
    let after = -1;
    for (;;) {
      const page = await writer.lookupProject(project, after, 10_000);
      for (const e of page) out.push(e.entry);
      if (page.length < 10_000) return out;
      after = page[page.length - 1].index;
    }
  }

  async function loadState(name: string): Promise<ProjectState | undefined> {
    return decodeState(name, await store.readOnly((tx) => tx.getMeta(projectKey(name))));
  }

  function decodeState(name: string, raw: string | undefined): ProjectState | undefined {
    const s = decodeProjectState(raw);
    if (raw !== undefined && s === undefined) say(`distsum: the stored follower state of ${name} is damaged; starting that project afresh`);
    return s;
  }

  // The stored states of `names`, in one read.
  function readStates(names: string[]): Promise<(string | undefined)[]> {
    return store.readOnly(async (tx) => {
      const out: (string | undefined)[] = [];
      for (const n of names) out.push(await tx.getMeta(projectKey(n)));
      return out;
    });
  }

  // ---- one project: poll (many at once), then commit (many in one go) ----

  // Polls one project; writes nothing. A failure to read the index becomes a follow-error to record.
  async function pollOne(name: string, stored: string | undefined, listedSerial: number | undefined, watch: Watch | undefined): Promise<Polled> {
    const prev = decodeState(name, stored);
    const t = now();
    let res;
    try {
      res = await pollProject(name, prev, { client, logged, now }, pollOpts);
    } catch (e) {
      // Not the index's fault: the follower ends with it rather than alert every project.
      if (e instanceof ClientThreadError) throw e;
      const msg = errorMessage(e);
      status.errors++;
      status.last_error = `${name}: ${msg}`;
      if (e instanceof IndexHttpError && (e.status === 429 || e.status === 503)) {
        backoffUntil = Math.max(backoffUntil, t.getTime() + (e.retryAfterMs ?? 60_000));
      }
      const since = prev?.errorSince ?? t.getTime();
      const alert = followErrorAlert(name, msg, (e as { url?: string }).url, new Date(since), t);
      return { name, alerts: [alert], claims: [], state: encodeProjectState({ ...(prev ?? emptyProjectState()), errorSince: since }), complete: false };
    }
    status.polled++;
    const state = res.state;
    let alerts: NewAlert[] = [];
    let claims: Claim[] = [];
    let complete = true;
    let serial: number | null = listedSerial ?? null;
    let gone = false;
    if (res.kind === 'listed') {
      status.downloaded += res.downloaded;
      alerts = res.alerts;
      claims = res.claims;
      if (!res.complete) {
        complete = false;
        status.errors++;
        status.last_error = `${name}: ${res.problems[0]}`;
        const since = prev?.errorSince ?? t.getTime();
        state.errorSince = since;
        alerts.push(followErrorAlert(name, res.problems.join('; ').slice(0, 2000), res.listing.source, new Date(since), t));
      }
      // A page older than the list (a stale cache) must be polled again.
      if (res.serial !== undefined && (serial === null || res.serial < serial)) serial = res.serial;
      gone = res.gone;
    }
    const known = !complete ? undefined : gone && !cfg.projects ? null : { serial, polled: t.getTime() };
    return { name, alerts, claims, state: flatString(encodeProjectState(state)), complete, known, watch };
  }

  // Commits polled projects in the order that makes a crash at any point only repeat work: every
  // alert, then every claim (durable when append resolves), then every state in one transaction,
  // then their places in the snapshot (saved by the next flush). Watched projects then have their
  // manifests checked against the committed entries, beside the round.
  async function commitPolled(batch: Polled[], round: RoundWork): Promise<void> {
    await addAlerts(batch.flatMap((p) => p.alerts));
    await append(batch.flatMap((p) => p.claims));
    await putMeta(batch.map((p) => [projectKey(p.name), p.state]));
    for (const p of batch) {
      if (p.known !== undefined) setKnown(snapshot, p.name, p.known ?? undefined);
      if (!p.complete) round.ok = false;
      if (p.watch !== undefined) round.beside(recheckManifests(p.watch));
    }
    status.pending -= batch.length;
    const t = performance.now();
    if (t - lastFlush >= flushEveryMs) await flush();
    else if (t - lastStatus >= FLUSH_EVERY_MS) await flush(false);
  }

  async function manifestPhase(watch: Watch, state: ProjectState): Promise<ProjectState> {
    try {
      const r = await checkManifests(watch, state, await projectEntries(watch.project), { fetchText, now }, { graceMs: cfg.manifestGraceMs, recheckMs: cfg.intervalMs });
      await addAlerts(r.alerts);
      return { ...state, manifests: r.manifests };
    } catch (e) {
      say(`distsum: checking the manifests of ${watch.project} failed: ${errorMessage(e)}`);
      return state;
    }
  }

  // ---- flushing state ----

  // The status and index-wide state are saved at most every FLUSH_EVERY_MS during a round; the
  // snapshot with them, but never so often that saving it takes more than 1/FLUSH_SHARE of the time.
  let lastFlush = performance.now();
  let lastStatus = lastFlush;
  let flushEveryMs = FLUSH_EVERY_MS;
  // Saves the status and index-wide state, and with `withSnapshot` the snapshot's changes.
  async function flush(withSnapshot = true): Promise<void> {
    const t0 = performance.now();
    status.known_projects = snapshot.projects.size;
    status.updated = now().toISOString();
    status.delivered = dispatcher?.delivered() ?? 0;
    const { writes, buckets } = withSnapshot ? takeSnapshotWrites(snapshot) : { writes: [], buckets: [] };
    try {
      await putMeta([...writes, [GLOBAL_KEY, encodeGlobalState(global)], [STATUS_KEY, JSON.stringify(status)]]);
    } catch (e) {
      redirty(snapshot, buckets);
      throw e;
    }
    lastStatus = performance.now();
    if (withSnapshot) {
      lastFlush = lastStatus;
      flushEveryMs = Math.max(FLUSH_EVERY_MS, (lastFlush - t0) * FLUSH_SHARE);
    }
    await checkLag();
  }

  async function checkLag(): Promise<void> {
    if (global.caughtUp === undefined) return;
    const t = now();
    if (t.getTime() - global.caughtUp <= cfg.lagAfterMs) return;
    await addAlerts([laggingAlert(new Date(global.caughtUp), status.pending, t)]);
  }

  // ---- a round ----

  function watchesNow(): Watch[] {
    try {
      watches = loadWatches(opts.watchesDir ?? log.paths.dir);
    } catch (e) {
      say(`distsum: ${errorMessage(e)} (keeping the watches read before)`);
    }
    return watches;
  }

  // Projects to poll this round with the serial the list gives them; undefined when the list failed.
  async function plan(ws: Watch[]): Promise<Map<string, number | undefined> | undefined> {
    const todo = new Map<string, number | undefined>();
    if (cfg.projects) {
      for (const p of cfg.projects) todo.set(p, undefined);
      for (const w of ws) todo.set(w.project, undefined);
      return todo;
    }
    const t = now();
    let list: SimpleIndex;
    try {
      // Conditional only against a list this process holds: a 304 must have something to reuse.
      const r = await client.getProjectList(lastList?.validators);
      if (r.notModified) list = lastList!.list;
      else {
        list = r.value;
        lastList = { list, validators: r.validators };
      }
      delete global.listErrorSince;
    } catch (e) {
      const msg = errorMessage(e);
      status.errors++;
      status.last_error = `project list: ${msg}`;
      if (e instanceof IndexHttpError && (e.status === 429 || e.status === 503)) backoffUntil = Math.max(backoffUntil, t.getTime() + (e.retryAfterMs ?? 60_000));
      global.listErrorSince ??= t.getTime();
      await addAlerts([followErrorAlert(INDEX_WIDE, msg, client.urls.simple, new Date(global.listErrorSince), t)]);
      return undefined;
    }
    const listed = new Set<string>();
    if (list.projects.length > 0 && hasSerials(list.projects)) {
      for (const p of list.projects) {
        listed.add(p.normalizedName);
        const k = snapshot.projects.get(p.normalizedName);
        if (k === undefined || k.serial === null || k.serial !== p.lastSerial) todo.set(p.normalizedName, p.lastSerial);
      }
    } else {
      const names = list.projects.map((p) => p.normalizedName);
      for (const n of names) listed.add(n);
      const polled = new Map<string, number>();
      for (const [n, k] of snapshot.projects) polled.set(n, k.polled);
      for (const n of planPolls(names, polled, { nowMs: t.getTime(), intervalMs: cfg.intervalMs, maxPolls: cfg.maxPollsPerRound ?? 10_000 })) todo.set(n, undefined);
    }
    // Projects gone from the list: their page decides (404 removes their files).
    for (const n of snapshot.projects.keys()) if (!listed.has(n)) todo.set(n, undefined);
    return todo;
  }

  async function round(): Promise<boolean> {
    const started = now();
    status.round++;
    status.round_started = started.toISOString();
    const ws = watchesNow();
    const watchOf = new Map(ws.map((w) => [w.project, w]));
    const todo = await plan(ws);
    if (todo === undefined) {
      await flush();
      return false;
    }
    if (!cfg.projects) {
      // Watched projects are checked every round, changed or not: their manifests may be due.
      for (const w of ws) if (!todo.has(w.project) && snapshot.projects.has(w.project)) await recheckManifests(w);
    }
    const names = [...todo.keys()];
    client = clients.forRound(names.length);
    status.pending = names.length;
    status.state = global.caughtUp === undefined ? 'backfilling' : 'following';
    // Manifest checks of watched projects run beside the round; the round waits for them.
    const checks: Promise<void>[] = [];
    let checkError: { e: unknown } | undefined;
    const work: RoundWork = { ok: true, beside: (p) => void checks.push(p.catch((e: unknown) => void (checkError ??= { e }))) };
    // A store failure anywhere ends the round (and the follower) with its error.
    const fatal = (e: unknown): never => {
      stopper.abort();
      throw e;
    };
    const states = readAhead(names, STATE_CHUNK, readStates);
    let taken: number;
    try {
      taken = await runPipeline<string, Polled>({
        items: names,
        workers: Math.max(1, Math.min(names.length, pollsAtOnce(cfg.concurrency))),
        produce: (name, i) => states(i).then((raw) => pollOne(name, raw, todo.get(name), watchOf.get(name))).catch(fatal),
        commit: (batch) => commitPolled(batch, work).catch(fatal),
        weight: (p) => Math.max(1, p.claims.length),
        maxPending: MAX_PENDING,
        minBatch: MIN_BATCH,
        lingerMs: COMMIT_LINGER_MS,
        // Nothing to wait for (no promise, no clock read) unless the index asked for a backoff.
        beforeEach: () => {
          if (backoffUntil === 0) return undefined;
          const wait = backoffUntil - now().getTime();
          return wait > 0 ? sleep(Math.min(wait, cfg.intervalMs * 10 + 60_000)) : undefined;
        },
        signal: stopper.signal,
      });
    } finally {
      await Promise.all(checks);
    }
    if (checkError) throw checkError.e;
    const ok = work.ok;
    const complete = ok && taken >= names.length && !stopper.signal.aborted;
    const finished = now();
    status.last_round_finished = finished.toISOString();
    if (complete) {
      global.caughtUp = started.getTime();
      status.caught_up = started.toISOString();
      status.state = 'following';
    }
    await flush();
    say(
      `distsum: round ${status.round}: polled ${names.length - status.pending} of ${names.length} projects, tree size ${writer.size()}, ${status.appended} appended and ${status.alerts} alerts since start${complete ? '' : ' (incomplete)'}`,
    );
    return complete;
  }

  async function recheckManifests(w: Watch): Promise<void> {
    const s = await loadState(w.project);
    if (s === undefined) return;
    const next = await manifestPhase(w, s);
    await writeMeta([[projectKey(w.project), encodeProjectState(next)]]);
  }

  async function sleep(ms: number): Promise<void> {
    if (ms <= 0 || stopper.signal.aborted) return;
    await delay(ms, undefined, { signal: stopper.signal }).catch(() => undefined);
  }

  // ---- lifecycle ----

  async function start(): Promise<void> {
    global = decodeGlobalState(await store.readOnly((tx) => tx.getMeta(GLOBAL_KEY)));
    if (global.index !== undefined && global.index !== client.urls.simple) {
      throw new UsageError(`this log follows ${global.index}; it cannot follow ${client.urls.simple} too (a log follows exactly one index; use another --data)`);
    }
    if (global.index === undefined) {
      global.index = client.urls.simple;
      await writeMeta([[GLOBAL_KEY, encodeGlobalState(global)]]);
    }
    snapshot = await store.readOnly((tx) => loadSnapshot(tx));
    status.known_projects = snapshot.projects.size;
    if (global.caughtUp !== undefined) status.caught_up = new Date(global.caughtUp).toISOString();
    dispatcher = await startDispatcher({
      listAfter: (afterId, limit) => writer.listAlerts({ afterId, limit }),
      loadCursor: async () => {
        const v = await store.readOnly((tx) => tx.getMeta(DELIVERED_KEY));
        return v !== undefined && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined;
      },
      saveCursor: (id) => writeMeta([[DELIVERED_KEY, String(id)]]).then(() => undefined),
      channels: opts.channels,
      say,
    });
    // Alerts recorded before a crash and not yet delivered go out now.
    dispatcher.kick();
  }

  let readyResolve!: () => void;
  let readyReject!: (e: unknown) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => undefined);

  async function run(): Promise<FollowerStatus> {
    try {
      await start();
    } catch (e) {
      status.state = 'failed';
      readyReject(e);
      await clients.close();
      throw e;
    }
    readyResolve();
    try {
      while (!stopper.signal.aborted) {
        const t0 = now().getTime();
        await round();
        if (cfg.once) break;
        const wait = Math.max(t0 + cfg.intervalMs, backoffUntil) - now().getTime();
        await sleep(wait);
      }
      status.state = 'stopped';
      await flush();
      await dispatcher?.idle();
      status.delivered = dispatcher?.delivered() ?? 0;
      return status;
    } catch (e) {
      status.state = 'failed';
      status.last_error = errorMessage(e);
      await flush().catch(() => undefined);
      throw e;
    } finally {
      await dispatcher?.stop();
      await clients.close();
    }
  }

  const done = run();
  done.catch(() => undefined);
  return {
    ready,
    done,
    state: () => ({ ...status, tree_size: writer.size(), delivered: dispatcher?.delivered() ?? 0 }),
    async stop() {
      stopper.abort();
      await done.catch(() => undefined);
    },
    newAlerts: () => [...newIds],
  };
}
