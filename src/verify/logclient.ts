// The client of a known-hashes log, like the go command's sumdb client: it fetches the log's signed
// checkpoint and lookup answers, verifies every signature and proof before believing anything, and
// keeps this machine's view of the log append-only. The latest verified checkpoint is kept in the
// state directory; each new checkpoint must be proven consistent with it from the log's own tiles
// (authenticated up to the signed root), and a log that cannot be (a fork, a rewound history, tiles
// that do not match its signature, a false proof) is reported with the evidence (exit 3).
// Tiles and verified lookup answers are cached; --offline works from that cache alone. Many file
// names are looked up in batches (POST /lookup, one checkpoint per batch), each answer verified as
// strictly as a single lookup's; a server without batches is asked one name at a time.

import { InputError, SecurityError, UsageError } from '../errors.ts';
import { mapLimit } from '../concurrency.ts';
import { createSemaphore } from '../index/semaphore.ts';
import type { Checkpoint } from '../tlog/checkpoint.ts';
import { openCheckpoint } from '../tlog/checkpoint.ts';
import { verifierFromKey } from '../tlog/cosignature.ts';
import { hashBase64, hashEqual, hashHex } from '../tlog/hash.ts';
import { MAX_NOTE_SIZE, newVerifier } from '../tlog/note.ts';
import type { Verifier } from '../tlog/note.ts';
import { parseTilePath } from '../tlog/tile.ts';
import { InvalidSignatureError, KeyFormatError, MissingHashError, NoteError, ProofError, TileAuthError, UnverifiedNoteError } from '../tlog/errors.ts';
import { HASH_SIZE } from '../tlog/hash.ts';
import type { DiskCache } from './diskcache.ts';
import type { LookupCache } from './lookupcache.ts';
import type { Getter, Poster } from './fetch.ts';
import { FetchError } from './fetch.ts';
import type { CheckpointStore } from './state.ts';
import { checkConsistency, consistencyTilePaths } from './consistency.ts';
import {
  answerProofText,
  batchItemAnswer,
  decodeCachedAnswer,
  encodeCachedAnswer,
  MAX_BATCH_ANSWER_BYTES,
  MAX_BATCH_NAMES,
  MAX_BATCH_REQUEST_BYTES,
  MAX_LOOKUP_BYTES,
  MAX_SHA256_LOOKUP_BYTES,
  parseBatchAnswer,
  parseFilenameAnswer,
  parseSha256Answer,
  proveAnswer,
} from './answers.ts';
import type { BatchAnswer, LookupAnswer, ProvenEntry } from './answers.ts';
import { base64Lines, LogMisbehaviourError, noteLines } from './misbehaviour.ts';
import type { MisbehaviourReport, ReportSection } from './misbehaviour.ts';

/** How to reach and trust one log. */
export interface LogClientOptions {
  /** Base URL of the log server (no trailing slash needed); may be absent when offline. */
  url?: string;
  /** The log's note verifier key; its name is the checkpoint origin. */
  verifierKey: string;
  /** Witness keys whose cosignatures count. */
  witnessKeys?: string[];
  /** Valid witness cosignatures every checkpoint must carry. */
  minWitnesses?: number;
  get: Getter;
  /** Sends batch lookups (POST /lookup); without it every name is looked up on its own. */
  post?: Poster;
  /** Names per batch at most (default and ceiling: MAX_BATCH_NAMES). */
  batchSize?: number;
  /** Cache rooted at this log's cache directory (tiles). */
  cache: DiskCache;
  /** Verified lookup answers kept between runs. */
  lookups: LookupCache;
  state: CheckpointStore;
  /** Use only the state and the cache; never the network. */
  offline: boolean;
  /** Requests in flight at most. */
  concurrency: number;
}

/** A checkpoint whose signature (and required cosignatures) verified. */
export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  /** The signed note, exactly as received. */
  note: Uint8Array;
}

