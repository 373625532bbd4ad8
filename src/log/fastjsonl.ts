// JSON lines packed into claim batches straight from bytes, for the import thread (import-worker.ts).
// The object path (jsonLinesParser -> parseImportLine -> Claim -> packClaims) costs a string, an
// entry and a claim per line, and the collector's time for them. Nearly every line of a bulk import
// has one shape: a flat object of printable ASCII without escapes. This packer reads such a line on
// its bytes and writes its entry line, leaf hash and index keys directly into the open chunk's
// typed arrays. Every other line (escapes, non-ASCII, nested values, missing or duplicate fields,
// anything wrong) is read the object way, so for those the results are the object path's by
// construction; for the common line the byte reader accepts only what parseImportLine would accept
// unchanged, so the chunks equal chunksOf(jsonLinesItems(...)) exactly.

import { hash } from 'node:crypto';
import { bytesNameKey, nameKey } from '../store/keyruns.ts';
import { HASH_SIZE } from '../tlog/hash.ts';
import { hexDigestKey } from './claims.ts';
import type { ClaimArrays } from './claims.ts';
import { encodeEntry } from './entry.ts';
import type { ImportProblem } from './import.ts';
import { BLAKE2B, FILENAME, MAX_IMPORT_LINE, PROJECT, SHA256, SIZE, VERSION, parseImportLine } from './importline.ts';

/**
 * A packed chunk of claims, plain data (it can be posted to another thread, its arrays
 * transferred): the arrays of a ClaimBatch (src/log/claims.ts) holding `count` claims, each array
 * exactly as long as the claims need and alone in its ArrayBuffer (which may be longer: a recycled
 * one); `lines[i]` is claim i's line number; `problems` are those of the malformed lines read since
 * the previous chunk, in order.
 */
export interface PackedChunk extends ClaimArrays {
  lines: Uint32Array;
  problems: ImportProblem[];
}

/** The arrays of a PackedChunk, as handed back for reuse (see JsonLinesPacker.recycle). */
export type ChunkArrays = Pick<PackedChunk, 'records' | 'ends' | 'leaves' | 'fileKeys' | 'shaKeys' | 'projectKeys' | 'lines'>;

/** The arrays of `c` alone (without its count and problems). */
export function chunkArrays(c: ChunkArrays): ChunkArrays {
  return { records: c.records, ends: c.ends, leaves: c.leaves, fileKeys: c.fileKeys, shaKeys: c.shaKeys, projectKeys: c.projectKeys, lines: c.lines };
}

/** The buffers of a chunk's arrays: what moves between the threads (each array is alone in its). */
export function chunkBuffers(c: ChunkArrays): ArrayBuffer[] {
  return [c.records.buffer, c.ends.buffer, c.leaves.buffer, c.fileKeys.buffer, c.shaKeys.buffer, c.projectKeys.buffer, c.lines.buffer] as ArrayBuffer[];
}

/** An incremental JSON-lines packer: push byte chunks in order, then end() once. */
export interface JsonLinesPacker {
  /** The chunks that the lines completed by `bytes` fill (chunkClaims claims each), in order. */
  push(bytes: Uint8Array): PackedChunk[];
  /**
   * Reads a last line without a newline and closes the open chunk: the chunks that completes (at
   * most one; none when no claim or problem is left).
   */
  end(): PackedChunk[];
  /**
   * Takes back the arrays of a chunk this packer handed out, once nothing else uses them: later
   * chunks are written into their buffers instead of new ones. A bulk import then allocates no
   * memory per chunk, which kept the allocator's arenas from growing (measured: -40 MiB RSS at
   * 10M entries). Keeps at most a few; the rest are left to the garbage collector.
   */
  recycle(arrays: ChunkArrays): void;
  /**
   * Lines packed by the byte reader (fast) and lines handed to the object path (slow), so far.
   * Empty and over-long lines count in neither.
   */
  counts(): { fast: number; slow: number };
}

// The byte reader takes lines up to this long; longer ones (never seen in real data) take the
// object path. It keeps every entry written far below MAX_ENTRY_BYTES: an entry line is shorter
// than the JSON line it comes from.
const MAX_FAST_LINE = 16 * 1024;
// Initial sizes of a chunk's growing arrays (records in bytes, the others in claims).
const RECORDS_START = 64 * 1024;
const CLAIMS_START = 4096;
// Recycled chunk arrays kept for reuse, at most (a chunk in the making, two waiting, one appending).
const POOL_MAX = 4;

