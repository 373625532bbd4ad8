// Proving that one signed tree is a prefix of another from the log's tiles: which tiles to fetch,
// and the RFC 6962 consistency proof built from them once every tile is authenticated up to the
// larger tree's signed root. Pure: fetching is the caller's business.

import type { Hash } from '../tlog/hash.ts';
import { checkTree, proveTree, treeProofIndexes } from '../tlog/proof.ts';
import { tilePathsForHashes, tileHashReader } from '../tlog/tilehash.ts';
import type { TreeHead } from '../tlog/tilehash.ts';
import { ProofError } from '../tlog/errors.ts';

/** The tile paths (C2SP, with widths of `big`'s tree) needed to prove `small` a prefix of `big`. */
export function consistencyTilePaths(small: TreeHead, big: TreeHead): string[] {
  if (small.size > big.size) throw new RangeError('consistencyTilePaths: small tree is larger');
  return tilePathsForHashes(big.size, treeProofIndexes(big.size, small.size));
}

/** The outcome of a consistency check: the proof, and whether it showed `small` to be a prefix of `big`. */
export type ConsistencyResult = { ok: true; proof: Hash[] } | { ok: false; proof: Hash[]; why: string };

/**
 * Builds the consistency proof from `small` to `big` out of `tiles` (path -> bytes) and checks it
 * against both roots. The tiles are authenticated up to big.hash first: a tile that does not hash to
 * it throws TileAuthError, a missing one MissingHashError. A proof that then fails (ok: false) is
 * evidence that the two signed trees are not one history.
 */
export function checkConsistency(small: TreeHead, big: TreeHead, tiles: ReadonlyMap<string, Uint8Array>): ConsistencyResult {
  if (small.size > big.size) throw new RangeError('checkConsistency: small tree is larger');
  const proof = small.size === 0 || small.size === big.size ? [] : proveTree(big.size, small.size, tileHashReader(big, tiles));
  try {
    checkTree(proof, big.size, big.hash, small.size, small.hash);
    return { ok: true, proof };
  } catch (e) {
    if (e instanceof ProofError) return { ok: false, proof, why: e.message.replace(/^tlog: /, '') };
    throw e;
  }
}