/** What the log says about a file: proven entries, proven absence of an answer, or no answer offline. */
export type LogAnswer =
  | { status: 'found'; entries: ProvenEntry[] }
  | { status: 'absent' }
  /** Offline, and this machine has no cached answer. */
  | { status: 'uncached' };

/** A log client for one run. */
export interface LogClient {
  readonly origin: string;
  readonly url: string | undefined;
  /** Fetches (or, offline, loads) the latest checkpoint, verifies it and advances the state. Call first. */
  start(): Promise<VerifiedCheckpoint>;
  /** The newest checkpoint verified so far. */
  latest(): VerifiedCheckpoint;
  /** The log's entry for a file name. */
  lookupFilename(filename: string): Promise<LogAnswer>;
  /**
   * Starts looking up many file names in batches (those not answered yet nor cached); their
   * lookupFilename calls then share those answers, errors included. Resolves once every batch is
   * settled; never rejects.
   */
  prefetchFilenames(filenames: Iterable<string>): Promise<void>;
  /** The log's entries with this sha256 (lowercase hex). */
  lookupSha256(sha256: string): Promise<LogAnswer>;
  /** Saves this run's verified answers for the next runs (best effort). */
  flush(): void;
}

/** Where a checkpoint came from, for reports. */
interface Sourced {
  vc: VerifiedCheckpoint;
  label: string;
  /** True when this machine had it before this server answer (state, cache): the server must be able to extend it. */
  earlier: boolean;
}

/** A tile the server does not have. */
class MissingTileError extends FetchError {}

/** Batches in flight at once: enough to overlap the server's work with this side's verification. */
export const BATCHES_IN_FLIGHT = 4;

/** Answers to POST /lookup that mean the server has no batch lookups (an older server, a proxy): stop asking. */
function batchUnsupported(status: number): boolean {
  return (status >= 300 && status < 400) || status === 404 || status === 405 || status === 501;
}

/** Fewest names worth a batch of its own when a list is spread over the batches in flight. */
export const MIN_SPREAD = 100;

/**
 * `names` in batches of at most `size` names and MAX_BATCH_REQUEST_BYTES of JSON, spread over
 * BATCHES_IN_FLIGHT batches when there are enough names (so answers arrive, and are verified, while
 * the server works on the next batch), but not into batches under MIN_SPREAD names.
 */
