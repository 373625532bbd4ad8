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
import type { EntryKeys, NewAlert, Store, WriteTx } from '../store/store.ts';
import { SecurityError } from '../errors.ts';
import { encodeEntry, sameFile } from './entry.ts';
import type { Entry } from './entry.ts';
import { growEdge, mapHashReader } from './edge.ts';
import type { TreeEdge } from './edge.ts';
import { hashChangedAlert } from './alerts.ts';
import { entryReader, findFilenames, readStoredHashes } from './reads.ts';

/**
 * Claims per batch by default: large enough that the per-batch costs (fsync, signature, partial
 * tiles) vanish, small enough to keep a bulk import under ~300 MiB (bench/import.ts).
 */
export const DEFAULT_BATCH = 16_384;

/** A claim that a file exists with these digests, and where the claim came from (for alerts). */
export interface Claim {
  entry: Entry;
  /** Where the claim was seen: "import file.jsonl:12", an index URL, ... */
  source: string;
}

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

/** The running sequencer. */
export interface Sequencer {
  /**
   * Queues claims; resolves with one outcome per claim once every batch holding them committed.
   * Throws EntryError at once (nothing queued) when an entry is invalid; rejects with the store's
   * error when a batch fails (claims committed in earlier batches stay committed).
   */
  append(claims: Claim[]): Promise<Outcome[]>;
  /** Records alerts in the writer's order (see WriteTx.addAlerts). */
  addAlerts(alerts: NewAlert[]): Promise<(number | undefined)[]>;
  /** Committed tree size and latest checkpoint. */
  state(): SequencerState;
  /** Waits for queued work, then refuses new appends. Does not close the store. */
  close(): Promise<void>;
}

interface Pending {
  claims: Claim[];
  records: Uint8Array[];
  outcomes: Outcome[];
  next: number; // first claim not yet taken into a batch
  left: number; // claims without an outcome
  resolve: (o: Outcome[]) => void;
  reject: (e: unknown) => void;
}

interface Item {
  req: Pending;
  pos: number;
}

