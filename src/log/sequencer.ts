// The sequencer: the single writer that turns claims ("file F has these digests") into log entries.
// Claims queue up and are committed in batches; each batch is ONE store transaction holding the new
// entries (bundles), the new hashes (tiles), the lookup indexes, the alerts and a newly signed
// checkpoint of the new tree, so a crash at any moment leaves either all of a batch or none of it.
// A claim's promise resolves only after its batch committed durably (acknowledged = durable).
//
// Dedup: one entry per file name, first seen wins. A claim for a logged file name with the same
// digests is "present"; with other digests or size it is refused and raises a hash-changed alert.

import type { Hash } from '../tlog/hash.ts';
import { EMPTY_TREE_HASH, hashEqual } from '../tlog/hash.ts';
import { formatCheckpoint } from '../tlog/checkpoint.ts';
import { signNote } from '../tlog/note.ts';
import type { Signer } from '../tlog/note.ts';
import { checkTree, proveTree, treeProofIndexes } from '../tlog/proof.ts';
import type { NewAlert, Store, WriteTx } from '../store/store.ts';
import { SecurityError } from '../errors.ts';
import { sameFile } from './entry.ts';
import type { Entry } from './entry.ts';
import { concatBatches, entryOf, filenameOf, packClaims, pickClaims, sliceBatch } from './claims.ts';
import type { Claim, ClaimBatch } from './claims.ts';
import { orderByKey } from '../store/keyruns.ts';
import { growEdgeFlat, mapHashReader } from './edge.ts';
import type { TreeEdge } from './edge.ts';
import { hashChangedAlert } from './alerts.ts';
import { entryReader, readStoredHashes } from './reads.ts';

/**
 * Claims per batch by default: large enough that the per-batch costs (fsync, signature, partial
 * tiles) vanish, small enough to keep a bulk import under ~300 MiB (bench/import.ts).
 */
export const DEFAULT_BATCH = 16_384;

export type { Claim } from './claims.ts';

/** What became of one claim. `index` is the file's entry in the log (new or earlier). */
export type Outcome =
  | { status: 'appended'; index: number }
  | { status: 'present'; index: number }
  | { status: 'conflict'; index: number; /** new alert id; undefined when the same alert existed */ alertId?: number };

/** The committed state the sequencer extends: the tree edge and the latest signed checkpoint. */
export interface SequencerState {
  edge: TreeEdge;
  /** Latest signed checkpoint (size must equal edge.size). */
  checkpoint: { size: number; hash: Hash };
}

/** How to run a sequencer. */
export interface SequencerOptions {
  store: Store;
  origin: string;
  signer: Signer;
  now: () => Date;
  /** Committed state to start from; the caller has verified it against the store. */
  state: SequencerState;
  /** Most claims per batch (default DEFAULT_BATCH). */
  maxBatch?: number;
  /** Called after each batch commits, with the new tree size (e.g. to print an ack line). */
  onCommit?: (info: { size: number; appended: number; claims: number }) => void;
}

/** Outcome statuses in BatchOutcomes.status. */
export const APPENDED = 0;
export const PRESENT = 1;
export const CONFLICT = 2;

/**
 * What became of each claim of a ClaimBatch: status[i] is APPENDED, PRESENT or CONFLICT, index[i] the
 * file's entry, alertIds the new alert id of each conflicting claim that raised one (by position).
 */
export interface BatchOutcomes {
  status: Uint8Array;
  index: Float64Array;
  alertIds: Map<number, number>;
}

/** The running sequencer. */
export interface Sequencer {
  /**
   * Queues claims; resolves with one outcome per claim once every batch holding them committed.
   * Throws EntryError at once (nothing queued) when an entry is invalid; rejects with the store's
   * error when a batch fails (claims committed in earlier batches stay committed).
   */
  append(claims: Claim[]): Promise<Outcome[]>;
  /**
   * append for packed claims (their lines valid entries, their keys computed with the store's
   * keySeed): resolves once every batch holding them committed.
   */
  appendBatch(batch: ClaimBatch): Promise<BatchOutcomes>;
  /** Records alerts in the writer's order (see WriteTx.addAlerts). */
  addAlerts(alerts: NewAlert[]): Promise<(number | undefined)[]>;
  /** Committed tree size and latest checkpoint. */
  state(): SequencerState;
  /** Waits for queued work, then refuses new appends. Does not close the store. */
  close(): Promise<void>;
}

interface Pending {
  batch: ClaimBatch;
  out: BatchOutcomes;
  next: number; // first claim not yet taken into a batch
  left: number; // claims without an outcome
  resolve: (o: BatchOutcomes) => void;
  reject: (e: unknown) => void;
}

/** Claims from..to-1 of one request, taken into a commit. */
interface Segment {
  req: Pending;
  from: number;
  to: number;
}

/** What a commit decided about its claims (positions in the commit's batch). */
interface Decision {
  status: Uint8Array;
  index: Float64Array;
  /** Positions of the new entries, in append order (ascending). */
  fresh: Int32Array;
  alerts: { pos: number; alert: NewAlert }[];
}

