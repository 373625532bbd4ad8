// The known-hashes log over a store: initialization, the read side the HTTP server and the CLI use
// (checkpoint, tiles, entry bundles, lookups, proofs, alerts) and the writer (sequencer) side.

import type { Hash } from '../tlog/hash.ts';
import { EMPTY_TREE_HASH, hashEqual } from '../tlog/hash.ts';
import { formatCheckpoint, openCheckpoint } from '../tlog/checkpoint.ts';
import { newVerifier, signNote } from '../tlog/note.ts';
import type { Signer, Verifier } from '../tlog/note.ts';
import { proveRecord, proveTree, recordProofIndexes, treeProofIndexes } from '../tlog/proof.ts';
import type { AlertQuery, NewAlert, Store, StoredAlert, StoredCheckpoint } from '../store/store.ts';
import { StoreCorruptError } from '../store/errors.ts';
import { InputError, UsageError } from '../errors.ts';
import { edgeReads, edgeRoot, loadEdge, mapHashReader } from './edge.ts';
import { entryReader, findFilenames, readStoredHashes } from './reads.ts';
import type { LoggedEntry } from './reads.ts';
import { startSequencer } from './sequencer.ts';
import type { BatchOutcomes, Claim, Outcome, SequencerOptions } from './sequencer.ts';
import type { ClaimBatch } from './claims.ts';

/** Store metadata keys the log owns. */
export const META = { origin: 'origin', verifierKey: 'verifier_key', created: 'created' } as const;

/** Most results a lookup returns at once. */
export const MAX_LOOKUP = 10_000;

/** Identity of a log: its origin line and the key that signs its checkpoints. */
export interface LogInfo {
  origin: string;
  verifierKey: string;
  verifier: Verifier;
}

/**
 * Initializes an empty store as a log for `origin`: records origin and verifier key and signs the
 * checkpoint of the empty tree, in one transaction. Refuses a store that already holds a log.
 */
export async function initLog(store: Store, opts: { origin: string; signer: Signer; verifierKey: string; now: Date }): Promise<StoredCheckpoint> {
  return store.readWrite(async (tx) => {
    if ((await tx.getMeta(META.origin)) !== undefined || (await tx.latestCheckpoint()) !== undefined) {
      throw new UsageError('the store already holds a log; refusing to initialize it again');
    }
    await tx.setMeta(META.origin, opts.origin);
    await tx.setMeta(META.verifierKey, opts.verifierKey);
    await tx.setMeta(META.created, opts.now.toISOString());
    const note = signNote(formatCheckpoint({ origin: opts.origin, size: 0, hash: EMPTY_TREE_HASH, extensions: [] }), [opts.signer]);
    const c: StoredCheckpoint = { size: 0, hash: EMPTY_TREE_HASH, note, created: opts.now.getTime() };
    await tx.addCheckpoint(c);
    return c;
  });
}

/** The log's identity from the store; StoreCorruptError when the store holds no initialized log. */
export async function readLogInfo(store: Store): Promise<LogInfo> {
  const [origin, verifierKey] = await store.readOnly(async (tx) => [await tx.getMeta(META.origin), await tx.getMeta(META.verifierKey)]);
  if (origin === undefined || verifierKey === undefined) throw new StoreCorruptError('the log store was never initialized (run distsum log init)');
  let verifier: Verifier;
  try {
    verifier = newVerifier(verifierKey);
  } catch {
    throw new StoreCorruptError(`the log store's verifier key ${JSON.stringify(verifierKey.slice(0, 100))} is malformed`);
  }
  return { origin, verifierKey, verifier };
}

