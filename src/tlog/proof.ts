// RFC 6962 / RFC 9162 Merkle proofs: inclusion (audit path) and consistency proofs, generated from the
// stored-hash layout and verified with the RFC 9162 §2.1.3.2 / §2.1.4.2 algorithms. Generation follows
// the recursive split of RFC 6962 §2.1 (as x/mod does); verification is the independent iterative form,
// so one checks the other.

import { EMPTY_TREE_HASH, HASH_SIZE, hashEqual, nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';
import { MAX_TREE_SIZE, checkCount, maxPow2, readHashes, subTreeHash, subTreeIndex } from './stored.ts';
import type { HashReader } from './stored.ts';
import { ProofError, TreeRangeError } from './errors.ts';

/** Longest possible proof for a tree of at most MAX_TREE_SIZE records (one hash per level). */
export const MAX_PROOF_LENGTH = 64;

/**
 * Stored indexes needed to prove record `index` in the tree of `treeSize` records, in the order
 * proveRecord reads them. Lets a client fetch exactly the tiles a proof needs.
 */
export function recordProofIndexes(treeSize: number, index: number): number[] {
  checkCount('tree size', treeSize);
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new TreeRangeError(`tlog: record ${String(index)} is not in a tree of size ${treeSize}`);
  }
  return leafProofIndex(0, treeSize, index, []);
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (lo + 1 === hi) return need;
  const { k } = maxPow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

// Walks down toward leaf n, collecting the hash of each branch not taken; the result is leaf-first.
function leafProof(lo: number, hi: number, n: number, hashes: Hash[]): { proof: Hash[]; rest: Hash[] } {
  if (lo + 1 === hi) return { proof: [], rest: hashes };
  const { k } = maxPow2(hi - lo);
  if (n < lo + k) {
    const left = leafProof(lo, lo + k, n, hashes);
    const right = subTreeHash(lo + k, hi, left.rest);
    left.proof.push(right.hash);
    return { proof: left.proof, rest: right.rest };
  }
  const left = subTreeHash(lo, lo + k, hashes);
  const right = leafProof(lo + k, hi, n, left.rest);
  right.proof.push(left.hash);
  return { proof: right.proof, rest: right.rest };
}

/**
 * The RFC 6962 inclusion proof (audit path, leaf's sibling first) for record `index` in the tree of
 * `treeSize` records. Empty for a one-record tree. Throws TreeRangeError unless 0 <= index < treeSize.
 */
export function proveRecord(treeSize: number, index: number, read: HashReader): Hash[] {
  const indexes = recordProofIndexes(treeSize, index);
  if (indexes.length === 0) return [];
  const hashes = readHashes(read, indexes);
  const { proof, rest } = leafProof(0, treeSize, index, hashes);
  if (rest.length !== 0) throw new Error('tlog: bad index math in proveRecord');
  return proof;
}

function checkProofHashes(proof: Hash[], what: string): void {
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) {
    throw new ProofError(`tlog: ${what} has more than ${MAX_PROOF_LENGTH} hashes`);
  }
  for (const h of proof) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new ProofError(`tlog: ${what} contains a hash that is not ${HASH_SIZE} bytes`);
    }
  }
}

/**
 * Verifies that `leaf` (a record hash) is record `index` of the tree of `treeSize` records whose root
 * is `root`, using RFC 9162 §2.1.3.2. Returns normally on success; throws ProofError otherwise
 * (including when the proof has the wrong length or index >= treeSize).
 */
