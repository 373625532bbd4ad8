// The log server's lookup answers (GET /lookup/<filename>, /lookup/sha256/<hex>, POST /lookup):
// reading the JSON, and checking that an answer is an entry the log committed to. Only the entry
// line (`record`) and the C2SP tlog-proof are used (for a batch answer: each result's index and
// audit path, with the one checkpoint note of the batch); every other field of the JSON is derived
// from them and ignored, so a server cannot say one thing in `entry` and prove another.

import { InputError } from '../errors.ts';
import { parseEntry, EntryError, MAX_ENTRY_BYTES } from '../log/entry.ts';
import type { Entry } from '../log/entry.ts';
import { HASH_SIZE, recordHash } from '../tlog/hash.ts';
import type { Hash } from '../tlog/hash.ts';
import { MAX_NOTE_SIZE } from '../tlog/note.ts';
import { checkRecord, MAX_PROOF_LENGTH } from '../tlog/proof.ts';
import { MAX_TREE_SIZE } from '../tlog/stored.ts';
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

/** Most file names asked in one POST /lookup (the server's limit). */
export const MAX_BATCH_NAMES = 1000;

/** Largest POST /lookup request body, in bytes (the server's limit). */
export const MAX_BATCH_REQUEST_BYTES = 1 << 20;

/** Largest POST /lookup answer read, in bytes: MAX_BATCH_NAMES answers of up to 32 KiB. */
export const MAX_BATCH_ANSWER_BYTES = 32 << 20;

/** One result of a batch answer, its form checked but its answer not yet parsed (see batchItemAnswer). */
export interface BatchItem {
  filename: string;
  found: boolean;
  /** The result's JSON object. */
  raw: Record<string, unknown>;
}

/** A POST /lookup answer: the checkpoint note every result is proven against, and the results in order. */
export interface BatchAnswer {
  checkpoint: Uint8Array;
  /** The results read (at most maxItems + 1). */
  items: BatchItem[];
  /** How many results the answer holds. */
  count: number;
}

/**
 * Reads the JSON answer of POST /lookup: `checkpoint.note` (a string of at most MAX_NOTE_SIZE
 * bytes) and `results`, each an object with a string `filename` and a boolean `found`. At most
 * `maxItems` results are read (more are kept as one extra, for the caller to see the count is
 * wrong). Throws AnswerError for a malformed answer.
 */
export function parseBatchAnswer(body: Uint8Array, where: string, maxItems: number = MAX_BATCH_NAMES): BatchAnswer {
  const v = parseJson(body, where) as { checkpoint?: { note?: unknown }; results?: unknown };
  if (typeof v !== 'object' || v === null) throw new AnswerError(`${where}: expected a JSON object`);
  const note = typeof v.checkpoint === 'object' && v.checkpoint !== null ? v.checkpoint.note : undefined;
  if (typeof note !== 'string' || note.length === 0) throw new AnswerError(`${where}: the answer has no checkpoint note`);
  const checkpoint = encoder.encode(note);
  if (checkpoint.length > MAX_NOTE_SIZE) throw new AnswerError(`${where}: the checkpoint note is larger than ${MAX_NOTE_SIZE} bytes`);
  if (!Array.isArray(v.results)) throw new AnswerError(`${where}: the answer has no results list`);
  const items = v.results.slice(0, maxItems + 1).map((r: unknown, i): BatchItem => {
    const o = r as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || typeof o.filename !== 'string' || typeof o.found !== 'boolean') {
      throw new AnswerError(`${where}: result ${i + 1} lacks a file name or found`);
    }
    return { filename: o.filename, found: o.found, raw: o };
  });
  return { checkpoint, items, count: v.results.length };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
const b64 = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  return c < 128 ? B64_VALUE[c] : -1;
};

/**
 * The hash whose canonical padded base64 is `s` (44 characters ending in one '=', the unused low
 * bits zero), else undefined: exactly decodeBase64Strict's verdict for a 32-byte value. A batch
 * holds tens of thousands of these; decoding them here skips a regular expression and a re-encode.
 */