/** Read access to a log: everything the HTTP server and the CLI read. */
export interface LogReader {
  readonly info: LogInfo;
  /** The latest signed checkpoint (note bytes exactly as signed). */
  latestCheckpoint(): Promise<StoredCheckpoint>;
  /** Checkpoints with size > afterSize, ascending, at most `limit`. */
  checkpoints(afterSize: number, limit: number): Promise<StoredCheckpoint[]>;
  /** Hash tile (level, n) at `width` (1..256), or undefined when the tree does not have it yet. */
  tile(level: number, n: number, width: number): Promise<Uint8Array | undefined>;
  /** Entry bundle n with its first `width` entries, or undefined when the tree does not have it. */
  entryBundle(n: number, width: number): Promise<Uint8Array | undefined>;
  /**
   * Bytes [start, start + length) of the stored entry bundle n (fewer where it ends first), or
   * undefined when no bundle n is stored. For readers that know where an entry lies, from an
   * earlier entryBundle read: stored bundles only grow, so the position stays valid. The caller
   * must only ask for bytes of entries its tree holds.
   */
  entryBundleSlice(n: number, start: number, length: number): Promise<Uint8Array | undefined>;
  /** Entries by index (each < the latest checkpoint's size). */
  entries(indexes: number[]): Promise<LoggedEntry[]>;
  /** The entry for a file name, if logged. */
  lookupFilename(filename: string): Promise<LoggedEntry | undefined>;
  /** Entries whose sha256 is `sha256hex` (normally one), ascending index. */
  lookupSha256(sha256hex: string, limit?: number): Promise<LoggedEntry[]>;
  /** Entries of a (normalized) project with index > afterIndex, ascending, at most `limit`. */
  lookupProject(project: string, afterIndex?: number, limit?: number): Promise<LoggedEntry[]>;
  /** When the log first committed entry `index` (its first checkpoint's signing time). */
  firstSeen(index: number): Promise<Date | undefined>;
  /** RFC 6962 inclusion proof of entry `index` in the tree of `treeSize` (<= latest size). */
  proveInclusion(index: number, treeSize: number): Promise<Hash[]>;
  /** RFC 6962 consistency proof from tree `oldSize` to tree `newSize` (<= latest size). */
  proveConsistency(oldSize: number, newSize: number): Promise<Hash[]>;
  /** Alerts matching `q`. */
  listAlerts(q: AlertQuery): Promise<StoredAlert[]>;
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LOOKUP) throw new InputError(`lookup limit must be 1..${MAX_LOOKUP}`);
  return limit;
}

function latestOrThrow(c: StoredCheckpoint | undefined): StoredCheckpoint {
  if (c === undefined) throw new StoreCorruptError('the log store has no checkpoint (run distsum log init)');
  return c;
}

function checkSize(what: string, size: number, latest: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > latest) throw new InputError(`${what} ${size} is not a tree size of this log (latest ${latest})`);
}

/** A LogReader over `store` for the log `info` describes. */
export function logReader(store: Store, info: LogInfo): LogReader {
  return {
    info,
    latestCheckpoint: () => store.readOnly(async (tx) => latestOrThrow(await tx.latestCheckpoint())),
    checkpoints: (afterSize, limit) => store.readOnly((tx) => tx.checkpoints(afterSize, checkLimit(limit))),
    async tile(level, n, width) {
      const [data] = await store.readEach((tx) => tx.readTiles([{ level, n }]));
      if (data === undefined || data.length < width * 32) return undefined;
      return data.subarray(0, width * 32);
    },
    async entryBundle(n, width) {
      const [data] = await store.readEach((tx) => tx.readBundles([n]));
      if (data === undefined) return undefined;
      // The stored bundle may have grown past `width` entries; serve exactly the first `width`.
      let off = 0;
      for (let k = 0; k < width; k++) {
        if (off + 2 > data.length) return undefined;
        off += 2 + ((data[off] << 8) | data[off + 1]);
      }
      return off <= data.length ? data.subarray(0, off) : undefined;
    },
    entryBundleSlice: (n, start, length) => store.readEach((tx) => tx.readBundleSlice(n, start, length)),
    entries: (indexes) =>
      store.readOnly(async (tx) => entryReader(tx, latestOrThrow(await tx.latestCheckpoint()).size).read(indexes)),
    lookupFilename: (filename) =>
      store.readOnly(async (tx) => {
        const size = latestOrThrow(await tx.latestCheckpoint()).size;
        const reader = entryReader(tx, size);
        const [index] = await findFilenames(tx, [filename], size, reader);
        if (index === undefined) return undefined;
        const [e] = await reader.read([index]);
        return e;
      }),
    async lookupSha256(sha256hex, limit = 100) {
      if (!/^[0-9a-f]{64}$/.test(sha256hex)) throw new InputError('sha256 must be 64 lowercase hex digits');
      return store.readOnly(async (tx) => {
        const candidates = await tx.findSha256(Buffer.from(sha256hex, 'hex'), checkLimit(limit));
        const es = await entryReader(tx, latestOrThrow(await tx.latestCheckpoint()).size).read(candidates);
        return es.filter((e) => e.entry.sha256 === sha256hex);
      });
    },
    async lookupProject(project, afterIndex = -1, limit = 1000) {
      checkLimit(limit);
      return store.readOnly(async (tx) => {
        const runs = await tx.findProject(project, afterIndex, limit);
        const indexes: number[] = [];
        for (const r of runs) {
          for (let i = Math.max(r.first, afterIndex + 1); i < r.first + r.count && indexes.length < limit; i++) indexes.push(i);
        }
        const es = await entryReader(tx, latestOrThrow(await tx.latestCheckpoint()).size).read(indexes);
        return es.filter((e) => e.entry.project === project);
      });
    },
    async firstSeen(index) {
      const [c] = await store.readOnly((tx) => tx.checkpoints(index, 1));
      return c === undefined ? undefined : new Date(c.created);
    },
    proveInclusion: (index, treeSize) =>
      store.readOnly(async (tx) => {
        checkSize('tree size', treeSize, latestOrThrow(await tx.latestCheckpoint()).size);
        if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) throw new InputError(`entry ${index} is not in the tree of size ${treeSize}`);
        const need = recordProofIndexes(treeSize, index);
        const hashes = await readStoredHashes(tx, need);
        return proveRecord(treeSize, index, mapHashReader(new Map(need.map((i, k) => [i, hashes[k]]))));
      }),
    proveConsistency: (oldSize, newSize) =>
      store.readOnly(async (tx) => {
        const latest = latestOrThrow(await tx.latestCheckpoint()).size;
        checkSize('new tree size', newSize, latest);
        checkSize('old tree size', oldSize, newSize);
        const need = treeProofIndexes(newSize, oldSize);
        const hashes = await readStoredHashes(tx, need);
        return proveTree(newSize, oldSize, mapHashReader(new Map(need.map((i, k) => [i, hashes[k]]))));
      }),
    listAlerts: (q) => store.readOnly((tx) => tx.listAlerts({ ...q, limit: checkLimit(q.limit) })),
  };
}