// An array of `length` elements in a recycled buffer when one is long enough, else a new one.
function reuse<T extends Uint8Array | Uint32Array>(from: T | undefined, length: number, make: (buffer: ArrayBuffer, length: number) => T, fresh: (length: number) => T): T {
  const buffer = from?.buffer as ArrayBuffer | undefined;
  return buffer !== undefined && buffer.byteLength >= length * (from as T).BYTES_PER_ELEMENT ? make(buffer, length) : fresh(length);
}
const bytesIn = (b: ArrayBuffer, n: number) => new Uint8Array(b, 0, n);
const wordsIn = (b: ArrayBuffer, n: number) => new Uint32Array(b, 0, n);
const newBytes = (n: number) => new Uint8Array(n);
const newWords = (n: number) => new Uint32Array(n);

const NL = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DASH = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

// The fields the byte reader reads, as bits (importline.ts's).
// The byte reader needs all but blake2b_256 (a missing version is the object path's business).
const NEEDED = PROJECT | VERSION | FILENAME | SIZE | SHA256;

// Where the byte reader found each field's value in the line: start and end offsets, in this order;
// for the digests start and hexAt's kind (they are 64 bytes). B2_AT's start is -1 when blake2b_256
// is null or absent.
const PROJECT_AT = 0;
const VERSION_AT = 2;
const FILENAME_AT = 4;
const SIZE_AT = 6;
const SHA_AT = 8;
const B2_AT = 10;
const FIELD_SLOTS = 12;

const SHA_PREFIX = bytesOf(' sha256:');
const B2_PREFIX = bytesOf(' blake2b_256:');
const KEY_PROJECT = bytesOf('project"');
const KEY_VERSION = bytesOf('version"');
const KEY_FILENAME = bytesOf('filename"');
const KEY_SIZE = bytesOf('size"');
const KEY_SHA256 = bytesOf('sha256"');
const KEY_BLAKE2B = bytesOf('blake2b_256"');
const NULL = bytesOf('null');
const TRUE = bytesOf('true');
const FALSE = bytesOf('false');

// What jsonLinesParser decodes with: fatal, and (unlike entry.ts's) dropping a leading BOM, so a
// line decoded here is the very string the object path sees.
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

/**
 * nameKey(seed, s) (src/store/keyruns.ts) for the string s whose UTF-16 code units are the bytes
 * bytes[start..end) (Latin-1; for ASCII bytes, the text they encode), without making s. Throws
 * RangeError unless seed is 16 bytes.
 */
export const asciiNameKey = bytesNameKey;

// Byte classes for the byte reader: bits of CLASS[byte]. A class test is one table load, where
// comparing against the ranges and exceptions costs four branches per byte.
const IN_STRING = 1; // stands for itself in a JSON string: printable ASCII but '"' and '\\'
const IN_TOKEN = 2; // in a version: IN_STRING but space
const IN_FILENAME = 4; // in a file name: IN_TOKEN but '/'
const IN_NAME = 8; // between the dashes of a normalized project name: a-z, 0-9
const HEX = 16; // a hex digit of either case
const CLASS = byteClasses();

function byteClasses(): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = SP; c <= 0x7e; c++) {
    if (c === QUOTE || c === BACKSLASH) continue;
    t[c] |= IN_STRING;
    if (c !== SP) t[c] |= IN_TOKEN;
    if (c !== SP && c !== SLASH) t[c] |= IN_FILENAME;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) t[c] |= IN_NAME;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) t[c] |= HEX;
  }
  return t;
}

// The end of the run of bytes of class `cls` starting at i. Like skipSpaces and digitsEnd, it
// relies on the byte ending the line (see readCommonLine), which is in no class, to stop.
function runEnd(b: Uint8Array, i: number, cls: number): number {
  while ((CLASS[b[i]] & cls) !== 0) i++;
  return i;
}

// True when b[at..at+lit.length) equals lit and lies before end.
function bytesAt(b: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  if (at + lit.length > end) return false;
  for (let i = 0; i < lit.length; i++) if (b[at + i] !== lit[i]) return false;
  return true;
}

