// Hash values as lock files write them ("sha256:<hex>", {sha256 = "<hex>"}, "sha256=<hex>"),
// checked and put in one spelling: lowercase algorithm name, lowercase hex of the right length.

import { InputError } from '../../errors.ts';
import { field, type Table } from './fields.ts';
import type { LockedHashes } from './types.ts';

/** Hex length of each algorithm whose digests are checked; others are kept as written. */
export const HEX_LENGTHS: Readonly<Record<string, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  blake2b_256: 64,
};

// An algorithm name worth keeping: short, no spaces or punctuation beyond - and _.
const ALG = /^[a-z0-9][a-z0-9_-]{0,31}$/;
// A digest of an unknown algorithm: printable, no spaces, bounded.
const OTHER_DIGEST = /^[\x21-\x7e]{1,1024}$/;

/** The lock-independent spelling of an algorithm name: lowercase, `blake2b-256` as `blake2b_256`. */
export function normalizeHashAlgorithm(alg: string): string {
  const a = alg.trim().toLowerCase();
  return a === 'blake2b-256' ? 'blake2b_256' : a;
}

/**
 * Checks one digest and returns it as [algorithm, digest] in the normalized spelling: known
 * algorithms must be hex of their length (returned lowercase); other algorithms must have a
 * plausible name and a printable digest without spaces (returned as written). Throws InputError
 * starting with `where` (the file, and the line where known) otherwise.
 */
export function checkHash(alg: string, digest: string, where: string): [string, string] {
  const a = normalizeHashAlgorithm(alg);
  if (!ALG.test(a)) throw new InputError(`${where}: ${JSON.stringify(alg.slice(0, 40))} is not a hash algorithm name`);
  // Own keys only: `constructor` is an algorithm name a hostile lock may use.
  const want = Object.hasOwn(HEX_LENGTHS, a) ? HEX_LENGTHS[a] : undefined;
  if (want !== undefined) {
    if (digest.length !== want || !/^[0-9a-fA-F]+$/.test(digest)) {
      throw new InputError(`${where}: the ${a} digest ${JSON.stringify(digest.slice(0, 140))} is not ${want} hex digits`);
    }
    return [a, digest.toLowerCase()];
  }
  if (!OTHER_DIGEST.test(digest)) throw new InputError(`${where}: the ${a} digest is empty, too long or has spaces`);
  return [a, digest];
}

/**
 * Parses "<alg><sep><digest>" (uv, poetry and Pipfile.lock write `sha256:<hex>`; pip's legacy
 * archive_info.hash writes `sha256=<hex>`) and checks it as checkHash does.
 */
export function parseHash(text: string, sep: ':' | '=', where: string): [string, string] {
  const i = text.indexOf(sep);
  if (i <= 0) throw new InputError(`${where}: ${JSON.stringify(text.slice(0, 80))} is not a hash of the form <algorithm>${sep}<hex>`);
  return checkHash(text.slice(0, i), text.slice(i + 1), where);
}

/**
 * Adds [alg, digest] to `hashes`. Two different digests under one algorithm for one file cannot
 * both be right: InputError starting with `where`.
 */
export function addHash(hashes: LockedHashes, [alg, digest]: [string, string], where: string): void {
  const had = Object.hasOwn(hashes, alg) ? hashes[alg] : undefined;
  if (had !== undefined && had !== digest) throw new InputError(`${where}: two different ${alg} digests for one file`);
  hashes[alg] = digest;
}

/**
 * A table of digests keyed by algorithm (PEP 751 `hashes`, pip's `archive_info.hashes`), each
 * checked as checkHash does. Empty when `t` is undefined.
 */
export function hashesFromTable(t: Table | undefined, where: string): LockedHashes {
  const out: LockedHashes = {};
  if (t === undefined) return out;
  for (const alg of Object.keys(t)) {
    const v = field(t, alg);
    if (typeof v !== 'string') throw new InputError(`${where}: hashes.${alg} must be a string`);
    addHash(out, checkHash(alg, v, where), where);
  }
  return out;
}
