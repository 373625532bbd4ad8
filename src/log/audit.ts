// `distsum log audit`: re-derives everything the log claims from its entries and checks it. In one
// read snapshot: every stored checkpoint carries a valid signature of the log key and its root is the
// root of that many entries as stored now (so all checkpoints are consistent with the current tree),
// the stored tiles are exactly the hashes of the entries, consistency proofs built from the stored
// tiles verify (for a sample of checkpoints), every entry parses and is in the lookup indexes, and
// no file name appears twice.

import { hashEqual } from '../tlog/hash.ts';
import type { Hash } from '../tlog/hash.ts';
import { openCheckpoint } from '../tlog/checkpoint.ts';
import { newVerifier } from '../tlog/note.ts';
import type { Verifier } from '../tlog/note.ts';
import { checkTree, proveTree, treeProofIndexes } from '../tlog/proof.ts';
import { parseEntryBundle, tilePath } from '../tlog/tile.ts';
import type { ReadTx, Store } from '../store/store.ts';
import { errorMessage } from '../errors.ts';
import { parseEntry } from './entry.ts';
import { EMPTY_EDGE, growEdge, mapHashReader } from './edge.ts';
import type { TreeEdge } from './edge.ts';
import { META } from './log.ts';
import { entryReader, readStoredHashes } from './reads.ts';
import { indexExpectation } from './indexcheck.ts';
import { runOf } from '../store/keyruns.ts';
import type { IndexKeys } from '../store/store.ts';

/** The result of an audit; ok exactly when problems is empty. */
export interface AuditReport {
  ok: boolean;
  origin?: string;
  /** Size of the latest checkpoint. */
  size: number;
  checkpoints: number;
  /** Entries read. */
  entries: number;
  /** One line per problem found, at most maxProblems (then a line saying how many more). */
  problems: string[];
}

const WIDTH = 256;
// Bundles read per store call.
const BUNDLES_PER_READ = 64;
// Checkpoints whose consistency proof from the stored tiles is checked.
const PROOF_SAMPLE = 64;

// At most n items of xs: the first, the last and evenly spaced ones between.
function sample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
}

/** Audits the log in `store`. `onProgress` is told how many entries have been checked. */
export async function auditLog(
  store: Store,
  opts: { maxProblems?: number; onProgress?: (entries: number, total: number) => void } = {},
): Promise<AuditReport> {
  return store.readOnly((tx) => audit(tx, opts.maxProblems ?? 100, opts.onProgress));
}