// Which read field the key starting at i (after its opening quote) is, with its closing quote
// (so "sizes" is no "size"), or 0 for any other key.
function keyBit(b: Uint8Array, i: number, end: number): number {
  switch (b[i]) {
    case 0x70:
      return bytesAt(b, i, end, KEY_PROJECT) ? PROJECT : 0;
    case 0x76:
      return bytesAt(b, i, end, KEY_VERSION) ? VERSION : 0;
    case 0x66:
      return bytesAt(b, i, end, KEY_FILENAME) ? FILENAME : 0;
    case 0x73:
      return bytesAt(b, i, end, KEY_SIZE) ? SIZE : bytesAt(b, i, end, KEY_SHA256) ? SHA256 : 0;
    case 0x62:
      return bytesAt(b, i, end, KEY_BLAKE2B) ? BLAKE2B : 0;
    default:
      return 0;
  }
}

// Length of a read field's key with its closing quote.
function keyLength(bit: number): number {
  switch (bit) {
    case SIZE:
      return KEY_SIZE.length;
    case SHA256:
      return KEY_SHA256.length;
    case PROJECT:
      return KEY_PROJECT.length;
    case VERSION:
      return KEY_VERSION.length;
    case FILENAME:
      return KEY_FILENAME.length;
    default:
      return KEY_BLAKE2B.length;
  }
}

function skipSpaces(b: Uint8Array, i: number): number {
  while (b[i] === SP) i++;
  return i;
}

// The index of the quote closing the string whose bytes start at i, or -1 when a byte outside
// printable ASCII or a backslash (an escape: the object path's business) comes first.
function stringEnd(b: Uint8Array, i: number, end: number): number {
  const j = runEnd(b, i, IN_STRING);
  return j < end && b[j] === QUOTE ? j : -1;
}

// The end of the run of decimal digits starting at i.
function digitsEnd(b: Uint8Array, i: number): number {
  while (b[i] >= 0x30 && b[i] <= 0x39) i++;
  return i;
}

// The end of the JSON number starting at i (-?int frac? exp?), or -1 when there is none there.
function numberEnd(b: Uint8Array, i: number, end: number): number {
  if (i < end && b[i] === DASH) i++;
  if (i >= end) return -1;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) i = digitsEnd(b, i + 1);
  else return -1;
  if (i < end && b[i] === DOT) {
    const j = digitsEnd(b, i + 1);
    if (j === i + 1) return -1;
    i = j;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === DASH)) i++;
    const j = digitsEnd(b, i);
    if (j === i) return -1;
    i = j;
  }
  return i;
}

// The end of a value of a field the byte reader skips (a string, number, true, false or null), or
// -1 for anything else (nested values go the object way).
function skippedValueEnd(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === QUOTE) {
    const q = stringEnd(b, i + 1, end);
    return q < 0 ? -1 : q + 1;
  }
  if (c === DASH || (c >= 0x30 && c <= 0x39)) return numberEnd(b, i, end);
  if (c === 0x6e) return bytesAt(b, i, end, NULL) ? i + 4 : -1;
  if (c === 0x74) return bytesAt(b, i, end, TRUE) ? i + 4 : -1;
  if (c === 0x66) return bytesAt(b, i, end, FALSE) ? i + 5 : -1;
  return -1;
}

// The index of the quote closing a PEP 503 normalized name ([a-z0-9]+(-[a-z0-9]+)*) whose bytes
// start at i, or -1.
function projectEnd(b: Uint8Array, i: number, end: number): number {
  for (;;) {
    const j = runEnd(b, i, IN_NAME);
    if (j === i || j >= end) return -1;
    if (b[j] === QUOTE) return j;
    if (b[j] !== DASH) return -1;
    i = j + 1;
  }
}

// The index of the quote closing a non-empty string of class `cls` whose bytes start at i, or -1.
function tokenEnd(b: Uint8Array, i: number, end: number, cls: number): number {
  const j = runEnd(b, i, cls);
  return j > i && j < end && b[j] === QUOTE ? j : -1;
}

// What the 64 bytes from i are: NOT_HEX, LOWER_HEX (hex digits, no letter upper case) or
// UPPER_HEX. Branch-free per byte: digits and letters alternate at random. A-F are the only hex
// digits without the 0x20 bit.
const NOT_HEX = 0;
const LOWER_HEX = 1;
const UPPER_HEX = 2;
function hexAt(b: Uint8Array, i: number): number {
  let cls = HEX;
  let low = 0x20;
  for (let j = i; j < i + 64; j++) {
    const c = b[j];
    cls &= CLASS[c];
    low &= c;
  }
  return cls === 0 ? NOT_HEX : low !== 0 ? LOWER_HEX : UPPER_HEX;
}