export function checkRecord(proof: Hash[], treeSize: number, root: Hash, index: number, leaf: Hash): void {
  checkProofHashes(proof, 'inclusion proof');
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > MAX_TREE_SIZE) {
    throw new ProofError(`tlog: no inclusion proof can exist in a tree of size ${String(treeSize)}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new ProofError(`tlog: record ${String(index)} is not in a tree of size ${treeSize}`);
  }
  if (leaf.length !== HASH_SIZE || root.length !== HASH_SIZE) {
    throw new ProofError(`tlog: record and root hashes must be ${HASH_SIZE} bytes`);
  }
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ProofError(`tlog: inclusion proof for record ${index} in tree ${treeSize} is too long`);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node is the rightmost and has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError(`tlog: inclusion proof for record ${index} in tree ${treeSize} is too short`);
  if (!hashEqual(r, root)) {
    throw new ProofError(`tlog: record ${index} is not in the tree of size ${treeSize} with the given root`);
  }
}

/**
 * Stored indexes needed to prove the tree of `oldSize` records is a prefix of the tree of `newSize`
 * records, in the order proveTree reads them.
 */
export function treeProofIndexes(newSize: number, oldSize: number): number[] {
  checkCount('new tree size', newSize);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
    throw new TreeRangeError(`tlog: cannot prove tree size ${String(oldSize)} against tree size ${newSize}`);
  }
  if (oldSize === 0) return [];
  return treeProofIndex(0, newSize, oldSize, []);
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const { k } = maxPow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

// RFC 6962 SUBPROOF(m, D[lo:hi], lo == 0): the old tree's own root is omitted when it is a whole
// subtree at the left edge, because the verifier already has it.
function treeProof(lo: number, hi: number, n: number, hashes: Hash[]): { proof: Hash[]; rest: Hash[] } {
  if (n === hi) {
    if (lo === 0) return { proof: [], rest: hashes };
    const th = subTreeHash(lo, hi, hashes);
    return { proof: [th.hash], rest: th.rest };
  }
  const { k } = maxPow2(hi - lo);
  if (n <= lo + k) {
    const left = treeProof(lo, lo + k, n, hashes);
    const right = subTreeHash(lo + k, hi, left.rest);
    left.proof.push(right.hash);
    return { proof: left.proof, rest: right.rest };
  }
  const left = subTreeHash(lo, lo + k, hashes);
  const right = treeProof(lo + k, hi, n, left.rest);
  right.proof.push(left.hash);
  return { proof: right.proof, rest: right.rest };
}

/**
 * The RFC 6962 consistency proof that the tree of `oldSize` records is a prefix of the tree of
 * `newSize` records. Empty when oldSize == newSize or oldSize == 0 (the empty tree is a prefix of
 * every tree; x/mod refuses old size 0 instead). Throws TreeRangeError unless 0 <= oldSize <= newSize.
 */
export function proveTree(newSize: number, oldSize: number, read: HashReader): Hash[] {
  const indexes = treeProofIndexes(newSize, oldSize);
  if (indexes.length === 0) return [];
  const hashes = readHashes(read, indexes);
  const { proof, rest } = treeProof(0, newSize, oldSize, hashes);
  if (rest.length !== 0) throw new Error('tlog: bad index math in proveTree');
  return proof;
}

/**
 * Verifies that the tree of `oldSize` records with root `oldRoot` is a prefix of the tree of
 * `newSize` records with root `newRoot`, using RFC 9162 §2.1.4.2. Returns normally on success and
 * throws ProofError otherwise. Equal sizes need an empty proof and equal roots; old size 0 needs an
 * empty proof and oldRoot = EMPTY_TREE_HASH.
 */
export function checkTree(proof: Hash[], newSize: number, newRoot: Hash, oldSize: number, oldRoot: Hash): void {
  checkProofHashes(proof, 'consistency proof');
  if (!Number.isSafeInteger(newSize) || newSize < 0 || newSize > MAX_TREE_SIZE) {
    throw new ProofError(`tlog: tree size ${String(newSize)} is out of range`);
  }
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
    throw new ProofError(`tlog: tree size ${String(oldSize)} cannot be a prefix of tree size ${newSize}`);
  }
  if (oldRoot.length !== HASH_SIZE || newRoot.length !== HASH_SIZE) {
    throw new ProofError(`tlog: root hashes must be ${HASH_SIZE} bytes`);
  }
  const fail = (why: string): ProofError =>
    new ProofError(`tlog: tree ${oldSize} is not proven a prefix of tree ${newSize}: ${why}`);
  if (oldSize === 0) {
    if (proof.length !== 0) throw fail('proof from the empty tree must be empty');
    if (!hashEqual(oldRoot, EMPTY_TREE_HASH)) throw fail('old root is not the empty-tree hash');
    return;
  }
  if (oldSize === newSize) {
    if (proof.length !== 0) throw fail('proof between equal sizes must be empty');
    if (!hashEqual(oldRoot, newRoot)) throw fail('roots differ');
    return;
  }
  if (proof.length === 0) throw fail('proof is empty');
  // When the old tree is a complete left subtree its root is the implicit first proof element.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) throw fail('proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw fail('proof is too short');
  if (!hashEqual(fr, oldRoot)) throw fail('old root does not match');
  if (!hashEqual(sr, newRoot)) throw fail('new root does not match');
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}
