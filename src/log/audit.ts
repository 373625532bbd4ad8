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
import { readStoredHashes } from './reads.ts';

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
      const names: string[] = [];
      const shas: { index: number; sha: string }[] = [];
      recs.forEach((r, j) => {
        const index = n * WIDTH + j;
        try {
          const e = parseEntry(r);
          names.push(e.filename);
          shas.push({ index, sha: e.sha256 });
        } catch (err) {
          problem(`entry ${index}: ${errorMessage(err)}`);
          names.push('');
        }
      });
      // One entry per file name: the file-name index must point back at each entry.
      const found = await tx.findFilenames(names.filter((x) => x !== ''));
      let f = 0;
      names.forEach((name, j) => {
        if (name === '') return;
        const at = found[f++];
        const index = n * WIDTH + j;
        if (at === undefined) problem(`entry ${index} (${name}) is missing from the file-name index`);
        else if (at !== index) problem(`file name ${name} appears twice: entries ${Math.min(at, index)} and ${Math.max(at, index)}`);
      });
      for (const s of shas) {
        const cands = await tx.findSha256(Buffer.from(s.sha, 'hex'), 1000);
        if (!cands.includes(s.index)) problem(`entry ${s.index} is missing from the sha256 index`);
      }
      pending.push(...recs);
      entries += recs.length;
    }
    await grow();
    onProgress?.(entries, size);
  }
  await grow();
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