/**
 * Reads the line b[start..end) (without its newline and CR) when it is in the common shape, filling
 * `at` (FIELD_SLOTS numbers) with where the values are; false for any other line, valid or not. The
 * common shape: printable ASCII, one flat JSON object (spaces as the only whitespace) of string,
 * number, true, false and null values without backslashes; project, version, filename, size and
 * sha256 each exactly once and blake2b_256 at most once; project PEP 503 normalized; version and
 * filename non-empty without spaces, filename without '/' and not '.' or '..'; size a safe integer
 * written without sign, fraction or exponent; the digests 64 hex digits (blake2b_256 may be null).
 * Every byte is checked against the JSON grammar, so JSON.parse accepts such a line, and
 * parseImportLine returns exactly these values (digests lowercased) as a valid entry.
 * Expects b[end] to be a control byte (the line's newline or CR, or the newline keep() puts after
 * a carried line): runs of bytes stop there without a bounds test per byte. The result never
 * depends on it (every position is checked against `end`); only the bytes looked at do.
 */
function readCommonLine(b: Uint8Array, start: number, end: number, at: Int32Array): boolean {
  let i = skipSpaces(b, start);
  if (i >= end || b[i] !== LBRACE) return false;
  i = skipSpaces(b, i + 1);
  let seen = 0;
  at[B2_AT] = -1;
  for (;;) {
    if (i >= end || b[i] !== QUOTE) return false;
    const bit = keyBit(b, i + 1, end);
    let ke: number; // just after the key's closing quote
    if (bit === 0) {
      const q = stringEnd(b, i + 1, end);
      if (q < 0) return false;
      ke = q + 1;
    } else {
      // A read field twice: JSON.parse keeps the last, and the object path knows that.
      if ((seen & bit) !== 0) return false;
      seen |= bit;
      ke = i + 1 + keyLength(bit);
    }
    i = skipSpaces(b, ke);
    if (i >= end || b[i] !== COLON) return false;
    i = skipSpaces(b, i + 1);
    if (i >= end) return false;
    const c = b[i];
    let next: number; // just after the value
    if (bit === 0) {
      next = skippedValueEnd(b, i, end);
    } else if (bit === SIZE) {
      next = c === 0x30 ? i + 1 : c >= 0x31 && c <= 0x39 ? digitsEnd(b, i + 1) : -1;
      // Up to 16 digits the sum below is exact while the value is safe, and above it stays above.
      if (next < 0 || next - i > 16) return false;
      let size = 0;
      for (let j = i; j < next; j++) size = size * 10 + (b[j] - 0x30);
      if (size > Number.MAX_SAFE_INTEGER) return false;
      at[SIZE_AT] = i;
      at[SIZE_AT + 1] = next;
    } else if (bit === BLAKE2B && c === 0x6e) {
      next = bytesAt(b, i, end, NULL) ? i + 4 : -1;
    } else if (c !== QUOTE) {
      return false;
    } else if (bit === SHA256 || bit === BLAKE2B) {
      if (i + 65 >= end || b[i + 65] !== QUOTE) return false;
      const h = hexAt(b, i + 1);
      if (h === NOT_HEX) return false;
      const slot = bit === SHA256 ? SHA_AT : B2_AT;
      at[slot] = i + 1;
      at[slot + 1] = h; // the end is at[slot] + 64
      next = i + 66;
    } else {
      const q = bit === PROJECT ? projectEnd(b, i + 1, end) : tokenEnd(b, i + 1, end, bit === VERSION ? IN_TOKEN : IN_FILENAME);
      if (q < 0) return false;
      if (bit === FILENAME && b[i + 1] === DOT && (q === i + 2 || (q === i + 3 && b[i + 2] === DOT))) return false;
      const slot = bit === PROJECT ? PROJECT_AT : bit === VERSION ? VERSION_AT : FILENAME_AT;
      at[slot] = i + 1;
      at[slot + 1] = q;
      next = q + 1;
    }
    if (next < 0) return false;
    // A comma and the next member, or the closing brace and nothing but spaces.
    i = skipSpaces(b, next);
    if (i >= end) return false;
    if (b[i] === RBRACE) break;
    if (b[i] !== COMMA) return false;
    i = skipSpaces(b, i + 1);
  }
  return skipSpaces(b, i + 1) === end && (seen & NEEDED) === NEEDED;
}

