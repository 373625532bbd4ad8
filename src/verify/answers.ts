// The log server's lookup answers (GET /lookup/<filename>, /lookup/sha256/<hex>): reading the JSON,
// and checking that an answer is an entry the log committed to. Only the entry line (`record`) and
// the C2SP tlog-proof are used; every other field of the JSON is derived from them and ignored, so a
// server cannot say one thing in `entry` and prove another.

import { InputError } from '../errors.ts';
import { parseEntry, EntryError } from '../log/entry.ts';
import type { Entry } from '../log/entry.ts';
import { recordHash } from '../tlog/hash.ts';
import { checkRecord } from '../tlog/proof.ts';
import { formatTlogProof, parseTlogProof } from '../tlog/tlogproof.ts';
import type { TlogProof } from '../tlog/tlogproof.ts';
import { TlogProofError } from '../tlog/errors.ts';
import type { Checkpoint } from '../tlog/checkpoint.ts';

/** Largest lookup-by-filename answer read, in bytes. */
export const MAX_LOOKUP_BYTES = 2 << 20;

/** Largest lookup-by-sha256 answer read, in bytes. */
export const MAX_SHA256_LOOKUP_BYTES = 16 << 20;

/** Most matches of a sha256 lookup used. */
export const MAX_MATCHES = 100;

/** One claimed log entry with its proof, not yet verified. */
export interface LookupAnswer {
  /** The entry line as the tree commits to it. */
  record: Uint8Array;
  proof: TlogProof;
}

/** A lookup answer the server got wrong in form. Exit 2. */
export class AnswerError extends InputError {}

const encoder = new TextEncoder();

function answerFrom(v: unknown, where: string): LookupAnswer {
  if (typeof v !== 'object' || v === null) throw new AnswerError(`${where}: expected a JSON object`);
  const { record, tlog_proof: proof } = v as Record<string, unknown>;
  if (typeof record !== 'string' || typeof proof !== 'string') throw new AnswerError(`${where}: the answer lacks record or tlog_proof`);
  try {
    return { record: encoder.encode(record), proof: parseTlogProof(encoder.encode(proof)) };
  } catch (e) {
    if (e instanceof TlogProofError) throw new AnswerError(`${where}: ${e.message.replace(/^tlog: /, '')}`);
    throw e;
  }
}

function parseJson(body: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new AnswerError(`${where}: the answer is not JSON`);
  }
}

/** Reads the JSON answer of /lookup/<filename>. Throws AnswerError for a malformed one. */
export function parseFilenameAnswer(body: Uint8Array, where: string): LookupAnswer {
  return answerFrom(parseJson(body, where), where);
}

/** Reads the JSON answer of /lookup/sha256/<hex> (at most MAX_MATCHES matches). Throws AnswerError. */
export function parseSha256Answer(body: Uint8Array, where: string): LookupAnswer[] {
  const v = parseJson(body, where) as { matches?: unknown };
  if (typeof v !== 'object' || v === null || !Array.isArray(v.matches)) throw new AnswerError(`${where}: the answer has no matches list`);
  if (v.matches.length > MAX_MATCHES) throw new AnswerError(`${where}: more than ${MAX_MATCHES} matches`);
  return v.matches.map((m, i) => answerFrom(m, `${where} (match ${i + 1})`));
}

/**
 * The cache form of an answer: its tlog-proof with the record as the proof's `extra` data, so one
 * file holds everything needed to re-verify it offline.
 */
export function encodeCachedAnswer(a: LookupAnswer): Uint8Array {
  return formatTlogProof({ ...a.proof, extra: a.record });
}

/** Reads a cached answer (see encodeCachedAnswer); undefined when it is damaged. */
export function decodeCachedAnswer(data: Uint8Array): LookupAnswer | undefined {
  try {
    const p = parseTlogProof(data);
    if (p.extra === undefined) return undefined;
    const { extra, ...proof } = p;
    return { record: extra, proof };
  } catch {
    return undefined;
  }
}

/** The tlog-proof of an answer without cache data, as a server would send it. */
export function answerProofText(a: LookupAnswer): string {
  const { extra: _extra, ...proof } = a.proof;
  return Buffer.from(formatTlogProof(proof)).toString('utf8');
}

/** An answer whose entry is proven included in a (signed, verified) checkpoint. */
export interface ProvenEntry {
  index: number;
  entry: Entry;
  record: Uint8Array;
  checkpoint: Checkpoint;
}

/**
 * Checks that `a` proves its record included at its index in `checkpoint` (already verified as the
 * one `a.proof.checkpoint` carries) and that the record is a well-formed entry. Throws ProofError
 * when the inclusion proof fails, AnswerError for a malformed entry.
 */
export function proveAnswer(a: LookupAnswer, checkpoint: Checkpoint): ProvenEntry {
  checkRecord(a.proof.proof, checkpoint.size, checkpoint.hash, a.proof.index, recordHash(a.record));
  let entry: Entry;
  try {
    entry = parseEntry(a.record);
  } catch (e) {
    if (e instanceof EntryError) throw new AnswerError(`the log proved a malformed entry at index ${a.proof.index}: ${e.message}`);
    throw e;
  }
  return { index: a.proof.index, entry, record: a.record, checkpoint };
}