async function audit(tx: ReadTx, maxProblems: number, onProgress?: (entries: number, total: number) => void): Promise<AuditReport> {
  const problems: string[] = [];
  let suppressed = 0;
  const problem = (p: string) => (problems.length < maxProblems ? problems.push(p) : suppressed++);
  const report = (r: Omit<AuditReport, 'ok' | 'problems'>): AuditReport => {
    if (suppressed > 0) problems.push(`... and ${suppressed} more problems`);
    return { ok: problems.length === 0, ...r, problems };
  };

  const origin = await tx.getMeta(META.origin);
  const vkey = await tx.getMeta(META.verifierKey);
  if (origin === undefined || vkey === undefined) {
    problem('the store holds no log identity (origin, verifier key): it was never initialized');
    return report({ size: 0, checkpoints: 0, entries: 0 });
  }
  let verifier: Verifier;
  try {
    verifier = newVerifier(vkey);
  } catch (e) {
    problem(`the stored verifier key is malformed: ${errorMessage(e)}`);
    return report({ origin, size: 0, checkpoints: 0, entries: 0 });
  }

  // 1. Every checkpoint: signature, origin, and agreement with its stored size and root.
  const heads: { size: number; hash: Hash }[] = [];
  for (let after = -1; ; ) {
    const page = await tx.checkpoints(after, 1000);
    if (page.length === 0) break;
    for (const c of page) {
      try {
        const cp = openCheckpoint(c.note, origin, verifier).checkpoint;
        if (cp.size !== c.size || !hashEqual(cp.hash, c.hash)) problem(`checkpoint ${c.size}: the signed note says size ${cp.size} with another root than stored`);
      } catch (e) {
        problem(`checkpoint ${c.size}: ${errorMessage(e)}`);
      }
      heads.push({ size: c.size, hash: c.hash });
    }
    after = page[page.length - 1].size;
  }
  if (heads.length === 0) {
    problem('the store has no checkpoint');
    return report({ origin, size: 0, checkpoints: 0, entries: 0 });
  }
  const latest = heads[heads.length - 1];
  const size = latest.size;

  // 2. Re-derive the tree from the entries, checking each checkpoint root and every tile on the way.
  let edge: TreeEdge = EMPTY_EDGE;
  let next = 0; // next checkpoint to reach
  while (next < heads.length && heads[next].size === 0) {
    checkRoot(heads[next], edge, problem);
    next++;
  }
  let entries = 0;
  const pending: Uint8Array[] = [];
  const expect = indexExpectation(tx);
  // Every entry's file-name key: entries can share a file name only where they share its key.
  const fileKeys = new Uint32Array(size);
  const parsed = new Uint8Array(size);
  const tileCheck = async (tiles: { level: number; n: number; data: Uint8Array }[], exact: boolean) => {
    const stored = await tx.readTiles(tiles);
    tiles.forEach((t, k) => {
      const s = stored[k];
      const path = tilePath({ level: t.level, n: t.n, width: t.data.length / 32 });
      if (s === undefined) problem(`tile ${path} is missing from the store`);
      else if (s.length < t.data.length || (exact && s.length !== t.data.length) || !hashEqual(s.subarray(0, t.data.length), t.data)) {
        problem(`tile ${path} in the store does not match the entries (stored ${s.length / 32} hashes)`);
      }
    });
  };
  const grow = async () => {
    // Grow up to each checkpoint boundary inside the pending records.
    let off = 0;
    while (off < pending.length) {
      const target = next < heads.length ? heads[next].size - edge.size : 0;
      const stop = target > 0 ? Math.min(pending.length, off + target) : pending.length;
      const g = growEdge(edge, pending.slice(off, stop));
      await tileCheck(g.tiles, false);
      edge = g.edge;
      off = stop;
      while (next < heads.length && heads[next].size === edge.size) {
        checkRoot(heads[next], edge, problem, g.root);
        next++;
      }
    }
    pending.length = 0;
  };

  const bundleCount = Math.ceil(size / WIDTH);
  for (let b0 = 0; b0 < bundleCount; b0 += BUNDLES_PER_READ) {
    const ns = Array.from({ length: Math.min(BUNDLES_PER_READ, bundleCount - b0) }, (_, k) => b0 + k);
    const datas = await tx.readBundles(ns);
    for (let k = 0; k < ns.length; k++) {
      const n = ns[k];
      const want = Math.min(WIDTH, size - n * WIDTH);
      const d = datas[k];
      let recs: Uint8Array[];
      try {
        if (d === undefined) throw new Error('missing from the store');
        recs = parseEntryBundle(d, want);
      } catch (e) {
        problem(`entry bundle ${n}: ${errorMessage(e)}; the rest of the tree cannot be checked`);
        return report({ origin, size, checkpoints: heads.length, entries });
      }
      for (let j = 0; j < recs.length; j++) {
        const index = n * WIDTH + j;
        try {
          const e = parseEntry(recs[j]);
          const keys = await tx.indexKeys({ index, filename: e.filename, project: e.project, sha256: Buffer.from(e.sha256, 'hex') });
          expect.add(index, keys);
          fileKeys[index] = keys.filename;
          parsed[index] = 1;
        } catch (err) {
          problem(`entry ${index}: ${errorMessage(err)}`);
        }
      }
      pending.push(...recs);
      entries += recs.length;
    }
    await grow();
    onProgress?.(entries, size);
  }
  await grow();
  // Every entry is in each lookup index under its own keys, and no file name appears twice.
  await expect.check(problem, () => allKeys(tx, size));
  const reader = entryReader(tx, size);
  for (const group of sharedKeys(fileKeys, parsed)) {
    const byName = new Map<string, number>();
    for (const e of await reader.read(group)) {
      const first = byName.get(e.entry.filename);
      if (first === undefined) byName.set(e.entry.filename, e.index);
      else problem(`file name ${e.entry.filename} appears twice: entries ${Math.min(first, e.index)} and ${Math.max(first, e.index)}`);
    }
  }
  if (edge.size === size) await tileCheck([...edge.tiles].map(([level, data]) => ({ level, n: Math.floor(Math.floor(size / WIDTH ** level) / WIDTH), data })), true);

  // 3. Consistency proofs from the stored tiles to the latest tree, as a client would receive them.
  // Step 2 already showed every checkpoint is a prefix of the stored entries; this checks the proof
  // path on a sample (first, last and evenly spaced checkpoints), since each proof recomputes
  // subtree hashes from tiles.
  if (problems.length === 0) {
    for (const h of sample(heads, PROOF_SAMPLE)) {
      if (h.size === 0) continue;
      try {
        const need = treeProofIndexes(size, h.size);
        const hashes = await readStoredHashes(tx, need);
        const proof = proveTree(size, h.size, mapHashReader(new Map(need.map((i, k) => [i, hashes[k]]))));
        checkTree(proof, size, latest.hash, h.size, h.hash);
      } catch (e) {
        problem(`checkpoint ${h.size} is not provably consistent with checkpoint ${size}: ${errorMessage(e)}`);
      }
    }
  }
  return report({ origin, size, checkpoints: heads.length, entries });
}