// Copies b[from..to) to dst at `at`, returning where it ends. Short runs by a loop: set() on a
// subarray costs about as much as a loop over 20 bytes.
function copyTo(dst: Uint8Array, at: number, b: Uint8Array, from: number, to: number): number {
  if (to - from > 20) {
    dst.set(b.subarray(from, to), at);
    return at + to - from;
  }
  for (let i = from; i < to; i++) dst[at++] = b[i];
  return at;
}

// Copies the 64 hex digits at b[from..) to dst at `at` in lower case (`kind` from hexAt), returning
// where they end.
function copyHex(dst: Uint8Array, at: number, b: Uint8Array, from: number, kind: number): number {
  if (kind === LOWER_HEX) return copyTo(dst, at, b, from, from + 64);
  for (let i = from; i < from + 64; i++) dst[at++] = b[i] | 0x20;
  return at;
}

// The sha256 key (hexDigestKey) of 8 lowercase hex digits at dst[at..at+8).
function hexKeyAt(dst: Uint8Array, at: number): number {
  let k = 0;
  for (let i = at; i < at + 8; i++) {
    const c = dst[i];
    k = (k << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return k >>> 0;
}

// The text of the line bytes b[start..end) (CR already dropped) exactly as jsonLinesParser decodes
// it, or undefined when they are not UTF-8: toString is fast but lossy, so the strict decoder runs
// only when a replacement character appears.
function lineText(b: Uint8Array, start: number, end: number): string | undefined {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  const s = buf.toString('utf8', start, end);
  if (!s.includes('\ufffd')) return s;
  try {
    return strictDecoder.decode(b.subarray(start, end));
  } catch {
    return undefined;
  }
}

function grownBytes(a: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  let n = a.length;
  while (n < need) n *= 2;
  const out = new Uint8Array(n);
  out.set(a);
  return out;
}

function grownWords(a: Uint32Array, need: number): Uint32Array<ArrayBuffer> {
  let n = a.length;
  while (n < need) n *= 2;
  const out = new Uint32Array(n);
  out.set(a);
  return out;
}

/**
 * Packs JSON lines given in byte chunks into chunks of `chunkClaims` claims keyed with `seed` (a
 * store's 16-byte keySeed): the same chunks, claim for claim and byte for byte, with the same line
 * numbers and problems, as chunksOf(jsonLinesItems(input, name), seed, chunkClaims) (src/log/import.ts),
 * claim i's source being `${name}:${lines[i]}`. Memory: the open chunk plus one line (a line longer
 * than MAX_IMPORT_LINE is dropped as it streams). Throws RangeError unless seed is 16 bytes and
 * chunkClaims a positive integer; push after end is not supported.
 */
export function jsonLinesPacker(name: string, seed: Uint8Array, chunkClaims: number): JsonLinesPacker {
  if (seed.length !== 16) throw new RangeError('fastjsonl: the seed must be 16 bytes');
  if (!Number.isSafeInteger(chunkClaims) || chunkClaims < 1) throw new RangeError(`fastjsonl: chunkClaims ${chunkClaims} is not a positive integer`);
  const at = new Int32Array(FIELD_SLOTS);
  // The open chunk. Records live in rec[1..1+used): the byte before each record is briefly set to
  // 0x00 to hash 0x00 || record in place (rec[0] is always 0x00, the '\n' of the record before is
  // put back after).
  let rec = new Uint8Array(RECORDS_START);
  let used = 0;
  const claimsStart = Math.min(chunkClaims, CLAIMS_START);
  let ends: Uint32Array = new Uint32Array(claimsStart);
  let leaves: Uint8Array = new Uint8Array(claimsStart * HASH_SIZE);
  let fileKeys: Uint32Array = new Uint32Array(claimsStart);
  let shaKeys: Uint32Array = new Uint32Array(claimsStart);
  let projectKeys: Uint32Array = new Uint32Array(claimsStart);
  let lines: Uint32Array = new Uint32Array(claimsStart);
  let count = 0;
  let problems: ImportProblem[] = [];
  let out: PackedChunk[] = [];
  // Reading state: lines seen (newlines), the unfinished line so far (carry[0..carried)), and
  // whether the rest of an over-long line is being dropped (then carried is 0).
  let lineNo = 0;
  let carry = new Uint8Array(0);
  let carried = 0;
  let skipping = false;
  let fast = 0;
  let slow = 0;

  const pool: ChunkArrays[] = [];
  // An array for the chunk handed out: the working one itself when it is exactly full (a recycled
  // or fresh one replaces it), else a copy of the used part (the working one is reused). Records
  // are always copied out of the working buffer, into a recycled one when there is one.
  const handOut = (): PackedChunk => {
    const full = count === ends.length;
    const r = pool.pop();
    // A new records buffer has room to spare, so that the next chunks (a little longer or shorter)
    // fit in it when it comes back.
    const records = reuse(r?.records, used, bytesIn, (n) => new Uint8Array(new ArrayBuffer(Math.ceil(n * 1.25)), 0, n));
    records.set(rec.subarray(1, 1 + used));
    const c: PackedChunk = {
      count,
      records,
      ends: full ? ends : ends.slice(0, count),
      leaves: full ? leaves : leaves.slice(0, count * HASH_SIZE),
      fileKeys: full ? fileKeys : fileKeys.slice(0, count),
      shaKeys: full ? shaKeys : shaKeys.slice(0, count),
      projectKeys: full ? projectKeys : projectKeys.slice(0, count),
      lines: full ? lines : lines.slice(0, count),
      problems,
    };
    if (full) {
      ends = reuse(r?.ends, count, wordsIn, newWords);
      leaves = reuse(r?.leaves, count * HASH_SIZE, bytesIn, newBytes);
      fileKeys = reuse(r?.fileKeys, count, wordsIn, newWords);
      shaKeys = reuse(r?.shaKeys, count, wordsIn, newWords);
      projectKeys = reuse(r?.projectKeys, count, wordsIn, newWords);
      lines = reuse(r?.lines, count, wordsIn, newWords);
    }
    count = 0;
    used = 0;
    problems = [];
    return c;
  };

  // Room for one more claim whose record is at most `bytes` long.
  const reserve = (bytes: number): void => {
    if (1 + used + bytes > rec.length) rec = grownBytes(rec, 1 + used + bytes);
    if (count === ends.length) {
      const n = Math.min(chunkClaims, 2 * count);
      ends = grownWords(ends, n);
      fileKeys = grownWords(fileKeys, n);
      shaKeys = grownWords(shaKeys, n);
      projectKeys = grownWords(projectKeys, n);
      lines = grownWords(lines, n);
      leaves = grownBytes(leaves, n * HASH_SIZE);
    }
  };

  // Completes the claim whose record was just written at rec[1+used .. 1+used+len).
  const commit = (len: number, fileKey: number, shaKey: number, projectKey: number, line: number): void => {
    const p = 1 + used;
    const before = rec[p - 1];
    rec[p - 1] = 0x00;
    // The digest as a Latin-1 ('binary') string costs half what a Buffer of it does (a Buffer is
    // a C++ allocation); its char codes are the digest's bytes.
    const h = hash('sha256', rec.subarray(p - 1, p + len), 'binary');
    rec[p - 1] = before;
    const o = count * HASH_SIZE;
    for (let j = 0; j < HASH_SIZE; j++) leaves[o + j] = h.charCodeAt(j);
    used += len;
    ends[count] = used;
    fileKeys[count] = fileKey;
    shaKeys[count] = shaKey;
    projectKeys[count] = projectKey;
    lines[count] = line;
    if (++count >= chunkClaims) out.push(handOut());
  };

  // The entry line of a line readCommonLine accepted (`at` filled), formatEntry's bytes.
  // The JSON line is longer than its entry line (keys, quotes and braces outweigh the entry's
  // separators), so its length bounds the record.
  const packCommon = (b: Uint8Array, lineLength: number, line: number): void => {
    reserve(lineLength);
    let w = 1 + used;
    w = copyTo(rec, w, b, at[PROJECT_AT], at[PROJECT_AT + 1]);
    rec[w++] = SP;
    w = copyTo(rec, w, b, at[VERSION_AT], at[VERSION_AT + 1]);
    rec[w++] = SP;
    const fileAt = w;
    w = copyTo(rec, w, b, at[FILENAME_AT], at[FILENAME_AT + 1]);
    const fileEnd = w;
    rec[w++] = SP;
    w = copyTo(rec, w, b, at[SIZE_AT], at[SIZE_AT + 1]);
    w = copyTo(rec, w, SHA_PREFIX, 0, SHA_PREFIX.length);
    const shaAt = w;
    w = copyHex(rec, w, b, at[SHA_AT], at[SHA_AT + 1]);
    if (at[B2_AT] >= 0) {
      w = copyTo(rec, w, B2_PREFIX, 0, B2_PREFIX.length);
      w = copyHex(rec, w, b, at[B2_AT], at[B2_AT + 1]);
    }
    rec[w++] = NL;
    const p = 1 + used;
    const projectKey = bytesNameKey(seed, rec, p, p + at[PROJECT_AT + 1] - at[PROJECT_AT]);
    commit(w - p, bytesNameKey(seed, rec, fileAt, fileEnd), hexKeyAt(rec, shaAt), projectKey, line);
    fast++;
  };

  // A line the byte reader does not take: read the object way, packed as packClaims packs it.
  const packSlow = (b: Uint8Array, start: number, end: number, line: number): void => {
    slow++;
    const text = lineText(b, start, end);
    if (text === undefined) {
      problems.push({ where: `${name}:${line}`, message: 'not valid UTF-8' });
      return;
    }
    if (text.trim() === '') return;
    let e;
    try {
      e = parseImportLine(text);
    } catch (err) {
      problems.push({ where: `${name}:${line}`, message: (err as Error).message });
      return;
    }
    const bytes = encodeEntry(e);
    reserve(bytes.length);
    rec.set(bytes, 1 + used);
    commit(bytes.length, nameKey(seed, e.filename), hexDigestKey(e.sha256), nameKey(seed, e.project), line);
  };

  // One whole line b[start..end), without its newline.
  const take = (b: Uint8Array, start: number, end: number, line: number): void => {
    if (end > start && b[end - 1] === CR) end--;
    if (end === start) return;
    if (end - start <= MAX_FAST_LINE && readCommonLine(b, start, end, at)) packCommon(b, end - start, line);
    else packSlow(b, start, end, line);
  };

  const tooLong = (line: number): void => {
    problems.push({ where: `${name}:${line}`, message: `line is longer than ${MAX_IMPORT_LINE} bytes` });
  };

  // Appends b[from..to) to the unfinished line, followed by a newline that marks its end for the
  // byte reader (not counted in `carried`).
  const keep = (b: Uint8Array, from: number, to: number): void => {
    const need = carried + to - from;
    if (need + 1 > carry.length) carry = grownBytes(carry.length === 0 ? new Uint8Array(256) : carry, need + 1);
    carry.set(b.subarray(from, to), carried);
    carry[need] = NL;
    carried = need;
  };

  return {
    push(bytes) {
      out = [];
      // Plain Uint8Array views only, so the byte reader's loads see one kind of array.
      bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      let start = 0;
      if (skipping || carried > 0) {
        const nl = buf.indexOf(NL);
        if (nl < 0) {
          if (!skipping && carried + bytes.length > MAX_IMPORT_LINE) {
            tooLong(lineNo + 1);
            skipping = true;
            carried = 0;
          } else if (!skipping) {
            keep(bytes, 0, bytes.length);
          }
          return out;
        }
        lineNo++;
        if (skipping) {
          skipping = false;
        } else if (carried + nl > MAX_IMPORT_LINE) {
          tooLong(lineNo);
        } else {
          keep(bytes, 0, nl);
          take(carry, 0, carried, lineNo);
        }
        carried = 0;
        start = nl + 1;
      }
      for (let nl = buf.indexOf(NL, start); nl >= 0; nl = buf.indexOf(NL, start)) {
        lineNo++;
        if (nl - start > MAX_IMPORT_LINE) tooLong(lineNo);
        else take(bytes, start, nl, lineNo);
        start = nl + 1;
      }
      if (bytes.length - start > MAX_IMPORT_LINE) {
        tooLong(lineNo + 1);
        skipping = true;
      } else if (start < bytes.length) {
        keep(bytes, start, bytes.length);
      }
      // A carry grown for a long line is not kept past it.
      if (carried === 0 && carry.length > MAX_FAST_LINE) carry = new Uint8Array(0);
      return out;
    },
    end() {
      out = [];
      if (carried > 0 && !skipping) take(carry, 0, carried, lineNo + 1);
      carried = 0;
      carry = new Uint8Array(0);
      if (count > 0 || problems.length > 0) out.push(handOut());
      return out;
    },
    recycle(arrays) {
      if (pool.length < POOL_MAX) pool.push(arrays);
    },
    counts: () => ({ fast, slow }),
  };
}