// For each claim whose file name key another claim of the batch has too, the position of the first
// claim with that key; -1 for the others. Only those claims can repeat a name of the batch; keys in
// order (orderByKey) find them without a map entry per claim.
function sharedKeys(keys: Uint32Array): Int32Array {
  const out = new Int32Array(keys.length).fill(-1);
  const order = orderByKey(keys);
  for (let j = 1; j < order.length; j++) {
    const prev = order[j - 1];
    if (keys[order[j]] !== keys[prev]) continue;
    const first = out[prev] >= 0 ? out[prev] : prev;
    out[prev] = first;
    out[order[j]] = first;
  }
  return out;
}

/** Starts a sequencer over `opts.store` (which must be opened as the writer). */
export function startSequencer(opts: SequencerOptions): Sequencer {
  const maxBatch = opts.maxBatch ?? DEFAULT_BATCH;
  let state = opts.state;
  if (state.edge.size !== state.checkpoint.size) throw new Error('sequencer: edge and checkpoint disagree on the tree size');
  const queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  function take(): Segment[] {
    const segs: Segment[] = [];
    let n = 0;
    while (n < maxBatch && queue.length > 0) {
      const req = queue[0];
      const k = Math.min(maxBatch - n, req.batch.count - req.next);
      segs.push({ req, from: req.next, to: req.next + k });
      req.next += k;
      n += k;
      if (req.next === req.batch.count) queue.shift();
    }
    return segs;
  }

  async function commit(segs: Segment[]): Promise<{ d: Decision; alertIds: Map<number, number> }> {
    const now = opts.now();
    const old = state;
    // One batch for the commit: the request's own when it is taken whole (the bulk import case).
    const s0 = segs[0];
    const b = segs.length === 1 && s0.from === 0 && s0.to === s0.req.batch.count ? s0.req.batch : concatBatches(segs.map((s) => sliceBatch(s.req.batch, s.from, s.to)));
    const result = await opts.store.readWrite(async (tx) => {
      const d = await decide(tx, b, old, now);
      let next = old;
      if (d.fresh.length > 0) next = await appendFresh(tx, old, b, d.fresh, now);
      const ids = await tx.addAlerts(d.alerts.map((a) => a.alert));
      return { d, next, ids };
    });
    state = result.next;
    opts.onCommit?.({ size: state.edge.size, appended: result.d.fresh.length, claims: result.d.status.length });
    const alertIds = new Map<number, number>();
    result.d.alerts.forEach((a, k) => {
      const id = result.ids[k];
      if (id !== undefined) alertIds.set(a.pos, id);
    });
    return { d: result.d, alertIds };
  }

  // Classifies each claim of `b`: new (in batch order), present, or conflicting (with its alert).
  async function decide(tx: WriteTx, b: ClaimBatch, old: SequencerState, now: Date): Promise<Decision> {
    const total = b.count;
    const candidates = await tx.candidatesByKey(b.fileKeys);
    // The logged entries among the candidates; a claim is logged when one of them has its name.
    const wanted = new Set<number>();
    for (const c of candidates.values()) for (const i of c) if (i < old.edge.size) wanted.add(i);
    const loggedEntry = new Map<number, Entry>();
    if (wanted.size > 0) for (const e of await entryReader(tx, old.edge.size).read([...wanted])) loggedEntry.set(e.index, e.entry);
    const shared = sharedKeys(b.fileKeys);

    const status = new Uint8Array(total);
    const index = new Float64Array(total);
    const fresh = new Int32Array(total);
    let freshCount = 0;
    // New entries of the batch by file name, for the claims whose key another claim has.
    const slotOf = new Map<string, number>();
    const alerts: { pos: number; alert: NewAlert }[] = [];
    for (let p = 0; p < total; p++) {
      let earlier: { index: number; entry: Entry } | undefined;
      const cands = candidates.get(p);
      const grouped = shared[p] >= 0;
      const name = cands !== undefined || grouped ? filenameOf(b, p) : undefined;
      if (cands !== undefined) {
        for (const c of cands) {
          const e = loggedEntry.get(c);
          if (e !== undefined && e.filename === name) {
            earlier = { index: c, entry: e };
            break;
          }
        }
      }
      if (earlier === undefined && grouped && shared[p] !== p) {
        const slot = slotOf.get(name!);
        if (slot !== undefined) earlier = { index: old.edge.size + slot, entry: entryOf(b, fresh[slot]) };
      }
      if (earlier === undefined) {
        // Claims that share this one's key find it by name.
        if (grouped) slotOf.set(name!, freshCount);
        status[p] = APPENDED;
        index[p] = old.edge.size + freshCount;
        fresh[freshCount++] = p;
        continue;
      }
      const claim = entryOf(b, p);
      index[p] = earlier.index;
      if (sameFile(earlier.entry, claim)) {
        status[p] = PRESENT;
      } else {
        status[p] = CONFLICT;
        alerts.push({ pos: p, alert: hashChangedAlert(earlier.entry, earlier.index, claim, b.source(p), now) });
      }
    }
    return { status, index, fresh: fresh.subarray(0, freshCount), alerts };
  }

  // Grows the tree by the fresh claims, proves the new tree extends the last signed one, signs and stores it.
  async function appendFresh(tx: WriteTx, old: SequencerState, b: ClaimBatch, fresh: Int32Array, now: Date): Promise<SequencerState> {
    const oldSize = old.edge.size;
    const newSize = oldSize + fresh.length;
    const need = treeProofIndexes(newSize, oldSize);
    // Usually every claim is new: then the batch is appended as it is.
    const added = fresh.length === b.count ? b : pickClaims(b, fresh);
    const g = growEdgeFlat(old.edge, added, new Set(need));
    if (oldSize > 0) {
      // Never sign a tree that does not extend the last signed one: check a consistency proof built
      // from the old edge and the new hashes against the signed root.
      const have = new Map(g.kept);
      for (const [i, h] of old.edge.hashes) have.set(i, h);
      const missing = need.filter((i) => !have.has(i));
      if (missing.length > 0) (await readStoredHashes(tx, missing)).forEach((h, k) => have.set(missing[k], h));
      const proof = proveTree(newSize, oldSize, mapHashReader(have));
      try {
        checkTree(proof, newSize, g.root, oldSize, old.checkpoint.hash);
      } catch (e) {
        throw new SecurityError(`log: refusing to sign tree ${newSize}: it does not extend the signed tree ${oldSize} (${(e as Error).message})`);
      }
    } else if (!hashEqual(old.checkpoint.hash, EMPTY_TREE_HASH)) {
      throw new SecurityError('log: the signed checkpoint of the empty tree has another root than SHA-256("")');
    }
    const text = formatCheckpoint({ origin: opts.origin, size: newSize, hash: g.root, extensions: [] });
    const note = signNote(text, [opts.signer]);
    await tx.putBundles(g.bundles);
    await tx.putTiles(g.tiles);
    await tx.indexKeyArrays(oldSize, { filename: added.fileKeys, sha256: added.shaKeys, project: added.projectKeys });
    await tx.addCheckpoint({ size: newSize, hash: g.root, note, created: now.getTime() });
    return { edge: g.edge, checkpoint: { size: newSize, hash: g.root } };
  }

  function fail(segs: Segment[], e: unknown): void {
    for (const r of new Set(segs.map((s) => s.req))) {
      const at = queue.indexOf(r);
      if (at >= 0) queue.splice(at, 1);
      r.left = -1;
      r.reject(e);
    }
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const segs = take();
      let d: Decision;
      let alertIdAt: Map<number, number>;
      try {
        ({ d, alertIds: alertIdAt } = await commit(segs));
      } catch (e) {
        fail(segs, e);
        continue;
      }
      let p = 0;
      for (const s of segs) {
        const r = s.req;
        for (let i = s.from; i < s.to; i++, p++) {
          if (r.left < 0) continue;
          r.out.status[i] = d.status[p];
          r.out.index[i] = d.index[p];
          const id = alertIdAt.get(p);
          if (id !== undefined) r.out.alertIds.set(i, id);
        }
        if (r.left < 0) continue;
        r.left -= s.to - s.from;
        if (r.left === 0) r.resolve(r.out);
      }
    }
  }

  function kick(): void {
    if (running) return;
    running = run().finally(() => {
      running = undefined;
      if (queue.length > 0) kick();
    });
  }

  function appendBatch(batch: ClaimBatch): Promise<BatchOutcomes> {
    if (closed) return Promise.reject(new Error('sequencer: closed'));
    const out: BatchOutcomes = { status: new Uint8Array(batch.count), index: new Float64Array(batch.count), alertIds: new Map() };
    if (batch.count === 0) return Promise.resolve(out);
    return new Promise<BatchOutcomes>((resolve, reject) => {
      queue.push({ batch, out, next: 0, left: batch.count, resolve, reject });
      kick();
    });
  }

  return {
    append(claims) {
      if (closed) return Promise.reject(new Error('sequencer: closed'));
      if (claims.length === 0) return Promise.resolve([]);
      let batch: ClaimBatch;
      try {
        batch = packClaims(claims, opts.store.keySeed);
      } catch (e) {
        return Promise.reject(e);
      }
      return appendBatch(batch).then((o) => outcomesOf(o));
    },
    appendBatch,
    addAlerts(alerts) {
      return opts.store.readWrite((tx) => tx.addAlerts(alerts));
    },
    state() {
      return state;
    },
    async close() {
      closed = true;
      while (running) await running;
    },
  };
}

/** BatchOutcomes as one Outcome object per claim. */
export function outcomesOf(o: BatchOutcomes): Outcome[] {
  return Array.from(o.status, (st, i): Outcome => {
    const index = o.index[i];
    if (st === APPENDED) return { status: 'appended', index };
    if (st === PRESENT) return { status: 'present', index };
    const alertId = o.alertIds.get(i);
    return alertId === undefined ? { status: 'conflict', index } : { status: 'conflict', index, alertId };
  });
}
