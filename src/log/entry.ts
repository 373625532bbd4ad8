// The log entry: one line per distribution file, the leaf data of the Merkle tree (DESIGN "Log entry"):
//   <project> <version> <filename> <size> sha256:<hex> blake2b_256:<hex>\n
// Formatting and parsing are exact inverses on valid entries, so the bytes a leaf hash commits to are
// a pure function of the fields and every stored entry parses back to the same fields.

import { InputError } from '../errors.ts';

/**
 * One distribution file as the log records it. Invariants (checked by entryProblem): project is
 * PEP 503 normalized; version is UNKNOWN_VERSION or a non-empty token; filename is a plain file name;
 * size a non-negative safe integer; digests 64 lowercase hex digits; blake2b256 absent when unknown
 * (never present as undefined on a parsed entry); the formatted line is at most MAX_ENTRY_BYTES.
 */
export interface Entry {
  project: string;
  version: string;
  filename: string;
  size: number;
  sha256: string;
  blake2b256?: string;
}

/** Version field when the index does not say which release a file belongs to. */
export const UNKNOWN_VERSION = '-';

/** Longest entry line in bytes: entry bundles prefix each entry with a uint16 length. */
export const MAX_ENTRY_BYTES = 0xffff;

/** An entry (or a claim about a file) that does not satisfy the entry format. Exit 2. */
export class EntryError extends InputError {}

// A normalized PEP 503 name: runs of [-_.] became one '-', letters are lowercase. (Faster than a
// charCodeAt loop for names of typical length.)
const PROJECT_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Whitespace, control, format (zero-width, bidi) and lone-surrogate characters would make a line
// ambiguous to split or misleading to display; none occurs in a real project, version or file name.
const BAD_CHAR_RE = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;
// Anything but printable ASCII (U+0021 to U+007E), which has no BAD_CHAR_RE character.
const NOT_PRINTABLE_ASCII_RE = /[^!-~]/;
const SIZE_RE = /^(?:0|[1-9][0-9]{0,15})$/;

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True for a string of exactly 64 lowercase hex digits. */
export function isHex64(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 64) return false;
  // A loop, not a regular expression, and without a branch per character: digits and letters of
  // a digest alternate at random, so a per-character branch is mispredicted half the time. An
  // (x - lo) | (hi - x) is negative exactly when x is outside [lo, hi]; AND makes it "outside both".
  let outside = 0;
  for (let i = 0; i < 64; i++) {
    const c = v.charCodeAt(i);
    outside |= ((c - 0x30) | (0x39 - c)) & ((c - 0x61) | (0x66 - c));
  }
  return outside >= 0;
}

// True when `v` has a character BAD_CHAR_RE matches. Real names are printable ASCII, and a class of
// one range rules that out faster than the Unicode property regex or a charCodeAt loop can; only
// strings with another character pay for BAD_CHAR_RE (on the whole string, so a surrogate pair is
// judged as one character).
function hasBadChar(v: string): boolean {
  return NOT_PRINTABLE_ASCII_RE.test(v) && BAD_CHAR_RE.test(v);
}

function tokenProblem(what: string, v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return `${what} is empty or not a string`;
  if (hasBadChar(v)) return `${what} ${JSON.stringify(v.slice(0, 80))} contains whitespace or control characters`;
  return undefined;
}

/** Why `e` is not a valid entry (naming the field), or undefined when it is one. */
export function entryProblem(e: Entry): string | undefined {
  if (typeof e.project !== 'string' || !PROJECT_RE.test(e.project)) {
    return `project ${JSON.stringify(String(e.project).slice(0, 80))} is not a normalized project name`;
  }
  const vp = tokenProblem('version', e.version);
  if (vp) return vp;
  const fp = tokenProblem('filename', e.filename);
  if (fp) return fp;
  if (e.filename.includes('/') || e.filename.includes('\\') || e.filename === '.' || e.filename === '..') {
    return `filename ${JSON.stringify(e.filename.slice(0, 80))} is not a plain file name`;
  }
  if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) {
    return `size ${JSON.stringify(e.size)} is not a non-negative integer`;
  }
  if (!isHex64(e.sha256)) return 'sha256 is not 64 lowercase hex digits';
  if (e.blake2b256 !== undefined && !isHex64(e.blake2b256)) {
    return 'blake2b_256 is not 64 lowercase hex digits';
  }
  return undefined;
}