function checkRoot(head: { size: number; hash: Hash }, edge: TreeEdge, problem: (p: string) => void, root?: Hash): void {
  const r = root ?? growEdge(edge, []).root;
  if (!hashEqual(r, head.hash)) problem(`checkpoint ${head.size}: its root is not the root of the first ${head.size} stored entries`);
}

// The index keys of every entry that parses (a second reading, only when an index is wrong).
async function allKeys(tx: ReadTx, size: number): Promise<Map<number, IndexKeys>> {
  const out = new Map<number, IndexKeys>();
  for (let b0 = 0; b0 * WIDTH < size; b0 += BUNDLES_PER_READ) {
    const ns = Array.from({ length: Math.min(BUNDLES_PER_READ, Math.ceil(size / WIDTH) - b0) }, (_, k) => b0 + k);
    const datas = await tx.readBundles(ns);
    for (let k = 0; k < ns.length; k++) {
      const d = datas[k];
      if (d === undefined) continue;
      let recs: Uint8Array[];
      try {
        recs = parseEntryBundle(d, Math.min(WIDTH, size - ns[k] * WIDTH));
      } catch {
        continue;
      }
      for (let j = 0; j < recs.length; j++) {
        const index = ns[k] * WIDTH + j;
        try {
          const e = parseEntry(recs[j]);
          out.set(index, await tx.indexKeys({ index, filename: e.filename, project: e.project, sha256: Buffer.from(e.sha256, 'hex') }));
        } catch {
          // Reported by the first reading.
        }
      }
    }
  }
  return out;
}

// Groups (two or more) of parsed entries whose file names have the same key.
function sharedKeys(keys: Uint32Array, parsed: Uint8Array): number[][] {
  const run = runOf(keys, 0);
  const groups: number[][] = [];
  let group: number[] = [];
  let prev = -1;
  for (let i = 0; i < run.length; i += 2) {
    if (!parsed[run[i + 1]]) continue;
    if (run[i] !== prev) {
      if (group.length > 1) groups.push(group);
      group = [];
      prev = run[i];
    }
    group.push(run[i + 1]);
  }
  if (group.length > 1) groups.push(group);
  return groups;
}
