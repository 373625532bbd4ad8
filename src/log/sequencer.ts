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
import { entryOf, filenameOf, leafOf, packClaims, recordOf } from './claims.ts';
import type { Claim, ClaimBatch } from './claims.ts';
import { growEdge, mapHashReader } from './edge.ts';
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

/** What a commit decided about its claims, in segment order. */
interface Decision {
  /** Status and entry index per claim, in the order of the segments' claims. */
  status: Uint8Array;
  index: Float64Array;
  /** New entries: [segment, claim] in append order. */
  fresh: { seg: number; i: number }[];
  alerts: { pos: number; alert: NewAlert }[];
}

// Finds a claim among the new entries of a batch by file name key, telling names that share a
// key apart by the names themselves (only those are ever decoded).
function batchNames() {
  const byKey = new Map<number, number>(); // key -> new-entry slot of the first name with it
  const shared = new Set<number>(); // keys that more than one name has
  const byName = new Map<string, number>(); // slots of the names of shared keys
  return {
    find(key: number, name: () => string, nameOfSlot: (slot: number) => string): number | undefined {
      const slot = byKey.get(key);
      if (slot === undefined) return undefined;
      if (shared.has(key)) return byName.get(name());
      const n = name();
      if (nameOfSlot(slot) === n) return slot;
      shared.add(key);
      byName.set(nameOfSlot(slot), slot);
      return undefined;
    },
    add(key: number, slot: number, name: () => string): void {
      if (!byKey.has(key)) byKey.set(key, slot);
      else if (shared.has(key)) byName.set(name(), slot);
    },
  };
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
    const result = await opts.store.readWrite(async (tx) => {
      const d = await decide(tx, segs, old, now);
      let next = old;
      if (d.fresh.length > 0) next = await appendFresh(tx, old, segs, d.fresh, now);
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

  // Classifies each claim: new (in batch order), present, or conflicting (with its alert).
  async function decide(tx: WriteTx, segs: Segment[], old: SequencerState, now: Date): Promise<Decision> {
    let total = 0;
    for (const s of segs) total += s.to - s.from;
    const keys = new Uint32Array(total);
    let p = 0;
    for (const s of segs) for (let i = s.from; i < s.to; i++) keys[p++] = s.req.batch.fileKeys[i];
    const candidates = await tx.candidatesByKey(keys);

    // The logged entries among the candidates; a claim is logged when one of them has its name.
    const reader = entryReader(tx, old.edge.size);
    const wanted = new Set<number>();
    for (const c of candidates.values()) for (const i of c) if (i < old.edge.size) wanted.add(i);
    const loggedEntry = new Map<number, Entry>();
    if (wanted.size > 0) for (const e of await reader.read([...wanted])) loggedEntry.set(e.index, e.entry);

    const status = new Uint8Array(total);
    const index = new Float64Array(total);
    const fresh: { seg: number; i: number }[] = [];
    const alerts: { pos: number; alert: NewAlert }[] = [];
    const names = batchNames();
    const nameOfSlot = (slot: number) => filenameOf(segs[fresh[slot].seg].req.batch, fresh[slot].i);
    p = 0;
    for (let sg = 0; sg < segs.length; sg++) {
      const b = segs[sg].req.batch;
      for (let i = segs[sg].from; i < segs[sg].to; i++, p++) {
        const name = () => filenameOf(b, i);
        let earlier: { index: number; entry: Entry } | undefined;
        const cands = candidates.get(p);
        if (cands !== undefined) {
          const n = name();
          for (const c of cands) {
            const e = loggedEntry.get(c);
            if (e !== undefined && e.filename === n) {
              earlier = { index: c, entry: e };
              break;
            }
          }
        }
        if (earlier === undefined) {
          const slot = names.find(b.fileKeys[i], name, nameOfSlot);
          if (slot === undefined) {
            names.add(b.fileKeys[i], fresh.length, name);
            status[p] = APPENDED;
            index[p] = old.edge.size + fresh.length;
            fresh.push({ seg: sg, i });
            continue;
          }
          earlier = { index: old.edge.size + slot, entry: entryOf(segs[fresh[slot].seg].req.batch, fresh[slot].i) };
        }
        const claim = entryOf(b, i);
        index[p] = earlier.index;
        if (sameFile(earlier.entry, claim)) {
          status[p] = PRESENT;
        } else {
          status[p] = CONFLICT;
          alerts.push({ pos: p, alert: hashChangedAlert(earlier.entry, earlier.index, claim, b.source(i), now) });
        }
      }
    }
    return { status, index, fresh, alerts };
  }

  // Grows the tree by the fresh claims, proves the new tree extends the last signed one, signs and stores it.
  async function appendFresh(tx: WriteTx, old: SequencerState, segs: Segment[], fresh: { seg: number; i: number }[], now: Date): Promise<SequencerState> {
    const oldSize = old.edge.size;
    const newSize = oldSize + fresh.length;
    const need = treeProofIndexes(newSize, oldSize);
    const records = fresh.map((f) => recordOf(segs[f.seg].req.batch, f.i));
    const leaves = fresh.map((f) => leafOf(segs[f.seg].req.batch, f.i));
    const g = growEdge(old.edge, records, new Set(need), leaves);
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
    const keys = { filename: new Uint32Array(fresh.length), sha256: new Uint32Array(fresh.length), project: new Uint32Array(fresh.length) };
    fresh.forEach((f, k) => {
      const b = segs[f.seg].req.batch;
      keys.filename[k] = b.fileKeys[f.i];
      keys.sha256[k] = b.shaKeys[f.i];
      keys.project[k] = b.projectKeys[f.i];
    });
    await tx.putBundles(g.bundles);
    await tx.putTiles(g.tiles);
    await tx.indexKeyArrays(oldSize, keys);
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
