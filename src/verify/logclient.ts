// The client of a known-hashes log, like the go command's sumdb client: it fetches the log's signed
// checkpoint and lookup answers, verifies every signature and proof before believing anything, and
// keeps this machine's view of the log append-only. The latest verified checkpoint is kept in the
// state directory; each new checkpoint must be proven consistent with it from the log's own tiles
// (authenticated up to the signed root), and a log that cannot be (a fork, a rewound history, tiles
// that do not match its signature, a false proof) is reported with the evidence (exit 3).
// Tiles and verified lookup answers are cached; --offline works from that cache alone.

import { InputError, SecurityError, UsageError } from '../errors.ts';
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
import type { Getter } from './fetch.ts';
import { FetchError } from './fetch.ts';
import type { CheckpointStore } from './state.ts';
import { checkConsistency, consistencyTilePaths } from './consistency.ts';
import {
  answerProofText,
  decodeCachedAnswer,
  encodeCachedAnswer,
  MAX_LOOKUP_BYTES,
  MAX_SHA256_LOOKUP_BYTES,
  parseFilenameAnswer,
  parseSha256Answer,
  proveAnswer,
} from './answers.ts';
import type { LookupAnswer, ProvenEntry } from './answers.ts';
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
    const cur = latest!;
    if (vc.checkpoint.size > cur.checkpoint.size) await advance(vc, `checkpoint served with the answer to ${where}`);
    else {
      await ensureConsistent(
        { vc, label: `checkpoint ${cached ? 'cached' : 'served'} with the answer to ${where}`, earlier: cached },
        { vc: cur, label: 'latest checkpoint verified in this run', earlier: fromState.has(cur) },
      );
    }
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

  const lookupFilename = async (filename: string): Promise<LogAnswer> => {
    const key = `f:${filename}`;
    const where = `the lookup of ${JSON.stringify(filename)}`;
    const matches = (p: ProvenEntry) => (p.entry.filename === filename ? undefined : `the entry for ${JSON.stringify(p.entry.filename)}`);
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
    flush: () => opts.lookups.flush(),
  };
}
