// C2SP tlog-proof (c2sp.org/tlog-proof@v1): a self-contained, offline-verifiable proof that an entry
// is in a log: header, optional extra data, entry index, inclusion proof hashes, blank line, then the
// signed checkpoint note verbatim.

import { HASH_SIZE } from './hash.ts';
import type { Hash } from './hash.ts';
import { MAX_TREE_SIZE } from './stored.ts';
import { MAX_PROOF_LENGTH, checkRecord } from './proof.ts';
import { MAX_NOTE_SIZE, decodeBase64Strict, encodeBase64 } from './note.ts';
import type { NoteSig, Verifier } from './note.ts';
import { openCheckpoint } from './checkpoint.ts';
import type { Checkpoint } from './checkpoint.ts';
import { TlogProofError } from './errors.ts';

/** The first line of every tlog-proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

/** Largest opaque extra data accepted, in bytes. */
export const MAX_EXTRA_SIZE = 64 * 1024;

/** Largest tlog-proof accepted: a maximal note plus the header, extra data and proof lines. */
export const MAX_TLOG_PROOF_SIZE = MAX_NOTE_SIZE + 2 * MAX_EXTRA_SIZE + 64 * 1024;

/**
 * A parsed tlog-proof. index is the 0-based entry index; proof is the RFC 6962 audit path (leaf's
 * sibling first, at most MAX_PROOF_LENGTH hashes); checkpoint is the signed checkpoint note bytes,
 * not yet verified; extra is unauthenticated application data (absent when the line is absent).
 */
export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  proof: Hash[];
  checkpoint: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const INDEX_RE = /^index (0|[1-9][0-9]{0,15})$/;

/**
 * The tlog-proof bytes for `p`. Throws TlogProofError for an out-of-range index, a hash that is not
 * 32 bytes, too many hashes, empty or oversized extra data, or an empty checkpoint.
 */
export function formatTlogProof(p: TlogProof): Uint8Array {
  if (!Number.isSafeInteger(p.index) || p.index < 0 || p.index >= MAX_TREE_SIZE) {
    throw new TlogProofError(`tlog: tlog-proof index ${String(p.index)} is out of range`);
  }
  if (p.proof.length > MAX_PROOF_LENGTH) throw new TlogProofError(`tlog: tlog-proof has more than ${MAX_PROOF_LENGTH} hashes`);
  if (p.proof.some((h) => h.length !== HASH_SIZE)) throw new TlogProofError(`tlog: tlog-proof hashes must be ${HASH_SIZE} bytes`);
  if (p.checkpoint.length === 0) throw new TlogProofError('tlog: tlog-proof needs a checkpoint');
  if (p.checkpoint.length > MAX_NOTE_SIZE) throw new TlogProofError(`tlog: tlog-proof checkpoint exceeds ${MAX_NOTE_SIZE} bytes`);
  let head = `${TLOG_PROOF_HEADER}\n`;
  if (p.extra !== undefined) {
    if (p.extra.length === 0 || p.extra.length > MAX_EXTRA_SIZE) {
      throw new TlogProofError(`tlog: tlog-proof extra data must be 1..${MAX_EXTRA_SIZE} bytes`);
    }
    head += `extra ${encodeBase64(p.extra)}\n`;
  }
  head += `index ${p.index}\n`;
  for (const h of p.proof) head += `${encodeBase64(h)}\n`;
  head += '\n';
  const h = encoder.encode(head);
  const out = new Uint8Array(h.length + p.checkpoint.length);
  out.set(h);
  out.set(p.checkpoint, h.length);
  return out;
}

/**
 * Parses a tlog-proof strictly: exact header line, optional 'extra <base64>' line, 'index <n>' with
 * no leading zeros, at most MAX_PROOF_LENGTH canonical base64 hash lines, one blank line, then a
 * non-empty checkpoint. Does not verify anything; see checkTlogProof. Throws TlogProofError.
 */
export function parseTlogProof(data: Uint8Array): TlogProof {
  const bad = (why: string): TlogProofError => new TlogProofError(`tlog: malformed tlog-proof: ${why}`);
  if (data.length > MAX_TLOG_PROOF_SIZE) throw bad(`larger than ${MAX_TLOG_PROOF_SIZE} bytes`);
  let off = 0;
  // Reads the next newline-terminated line of the header section (ASCII only there).
  const nextLine = (): string => {
    const end = data.indexOf(0x0a, off);
    if (end < 0) throw bad('ends before the blank line that precedes the checkpoint');
    let line: string;
    try {
      line = decoder.decode(data.subarray(off, end));
    } catch {
      throw bad('header is not valid UTF-8');
    }
    off = end + 1;
    return line;
  };
  if (nextLine() !== TLOG_PROOF_HEADER) throw bad(`first line is not ${TLOG_PROOF_HEADER}`);
  let line = nextLine();
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    const raw = decodeBase64Strict(line.slice('extra '.length));
    if (raw === undefined || raw.length === 0 || raw.length > MAX_EXTRA_SIZE) throw bad('extra line is not base64 of 1..65536 bytes');
    extra = raw;
    line = nextLine();
  }
  const m = INDEX_RE.exec(line);
  if (m === null) throw bad("expected 'index <n>' with no leading zeros");
  const index = Number(m[1]);
  if (index >= MAX_TREE_SIZE) throw bad(`index ${m[1]} is out of range`);
  const proof: Hash[] = [];
  for (line = nextLine(); line !== ''; line = nextLine()) {
    if (proof.length === MAX_PROOF_LENGTH) throw bad(`more than ${MAX_PROOF_LENGTH} proof hashes`);
    const h = decodeBase64Strict(line);
    if (h === undefined || h.length !== HASH_SIZE) throw bad(`proof line ${proof.length + 1} is not base64 of a 32-byte hash`);
    proof.push(h);
  }
  const checkpoint = data.slice(off);
  if (checkpoint.length === 0) throw bad('no checkpoint after the blank line');
  return extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint };
}

/**
 * Verifies a parsed tlog-proof for the entry whose record hash is `leaf`: the checkpoint must be
 * signed by `log` with origin `origin` (witness signatures verified when their keys are given), and
 * the inclusion proof must lead from `leaf` at p.index to the checkpoint root. Returns the verified
 * checkpoint and signatures. Throws the openCheckpoint errors or ProofError.
 */
export function checkTlogProof(
  p: TlogProof,
  leaf: Hash,
  origin: string,
  log: Verifier,
  witnesses: Verifier[] = [],
): { checkpoint: Checkpoint; sigs: NoteSig[]; unverifiedSigs: NoteSig[] } {
  const { checkpoint, sigs, unverifiedSigs } = openCheckpoint(p.checkpoint, origin, log, witnesses);
  checkRecord(p.proof, checkpoint.size, checkpoint.hash, p.index, leaf);
  return { checkpoint, sigs, unverifiedSigs };
}