/** Starts a sequencer over `opts.store` (which must be opened as the writer). */
export function startSequencer(opts: SequencerOptions): Sequencer {
  const maxBatch = opts.maxBatch ?? DEFAULT_BATCH;
  let state = opts.state;
  if (state.edge.size !== state.checkpoint.size) throw new Error('sequencer: edge and checkpoint disagree on the tree size');
  const queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  function take(): Item[] {
    const items: Item[] = [];
    while (items.length < maxBatch && queue.length > 0) {
      const req = queue[0];
      const n = Math.min(maxBatch - items.length, req.claims.length - req.next);
      for (let k = 0; k < n; k++) items.push({ req, pos: req.next + k });
      req.next += n;
      if (req.next === req.claims.length) queue.shift();
    }
    return items;
  }

  async function commit(items: Item[]): Promise<Outcome[]> {
    const now = opts.now();
    const old = state;
    const result = await opts.store.readWrite(async (tx) => {
      const outcomes = await decide(tx, items, old, now);
      const fresh = outcomes.fresh;
      let next = old;
      if (fresh.length > 0) next = await appendFresh(tx, old, fresh, now);
      const ids = await tx.addAlerts(outcomes.alerts.map((a) => a.alert));
      outcomes.alerts.forEach((a, k) => {
        const o = outcomes.list[a.pos];
        if (o.status === 'conflict' && ids[k] !== undefined) o.alertId = ids[k];
      });
      return { outcomes: outcomes.list, next, appended: fresh.length };
    });
    state = result.next;
    opts.onCommit?.({ size: state.edge.size, appended: result.appended, claims: items.length });
    return result.outcomes;
  }

  // Classifies each claim: new (in batch order), present, or conflicting (with its alert).
  async function decide(tx: WriteTx, items: Item[], old: SequencerState, now: Date) {
    const names = [...new Set(items.map((it) => it.req.claims[it.pos].entry.filename))];
    const reader = entryReader(tx, old.edge.size);
    const found = await findFilenames(tx, names, old.edge.size, reader);
    const logged = new Map<string, number>();
    names.forEach((n, i) => found[i] !== undefined && logged.set(n, found[i]!));
    const earlier = await reader.read([...new Set(logged.values())]);
    const loggedEntry = new Map(earlier.map((e) => [e.index, e.entry]));

    const list: Outcome[] = new Array(items.length);
    const fresh: { entry: Entry; record: Uint8Array }[] = [];
    const inBatch = new Map<string, number>();
    const alerts: { pos: number; alert: NewAlert }[] = [];
    items.forEach((it, pos) => {
      const claim = it.req.claims[it.pos];
      const f = claim.entry.filename;
      let index = logged.get(f);
      let entry: Entry | undefined = index === undefined ? undefined : loggedEntry.get(index);
      if (index === undefined) {
        const j = inBatch.get(f);
        if (j === undefined) {
          inBatch.set(f, fresh.length);
          list[pos] = { status: 'appended', index: old.edge.size + fresh.length };
          fresh.push({ entry: claim.entry, record: it.req.records[it.pos] });
          return;
        }
        index = old.edge.size + j;
        entry = fresh[j].entry;
      }
      if (sameFile(entry!, claim.entry)) {
        list[pos] = { status: 'present', index };
      } else {
        list[pos] = { status: 'conflict', index };
        alerts.push({ pos, alert: hashChangedAlert(entry!, index, claim.entry, claim.source, now) });
      }
    });
    return { list, fresh, alerts };
  }

  // Grows the tree by `fresh`, proves the new tree extends the last signed one, signs and stores it.
  async function appendFresh(tx: WriteTx, old: SequencerState, fresh: { entry: Entry; record: Uint8Array }[], now: Date): Promise<SequencerState> {
    const oldSize = old.edge.size;
    const newSize = oldSize + fresh.length;
    const need = treeProofIndexes(newSize, oldSize);
    const g = growEdge(
      old.edge,
      fresh.map((f) => f.record),
      new Set(need),
    );
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
    const keys: EntryKeys[] = fresh.map((f, k) => ({
      index: oldSize + k,
      filename: f.entry.filename,
      project: f.entry.project,
      sha256: Buffer.from(f.entry.sha256, 'hex'),
    }));
    await tx.putBundles(g.bundles);
    await tx.putTiles(g.tiles);
    await tx.indexEntries(keys);
    await tx.addCheckpoint({ size: newSize, hash: g.root, note, created: now.getTime() });
    return { edge: g.edge, checkpoint: { size: newSize, hash: g.root } };
  }

  function fail(items: Item[], e: unknown): void {
    const reqs = new Set(items.map((it) => it.req));
    for (const r of reqs) {
      const at = queue.indexOf(r);
      if (at >= 0) queue.splice(at, 1);
      r.left = -1;
      r.reject(e);
    }
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const items = take();
      let outcomes: Outcome[];
      try {
        outcomes = await commit(items);
      } catch (e) {
        fail(items, e);
        continue;
      }
      items.forEach((it, k) => {
        if (it.req.left < 0) return;
        it.req.outcomes[it.pos] = outcomes[k];
        if (--it.req.left === 0) it.req.resolve(it.req.outcomes);
      });
    }
  }

  function kick(): void {
    if (running) return;
    running = run().finally(() => {
      running = undefined;
      if (queue.length > 0) kick();
    });
  }

  return {
    append(claims) {
      if (closed) return Promise.reject(new Error('sequencer: closed'));
      if (claims.length === 0) return Promise.resolve([]);
      let records: Uint8Array[];
      try {
        records = claims.map((c) => encodeEntry(c.entry));
      } catch (e) {
        return Promise.reject(e);
      }
      return new Promise<Outcome[]>((resolve, reject) => {
        queue.push({ claims, records, outcomes: new Array(claims.length), next: 0, left: claims.length, resolve, reject });
        kick();
      });
    },
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