/** The log's single writer: reads plus appends and alerts. */
export interface LogWriter extends LogReader {
  /** See Sequencer.append. */
  append(claims: Claim[]): Promise<Outcome[]>;
  /** See Sequencer.appendBatch. */
  appendBatch(batch: ClaimBatch): Promise<BatchOutcomes>;
  /** The secret key of the store's index keys, for packing claims (ClaimBatch) elsewhere. */
  readonly keySeed: Uint8Array;
  /** Records alerts (deduplicated by key); returns new ids, undefined for known conditions. */
  addAlerts(alerts: NewAlert[]): Promise<(number | undefined)[]>;
  /** Marks an alert resolved now; false when it does not exist or was resolved already. */
  resolveAlert(id: number): Promise<boolean>;
  /** Committed tree size. */
  size(): number;
  /** Finishes queued appends. The store stays open (its owner closes it). */
  close(): Promise<void>;
}

/**
 * Starts the writer over a store opened with the writer lock. Verifies the state it resumes from:
 * the latest checkpoint must carry a valid signature of the log's key and the stored tiles must hash
 * to its root (StoreCorruptError otherwise), so a damaged store is never extended.
 */
export async function openLogWriter(
  store: Store,
  signer: Signer,
  opts: { now: () => Date; maxBatch?: number; onCommit?: SequencerOptions['onCommit'] },
): Promise<LogWriter> {
  const info = await readLogInfo(store);
  const { latest, edge } = await store.readOnly(async (tx) => {
    const latest = latestOrThrow(await tx.latestCheckpoint());
    try {
      const c = openCheckpoint(latest.note, info.origin, info.verifier).checkpoint;
      if (c.size !== latest.size || !hashEqual(c.hash, latest.hash)) throw new Error('the note disagrees with the stored size or root');
    } catch (e) {
      throw new StoreCorruptError(`the latest checkpoint in the store does not verify (${(e as Error).message}); run distsum log audit`);
    }
    const reads = edgeReads(latest.size);
    const tiles = await tx.readTiles(reads.tiles);
    const byKey = new Map(reads.tiles.map((t, i) => [`${t.level}/${t.n}`, tiles[i]]));
    const bundle = reads.bundle === undefined ? undefined : (await tx.readBundles([reads.bundle]))[0];
    let edge;
    try {
      edge = loadEdge(latest.size, (level, n) => byKey.get(`${level}/${n}`), bundle);
    } catch (e) {
      throw new StoreCorruptError(`the stored tree does not match the latest checkpoint (${(e as Error).message}); run distsum log audit`);
    }
    return { latest, edge };
  });
  if (!hashEqual(edgeRoot(edge), latest.hash)) {
    throw new StoreCorruptError(`the stored tree of size ${latest.size} does not hash to the latest checkpoint; run distsum log audit`);
  }
  const seq = startSequencer({
    store,
    origin: info.origin,
    signer,
    now: opts.now,
    state: { edge, checkpoint: { size: latest.size, hash: latest.hash } },
    maxBatch: opts.maxBatch,
    onCommit: opts.onCommit,
  });
  return {
    ...logReader(store, info),
    append: (claims) => seq.append(claims),
    appendBatch: (batch) => seq.appendBatch(batch),
    keySeed: store.keySeed,
    addAlerts: (alerts) => seq.addAlerts(alerts),
    resolveAlert: (id) => store.resolveAlert(id, opts.now().toISOString()),
    size: () => seq.state().edge.size,
    close: () => seq.close(),
  };
}