export function decodeHash(s: string): Hash | undefined {
  if (s.length !== 44 || s.charCodeAt(43) !== 0x3d) return undefined;
  const out = new Uint8Array(HASH_SIZE);
  let o = 0;
  for (let i = 0; i < 40; i += 4) {
    const a = b64(s, i);
    const b = b64(s, i + 1);
    const c = b64(s, i + 2);
    const d = b64(s, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const a = b64(s, 40);
  const b = b64(s, 41);
  const c = b64(s, 42);
  if ((a | b | c) < 0 || (c & 3) !== 0) return undefined;
  out[30] = (a << 2) | (b >> 4);
  out[31] = ((b & 0xf) << 4) | (c >> 2);
  return out;
}

/**
 * The answer a found batch result gives, with the batch's checkpoint as its proof's checkpoint
 * (the tlog-proof the single lookup would return). As strict as parseTlogProof: an index below
 * MAX_TREE_SIZE, at most MAX_PROOF_LENGTH canonical base64 32-byte hashes. Throws AnswerError.
 */
export function batchItemAnswer(item: BatchItem, checkpoint: Uint8Array, where: string): LookupAnswer {
  const { record, index, inclusion_proof: path } = item.raw;
  if (typeof record !== 'string') throw new AnswerError(`${where}: the answer lacks record`);
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= MAX_TREE_SIZE) throw new AnswerError(`${where}: the answer's index is not an entry index`);
  if (!Array.isArray(path) || path.length > MAX_PROOF_LENGTH) throw new AnswerError(`${where}: the answer's inclusion_proof is not a list of at most ${MAX_PROOF_LENGTH} hashes`);
  const proof: Hash[] = path.map((h: unknown, i) => {
    const b = typeof h === 'string' ? decodeHash(h) : undefined;
    if (b === undefined) throw new AnswerError(`${where}: inclusion_proof hash ${i + 1} is not base64 of a 32-byte hash`);
    return b;
  });
  return { record: encoder.encode(record), proof: { index, proof, checkpoint } };
}

/** Reads the JSON answer of /lookup/sha256/<hex> (at most MAX_MATCHES matches). Throws AnswerError. */
export function parseSha256Answer(body: Uint8Array, where: string): LookupAnswer[] {
  const v = parseJson(body, where) as { matches?: unknown };
  if (typeof v !== 'object' || v === null || !Array.isArray(v.matches)) throw new AnswerError(`${where}: the answer has no matches list`);
  if (v.matches.length > MAX_MATCHES) throw new AnswerError(`${where}: more than ${MAX_MATCHES} matches`);
  return v.matches.map((m, i) => answerFrom(m, `${where} (match ${i + 1})`));
}

// The cache form is binary: a run re-verifies thousands of cached answers, and base64 text (a
// tlog-proof with the record as extra data) cost more to write and read back than the proofs cost
// to check. Layout: u8 proof length | u32 index high | u32 index low | proof hashes | u16 record
// length | record | checkpoint note (the rest).
const CACHE_HEAD = 9;

/**
 * The cache form of an answer: everything needed to re-verify it offline, in one value. The record
 * must be at most MAX_ENTRY_BYTES (as every proven entry is) and the proof at most
 * MAX_PROOF_LENGTH hashes (as every parsed one is); RangeError otherwise.
 */
export function encodeCachedAnswer(a: LookupAnswer): Uint8Array {
  const { index, proof, checkpoint } = a.proof;
  if (a.record.length > MAX_ENTRY_BYTES || proof.length > MAX_PROOF_LENGTH) throw new RangeError('encodeCachedAnswer: the answer is larger than any proven entry');
  const size = CACHE_HEAD + proof.length * HASH_SIZE + 2 + a.record.length + checkpoint.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = proof.length;
  view.setUint32(1, Math.floor(index / 2 ** 32));
  view.setUint32(5, index % 2 ** 32);
  let off = CACHE_HEAD;
  for (const h of proof) {
    out.set(h, off);
    off += HASH_SIZE;
  }
  view.setUint16(off, a.record.length);
  out.set(a.record, off + 2);
  out.set(checkpoint, off + 2 + a.record.length);
  return out;
}

/**
 * Reads a cached answer (see encodeCachedAnswer); undefined when it is damaged: a proof longer
 * than MAX_PROOF_LENGTH, an index of MAX_TREE_SIZE or more, an empty record, or a missing or
 * oversized note. The answer's parts are views of `data`.
 */
export function decodeCachedAnswer(data: Uint8Array): LookupAnswer | undefined {
  if (data.length < CACHE_HEAD) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const n = data[0];
  const index = view.getUint32(1) * 2 ** 32 + view.getUint32(5);
  if (n > MAX_PROOF_LENGTH || index >= MAX_TREE_SIZE) return undefined;
  let off = CACHE_HEAD + n * HASH_SIZE;
  if (off + 2 > data.length) return undefined;
  const proof: Hash[] = [];
  for (let i = 0; i < n; i++) proof.push(data.subarray(CACHE_HEAD + i * HASH_SIZE, CACHE_HEAD + (i + 1) * HASH_SIZE));
  const recordLength = view.getUint16(off);
  off += 2;
  const note = data.length - off - recordLength;
  if (recordLength === 0 || note <= 0 || note > MAX_NOTE_SIZE) return undefined;
  return { record: data.subarray(off, off + recordLength), proof: { index, proof, checkpoint: data.subarray(off + recordLength) } };
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