// The line without validation; callers validate first.
function line(e: Entry): string {
  const base = `${e.project} ${e.version} ${e.filename} ${e.size} sha256:${e.sha256}`;
  return e.blake2b256 === undefined ? `${base}\n` : `${base} blake2b_256:${e.blake2b256}\n`;
}

/**
 * The entry line for `e`, newline-terminated. Throws EntryError when `e` is invalid or the line
 * would exceed MAX_ENTRY_BYTES, so every string returned here parses back to `e`.
 */
export function formatEntry(e: Entry): string {
  const p = entryProblem(e);
  if (p) throw new EntryError(`log entry for ${JSON.stringify(String(e.filename).slice(0, 80))}: ${p}`);
  const s = line(e);
  // UTF-8 is at most 3 bytes per UTF-16 unit, so short lines need no byte count.
  if (s.length * 3 > MAX_ENTRY_BYTES && Buffer.byteLength(s) > MAX_ENTRY_BYTES) {
    throw new EntryError(`log entry for ${JSON.stringify(e.filename.slice(0, 80))} is longer than ${MAX_ENTRY_BYTES} bytes`);
  }
  return s;
}

/** formatEntry as UTF-8 bytes: the record whose leaf hash the tree holds. */
export function encodeEntry(e: Entry): Uint8Array {
  // Buffer.from is several times faster than TextEncoder for short strings; return a plain view.
  const b = Buffer.from(formatEntry(e), 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * Parses one entry line (bytes or text) strictly: valid UTF-8, exactly one trailing newline, single
 * spaces between 5 or 6 fields, canonical size, lowercase hex, at most MAX_ENTRY_BYTES. Throws
 * EntryError saying what is wrong. parseEntry(encodeEntry(e)) deep-equals e, and
 * encodeEntry(parseEntry(b)) equals b.
 */
export function parseEntry(data: Uint8Array | string): Entry {
  const bad = (why: string) => new EntryError(`malformed log entry: ${why}`);
  let s: string;
  if (typeof data === 'string') {
    s = data;
    if (s.length > MAX_ENTRY_BYTES || Buffer.byteLength(s) > MAX_ENTRY_BYTES) throw bad(`longer than ${MAX_ENTRY_BYTES} bytes`);
  } else {
    if (data.length > MAX_ENTRY_BYTES) throw bad(`longer than ${MAX_ENTRY_BYTES} bytes`);
    try {
      s = strictDecoder.decode(data);
    } catch {
      throw bad('not valid UTF-8');
    }
  }
  if (!s.endsWith('\n')) throw bad('does not end in a newline');
  const fields = s.slice(0, -1).split(' ');
  if (fields.length !== 5 && fields.length !== 6) throw bad(`has ${fields.length} space-separated fields, want 5 or 6`);
  const [project, version, filename, size, sha, b2] = fields;
  if (!SIZE_RE.test(size)) throw bad(`size ${JSON.stringify(size.slice(0, 40))} is not a decimal integer without leading zeros`);
  if (!sha.startsWith('sha256:')) throw bad('fifth field is not sha256:<hex>');
  const e: Entry = { project, version, filename, size: Number(size), sha256: sha.slice('sha256:'.length) };
  if (b2 !== undefined) {
    if (!b2.startsWith('blake2b_256:')) throw bad('sixth field is not blake2b_256:<hex>');
    e.blake2b256 = b2.slice('blake2b_256:'.length);
  }
  const p = entryProblem(e);
  if (p) throw bad(p);
  return e;
}

/**
 * Whether `claim` describes the same bytes as the `logged` entry: equal size and sha256, and equal
 * blake2b_256 when both have one (a digest that one side lacks is not a disagreement). Project and
 * version are not compared: the file name identifies the file.
 */
export function sameFile(logged: Entry, claim: Entry): boolean {
  if (logged.size !== claim.size || logged.sha256 !== claim.sha256) return false;
  if (logged.blake2b256 !== undefined && claim.blake2b256 !== undefined && logged.blake2b256 !== claim.blake2b256) return false;
  return true;
}