export function batchesOf(names: string[], size: number): string[][] {
  const per = Math.max(1, Math.min(size, Math.max(MIN_SPREAD, Math.ceil(names.length / BATCHES_IN_FLIGHT))));
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const n of names) {
    // JSON text of the name and its separator, at most (escapes included).
    const b = Buffer.byteLength(JSON.stringify(n)) + 1;
    if (cur.length > 0 && (cur.length >= per || bytes + b > MAX_BATCH_REQUEST_BYTES - 64)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(n);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

// A promise with its settling functions.
function deferred<T>(): { promise: Promise<T>; resolve: (v: T | Promise<T>) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T | Promise<T>) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function treeId(c: Checkpoint): string {
  return `${c.size}:${hashHex(c.hash)}`;
}

function noteKey(note: Uint8Array): string {
  return Buffer.from(note.buffer, note.byteOffset, note.length).toString('latin1');
}

/** Creates a client. Throws UsageError for a malformed log or witness key or a witness minimum above the witness count. */
export function newLogClient(opts: LogClientOptions): LogClient {
  let log: Verifier;
  try {
    log = newVerifier(opts.verifierKey);
  } catch (e) {
    throw new UsageError(`the log key ${JSON.stringify(opts.verifierKey.slice(0, 100))} is not a note verifier key (<name>+<id>+<base64>): ${(e as Error).message.replace(/^tlog: /, '')}`);
  }
  const witnesses: Verifier[] = (opts.witnessKeys ?? []).map((k) => {
    try {
      return verifierFromKey(k);
    } catch (e) {
      throw new UsageError(`witness key ${JSON.stringify(k.slice(0, 100))} is malformed: ${(e as Error).message.replace(/^tlog: /, '')}`);
    }
  });
  const minWitnesses = opts.minWitnesses ?? 0;
  if (minWitnesses > witnesses.length) throw new UsageError(`min_witnesses is ${minWitnesses} but only ${witnesses.length} witness keys are configured`);
  if (!opts.offline && !opts.url) throw new UsageError('no log URL configured (set [log] url in distsum.toml or DISTSUM_LOG)');
  const origin = log.name;
  const base = opts.url?.replace(/\/+$/, '');
  const limit = createSemaphore(Math.max(1, opts.concurrency));
  const { cache, state } = opts;

  const verified = new Map<string, VerifiedCheckpoint>();
  const consistent = new Map<string, Promise<void>>();
  const lookups = new Map<string, Promise<LogAnswer>>();
  let latest: VerifiedCheckpoint | undefined;
  const fromState = new Set<VerifiedCheckpoint>();
  let chain: Promise<unknown> = Promise.resolve();
  // Set once the server shows it has no batch lookups.
  let batchesOff = false;

  const get = async (url: string, maxBytes: number) => {
    const release = await limit.acquire();
    try {
      return await opts.get(url, maxBytes);
    } finally {
      release();
    }
  };

  const misbehaved = (r: Omit<MisbehaviourReport, 'origin' | 'url' | 'key'>): LogMisbehaviourError =>
    new LogMisbehaviourError({ origin, url: base, key: opts.verifierKey, ...r });

  // Opens a signed checkpoint under the log key; `where` names its source in messages.
  const openVerified = (note: Uint8Array, where: string): VerifiedCheckpoint => {
    const key = noteKey(note);
    const known = verified.get(key);
    if (known) return known;
    let opened;
    try {
      opened = openCheckpoint(note, origin, log, witnesses);
    } catch (e) {
      if (e instanceof InvalidSignatureError) {
        throw new SecurityError(`the checkpoint from ${where} has an invalid signature by key ${e.keyName}: it was forged or altered`);
      }
      if (e instanceof UnverifiedNoteError) {
        throw new SecurityError(`the checkpoint from ${where} is not signed by the configured log key ${origin} (wrong log URL or key?)`);
      }
      if (e instanceof KeyFormatError) throw new UsageError(`the configured log and witness keys conflict: ${e.message.replace(/^tlog: /, '')}`);
      if (e instanceof NoteError || e instanceof InputError) {
        throw new SecurityError(`the checkpoint from ${where} is not a valid checkpoint of log ${origin}: ${e.message.replace(/^tlog: /, '')}`);
      }
      throw e;
    }
    const cosigned = opened.sigs.filter((s) => witnesses.some((w) => w.name === s.name && w.keyId === s.keyId)).length;
    if (cosigned < minWitnesses) {
      throw new SecurityError(`the checkpoint from ${where} carries ${cosigned} of the ${minWitnesses} witness cosignatures required`);
    }
    const vc = { checkpoint: opened.checkpoint, note };
    verified.set(key, vc);
    return vc;
  };

  const setLatest = (vc: VerifiedCheckpoint) => {
    if (latest === undefined || vc.checkpoint.size > latest.checkpoint.size) latest = vc;
  };

  // Tiles of `head`'s tree: from the cache unless `fresh`, else from the server. Returns the tiles
  // and the paths that came from the network (cached only once they authenticate).
  const fetchTiles = async (head: Checkpoint, paths: string[], fresh: boolean) => {
    const tiles = new Map<string, Uint8Array>();
    const fetched = new Set<string>();
    let fromCache = 0;
    await Promise.all(
      paths.map(async (path) => {
        const parsed = parseTilePath(path);
        const width = parsed.kind === 'hash' ? parsed.tile.width : parsed.width;
        const want = width * HASH_SIZE;
        if (!fresh) {
          const c = await cache.read(path, want);
          if (c !== undefined && c.length === want) {
            tiles.set(path, c);
            fromCache++;
            return;
          }
        }
        if (opts.offline || base === undefined) {
          throw new FetchError(`offline: tile ${path} of log ${origin} (tree size ${head.size}) is not cached; run once without --offline`);
        }
        const r = await get(`${base}/${path}`, want);
        if (r.status === 404) throw new MissingTileError(`the log at ${base} has no tile ${path}`);
        if (r.status !== 200) throw new FetchError(`GET ${base}/${path}: HTTP ${r.status}`);
        // A tile of the wrong length is kept: authentication rejects it as evidence.
        tiles.set(path, r.body);
        fetched.add(path);
      }),
    );
    return { tiles, fetched, fromCache };
  };

  const tileSections = (tiles: Map<string, Uint8Array>): ReportSection[] =>
    [...tiles].map(([path, data]) => ({ label: `${path} as served (${data.length} bytes, base64)`, lines: base64Lines(data) }));

  // Proves the smaller of a and b a prefix of the larger, or throws LogMisbehaviourError with the evidence.
  const proveConsistent = async (a: Sourced, b: Sourced): Promise<void> => {
    const [small, big] = a.vc.checkpoint.size <= b.vc.checkpoint.size ? [a, b] : [b, a];
    const s = small.vc.checkpoint;
    const g = big.vc.checkpoint;
    const notes: ReportSection[] = [
      { label: small.label, lines: noteLines(small.vc.note) },
      { label: big.label, lines: noteLines(big.vc.note) },
    ];
    if (s.size === g.size) {
      if (hashEqual(s.hash, g.hash)) return;
      throw misbehaved({
        kind: 'fork',
        summary: `two checkpoints of tree size ${s.size} with different root hashes`,
        sections: notes,
        explanation: [
          `Both checkpoints carry valid signatures by the log key ${origin} and claim the same tree size with different`,
          'root hashes: the log has shown two different histories. Keep this report; it proves the misbehaviour to anyone',
          'who has the log key. The state file was not changed.',
        ],
      });
    }
    // When the larger tree is one this machine had before, the server now serves a smaller one.
    const rewound = big.earlier;
    const paths = consistencyTilePaths(s, g);
    const attempt = async (fresh: boolean): Promise<void> => {
      let got;
      try {
        got = await fetchTiles(g, paths, fresh);
      } catch (e) {
        if (e instanceof MissingTileError && rewound) {
          throw misbehaved({
            kind: 'rollback',
            summary: `it now serves tree size ${s.size}, older than size ${g.size} this machine verified, and has no tiles to prove it a prefix`,
            sections: notes,
            explanation: [
              `Both checkpoints carry valid signatures by the log key ${origin}. A log only grows: it must be able to prove`,
              `every older tree a prefix of every newer one, and this one cannot (${e.message}). It has rewound or forked`,
              'its history. Keep this report. The state file was not changed.',
            ],
          });
        }
        throw e;
      }
      let result;
      try {
        result = checkConsistency(s, g, got.tiles);
      } catch (e) {
        if (e instanceof TileAuthError || e instanceof MissingHashError) {
          // Cached tiles can be damaged on disk: only tiles just fetched are evidence.
          if (!fresh && got.fromCache > 0 && !opts.offline) return attempt(true);
          if (opts.offline) throw new InputError(`offline: the cached tiles of log ${origin} do not verify (${e.message.replace(/^tlog: /, '')}); run once without --offline`);
          throw misbehaved({
            kind: rewound ? 'rollback' : 'bad-tile',
            summary: rewound
              ? `it now serves tree size ${s.size}, older than size ${g.size} this machine verified, and its tiles do not match the larger tree`
              : `its tiles do not hash to its own signed checkpoint of tree size ${g.size}`,
            sections: [...notes, ...tileSections(got.tiles)],
            explanation: [
              `The tiles above, served by the log, should hash up to the root hash of the signed checkpoint of size ${g.size}`,
              `(${e.message.replace(/^tlog: /, '')}). They do not: the server sent forged data, or its history differs from`,
              'the one its key signed. Keep this report. The state file was not changed.',
            ],
          });
        }
        throw e;
      }
      if (!result.ok) {
        throw misbehaved({
          kind: 'fork',
          summary: `its checkpoint of tree size ${s.size} is not a prefix of its checkpoint of tree size ${g.size}`,
          sections: [
            ...notes,
            { label: `consistency proof from tree size ${s.size} to ${g.size} (RFC 6962, base64), built from tiles that hash to the root of size ${g.size}`, lines: result.proof.map(hashBase64) },
          ],
          explanation: [
            `Both checkpoints carry valid signatures by the log key ${origin}, and the log's own tiles for the larger tree`,
            `hash to its signed root; yet the smaller tree is not a prefix of it (${result.why}).`,
            'The log has forked or rewritten its history. Keep this report: anyone with the log key can re-check it.',
            'The state file was not changed.',
          ],
        });
      }
      for (const p of got.fetched) await cache.write(p, got.tiles.get(p)!);
    };
    await attempt(false);
  };

  const ensureConsistent = (a: Sourced, b: Sourced): Promise<void> => {
    const ka = treeId(a.vc.checkpoint);
    const kb = treeId(b.vc.checkpoint);
    if (ka === kb) return Promise.resolve();
    const key = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
    let p = consistent.get(key);
    if (p === undefined) {
      p = proveConsistent(a, b);
      consistent.set(key, p);
    }
    return p;
  };

  const openState = (bytes: Uint8Array): VerifiedCheckpoint => {
    try {
      return openVerified(bytes, state.path);
    } catch (e) {
      throw new InputError(
        `${state.path} holds a checkpoint that does not verify under the configured key ${origin} (${(e as Error).message}); if you changed the log key on purpose, move that file away`,
      );
    }
  };

  // Moves the state forward to `vc` once it is proven consistent with what the state holds.
  const doAdvance = async (vc: VerifiedCheckpoint, label: string): Promise<void> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const oldBytes = await state.read();
      if (oldBytes === undefined) {
        // First contact with this log: trust on first use, as the go command does with its built-in tree.
        if (await state.compareAndSwap(undefined, vc.note)) return setLatest(vc);
        continue;
      }
      const old = openState(oldBytes);
      fromState.add(old);
      setLatest(old);
      await ensureConsistent({ vc: old, label: `checkpoint this machine verified earlier (${state.path})`, earlier: true }, { vc, label, earlier: false });
      if (vc.checkpoint.size <= old.checkpoint.size) return;
      if (await state.compareAndSwap(oldBytes, vc.note)) return setLatest(vc);
    }
    throw new InputError(`${state.path} keeps changing under concurrent distsum runs; try again`);
  };

  const advance = (vc: VerifiedCheckpoint, label: string): Promise<void> => {
    const run = chain.then(() => doAdvance(vc, label));
    chain = run.catch(() => {});
    return run;
  };

  // Makes `vc` (which came with `what`) part of this run's view: the state advances to it when it is
  // newer, else it must be proven consistent with the latest checkpoint verified so far.
  const settle = async (vc: VerifiedCheckpoint, what: string, cached: boolean): Promise<void> => {
    const cur = latest!;
    if (vc.checkpoint.size > cur.checkpoint.size) await advance(vc, `checkpoint served with ${what}`);
    else {
      await ensureConsistent(
        { vc, label: `checkpoint ${cached ? 'cached' : 'served'} with ${what}`, earlier: cached },
        { vc: cur, label: 'latest checkpoint verified in this run', earlier: fromState.has(cur) },
      );
    }
  };

  // Everything about `answer` verified: signature, inclusion, that it answers the question, and
  // that its checkpoint is consistent with this machine's view of the log.
  const accept = async (answer: LookupAnswer, where: string, matches: (p: ProvenEntry) => string | undefined, cached: boolean): Promise<ProvenEntry> => {
    const vc = openVerified(answer.proof.checkpoint, where);
    let proven: ProvenEntry;
    try {
      proven = proveAnswer(answer, vc.checkpoint);
    } catch (e) {
      if (!(e instanceof ProofError)) throw e;
      throw misbehaved({
        kind: 'bad-proof',
        summary: `its inclusion proof for entry ${answer.proof.index} does not lead to the root of its signed checkpoint (${where})`,
        sections: [
          { label: 'entry as served', lines: [JSON.stringify(Buffer.from(answer.record).toString('utf8'))] },
          { label: 'tlog-proof as served', lines: noteLines(answerProofText(answer)) },
        ],
        explanation: [
          `The checkpoint inside the proof carries a valid signature by the log key ${origin}, but the inclusion proof does`,
          `not hash from the entry to its root (${e.message.replace(/^tlog: /, '')}). The server sent a false proof.`,
        ],
      });
    }
    const wrong = matches(proven);
    if (wrong !== undefined) {
      throw misbehaved({
        kind: 'bad-answer',
        summary: `asked ${where}, it answered with ${wrong}`,
        sections: [{ label: 'entry as served', lines: [JSON.stringify(Buffer.from(answer.record).toString('utf8'))] }],
        explanation: ['The server answered a lookup with an entry that does not match the question. Its answers cannot be trusted.'],
      });
    }
    await settle(vc, `the answer to ${where}`, cached);
    return proven;
  };

  // Cached answers for `key`, all verified; undefined when there are none or any does not verify
  // (then they are forgotten). Evidence of a fork found through them still throws.
  const fromCache = async (key: string, where: string, matches: (p: ProvenEntry) => string | undefined): Promise<ProvenEntry[] | undefined> => {
    const values = opts.lookups.get(key);
    if (values === undefined || values.length === 0) return undefined;
    const out: ProvenEntry[] = [];
    for (const v of values) {
      const answer = decodeCachedAnswer(v);
      let p: ProvenEntry | undefined;
      if (answer !== undefined) {
        try {
          p = await accept(answer, `${where} (cached)`, matches, true);
        } catch (e) {
          if (e instanceof LogMisbehaviourError && e.report.kind !== 'bad-proof' && e.report.kind !== 'bad-answer') throw e;
          if (!(e instanceof SecurityError || e instanceof InputError)) throw e;
        }
      }
      if (p === undefined) {
        opts.lookups.drop(key);
        return undefined;
      }
      out.push(p);
    }
    return out;
  };

  const filenameMatches = (filename: string) => (p: ProvenEntry) => (p.entry.filename === filename ? undefined : `the entry for ${JSON.stringify(p.entry.filename)}`);

  const lookupFilename = async (filename: string): Promise<LogAnswer> => {
    const key = `f:${filename}`;
    const where = `the lookup of ${JSON.stringify(filename)}`;
    const matches = filenameMatches(filename);
    const cached = await fromCache(key, where, matches);
    if (cached) return { status: 'found', entries: cached };
    if (opts.offline) return { status: 'uncached' };
    const url = `${base}/lookup/${encodeURIComponent(filename)}`;
    const r = await get(url, MAX_LOOKUP_BYTES);
    if (r.status === 404) return { status: 'absent' };
    if (r.status !== 200) throw new FetchError(`GET ${url}: HTTP ${r.status}`);
    const answer = parseFilenameAnswer(r.body, url);
    const proven = await accept(answer, where, matches, false);
    opts.lookups.set(key, [encodeCachedAnswer(answer)]);
    return { status: 'found', entries: [proven] };
  };

  const lookupSha256 = async (sha256: string): Promise<LogAnswer> => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InputError(`sha256 ${JSON.stringify(sha256.slice(0, 80))} is not 64 lowercase hex digits`);
    const key = `s:${sha256}`;
    const where = `the lookup of sha256 ${sha256}`;
    const matches = (p: ProvenEntry) => (p.entry.sha256 === sha256 ? undefined : `the entry for ${JSON.stringify(p.entry.filename)} with sha256 ${p.entry.sha256}`);
    const cached = await fromCache(key, where, matches);
    if (cached) return { status: 'found', entries: cached };
    if (opts.offline) return { status: 'uncached' };
    const url = `${base}/lookup/sha256/${sha256}`;
    const r = await get(url, MAX_SHA256_LOOKUP_BYTES);
    if (r.status === 404) return { status: 'absent' };
    if (r.status !== 200) throw new FetchError(`GET ${url}: HTTP ${r.status}`);
    const answers = parseSha256Answer(r.body, url);
    if (answers.length === 0) return { status: 'absent' };
    const entries: ProvenEntry[] = [];
    for (const a of answers) entries.push(await accept(a, where, matches, false));
    opts.lookups.set(key, answers.map(encodeCachedAnswer));
    return { status: 'found', entries };
  };

  // A batch that does not answer exactly the names asked, in order: the server answers other questions.
  const checkBatchNames = (names: string[], got: BatchAnswer, url: string): void => {
    const asked = new Set(names);
    const answered = got.items.map((it) => it.filename);
    const wrongAt = answered.findIndex((n, i) => n !== names[i]);
    if (answered.length === names.length && wrongAt < 0) return;
    const missing = names.filter((n) => !answered.includes(n));
    const extra = answered.filter((n) => !asked.has(n));
    const list = (xs: string[]) => [...xs.slice(0, 20).map((x) => JSON.stringify(x)), ...(xs.length > 20 ? [`… and ${xs.length - 20} more`] : [])];
    const sections: ReportSection[] = [{ label: 'checkpoint served with the batch', lines: noteLines(got.checkpoint) }];
    if (missing.length > 0) sections.push({ label: `file names asked but not answered (${missing.length})`, lines: list(missing) });
    if (extra.length > 0) sections.push({ label: `file names answered but not asked (${extra.length})`, lines: list(extra) });
    if (missing.length === 0 && extra.length === 0) sections.push({ label: `result ${wrongAt + 1} answers`, lines: [JSON.stringify(answered[wrongAt]), `where ${JSON.stringify(names[wrongAt])} was asked`] });
    throw misbehaved({
      kind: 'bad-answer',
      summary: `asked about ${names.length} file names in one batch (POST ${url}), it answered ${got.count === names.length ? 'other names' : `${got.count}`}`,
      sections,
      explanation: ['A batch lookup must answer every file name asked, once, in the order asked. This one did not: its answers cannot be trusted.'],
    });
  };

  // One batch: undefined when the server has no batch lookups or refused this one (ask one name at a
  // time instead); otherwise each name's answer, or the error that name's lookup ends with. Errors
  // that concern the whole batch (a network failure, misbehaviour) reject.
  const lookupBatch = async (names: string[]): Promise<Map<string, LogAnswer | Error> | undefined> => {
    const url = `${base}/lookup`;
    const release = await limit.acquire();
    let r;
    try {
      r = await opts.post!(url, Buffer.from(JSON.stringify({ filenames: names })), 'application/json', MAX_BATCH_ANSWER_BYTES);
    } finally {
      release();
    }
    if (r.status !== 200) {
      if (batchUnsupported(r.status)) batchesOff = true;
      return undefined;
    }
    const got = parseBatchAnswer(r.body, `POST ${url}`, names.length);
    // The signature first: a report of what the batch answered must carry the log's signed note.
    const vc = openVerified(got.checkpoint, `POST ${url}`);
    checkBatchNames(names, got, url);
    await settle(vc, `the batch lookup of ${names.length} file names`, false);
    const out = new Map<string, LogAnswer | Error>();
    for (const item of got.items) {
      const name = item.filename;
      if (!item.found) {
        out.set(name, { status: 'absent' });
        continue;
      }
      const where = `the lookup of ${JSON.stringify(name)} (in a batch)`;
      try {
        const answer = batchItemAnswer(item, got.checkpoint, where);
        const proven = await accept(answer, where, filenameMatches(name), false);
        opts.lookups.set(`f:${name}`, [encodeCachedAnswer(answer)]);
        out.set(name, { status: 'found', entries: [proven] });
      } catch (e) {
        // A malformed answer is that file's error, as with a single lookup; misbehaviour stops everything.
        if (e instanceof InputError && !(e instanceof SecurityError)) out.set(name, e);
        else throw e;
      }
    }
    return out;
  };

  const prefetchFilenames = async (filenames: Iterable<string>): Promise<void> => {
    if (opts.offline || base === undefined || opts.post === undefined || batchesOff) return;
    const todo: string[] = [];
    const waiting = new Map<string, ReturnType<typeof deferred<LogAnswer>>>();
    for (const name of filenames) {
      const key = `f:${name}`;
      // Cached answers are verified by lookupFilename itself; names asked already keep their answer.
      if (lookups.has(key) || opts.lookups.get(key) !== undefined) continue;
      const d = deferred<LogAnswer>();
      // Whoever asks lookupFilename(name) awaits it; a run that stops early must not leave the rest unhandled.
      d.promise.catch(() => {});
      lookups.set(key, d.promise);
      waiting.set(name, d);
      todo.push(name);
    }
    const batches = batchesOf(todo, Math.min(MAX_BATCH_NAMES, Math.max(1, opts.batchSize ?? MAX_BATCH_NAMES)));
    await mapLimit(batches, BATCHES_IN_FLIGHT, async (names) => {
      let answers: Map<string, LogAnswer | Error> | undefined;
      try {
        answers = batchesOff ? undefined : await lookupBatch(names);
      } catch (e) {
        for (const n of names) waiting.get(n)!.reject(e);
        return;
      }
      for (const n of names) {
        const a = answers?.get(n);
        if (answers === undefined) waiting.get(n)!.resolve(lookupFilename(n));
        else if (a instanceof Error) waiting.get(n)!.reject(a);
        else waiting.get(n)!.resolve(a!);
      }
    });
  };

  const memo = (key: string, fn: () => Promise<LogAnswer>): Promise<LogAnswer> => {
    let p = lookups.get(key);
    if (p === undefined) {
      p = fn();
      lookups.set(key, p);
    }
    return p;
  };

  return {
    origin,
    url: base,
    async start() {
      if (opts.offline) {
        const bytes = await state.read();
        if (bytes === undefined) {
          throw new UsageError(`offline: this machine has no verified checkpoint of log ${origin} yet (${state.path}); run once without --offline`);
        }
        const vc = openState(bytes);
        fromState.add(vc);
        setLatest(vc);
        return vc;
      }
      const url = `${base}/checkpoint`;
      const r = await get(url, MAX_NOTE_SIZE);
      if (r.status !== 200) throw new FetchError(`GET ${url}: HTTP ${r.status}`);
      const vc = openVerified(r.body, url);
      await advance(vc, `checkpoint served by ${url}`);
      setLatest(vc);
      return latest!;
    },
    latest() {
      if (latest === undefined) throw new Error('logclient: start() was not called');
      return latest;
    },
    lookupFilename: (filename) => memo(`f:${filename}`, () => lookupFilename(filename)),
    lookupSha256: (sha256) => memo(`s:${sha256}`, () => lookupSha256(sha256)),
    prefetchFilenames,
    flush: () => opts.lookups.flush(),
  };
}
