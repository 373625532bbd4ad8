// One line of a `distsum log import` JSON-lines file: a claim about one distribution file,
//   {"project","version","filename","size","sha256","blake2b_256"}
// Extra fields are ignored; the project name is normalized (PEP 503); hex digests may be upper case;
// a missing version is read from the file name when it is a wheel or sdist of that project.
//
// Bulk imports read millions of lines, nearly all in one shape: a flat object of plain ASCII
// values. A scanner reads those without JSON.parse and never throws; every other line, including
// every line with anything wrong in it, is read by JSON.parse and the field checks, which alone
// decide what is an error and what it says. The scanner returns only what that reading returns.

import { normalizeProjectName } from '../dist/name.ts';
import { parseDistFilename } from '../dist/filename.ts';
import { EntryError, MAX_ENTRY_BYTES, UNKNOWN_VERSION, entryProblem, formatEntry, isHex64 } from './entry.ts';
import type { Entry } from './entry.ts';

/** Longest import line accepted, in characters. */
export const MAX_IMPORT_LINE = 1 << 20;

// Longest line the scanner reads. Its strings are slices that keep their line alive as long as the
// entry, so a long line goes to JSON.parse (real lines are ~300 characters). The bound also keeps
// every scanned entry far below MAX_ENTRY_BYTES.
const MAX_SCANNED_LINE = 2048;

// PEP 508 project name as an index accepts it.
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// Already PEP 503 normalized (the common case in bulk data): no need to rewrite it.
const NORMALIZED_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SHA_PROBLEM = '"sha256" is missing or not 64 hex digits';
const B2_PROBLEM = '"blake2b_256" is not 64 hex digits';

/**
 * The version a distribution file name gives for `project` (normalized), or UNKNOWN_VERSION when
 * the name does not parse or names another project.
 */
export function versionFromFilename(project: string, filename: string): string {
  try {
    const d = parseDistFilename(filename);
    return d.normalizedName === project ? d.version : UNKNOWN_VERSION;
  } catch {
    return UNKNOWN_VERSION;
  }
}

/**
 * Parses one import line into a valid entry, or throws EntryError saying which field is wrong.
 * Never returns an entry that formatEntry would reject. Reads the line as JSON.parse does (the
 * last of duplicate keys counts; a line JSON.parse refuses is "not JSON").
 */
export function parseImportLine(line: string): Entry {
  if (line.length > MAX_IMPORT_LINE) throw new EntryError(`line is longer than ${MAX_IMPORT_LINE} characters`);
  return (line.length <= MAX_SCANNED_LINE ? scanFlatLine(line) : undefined) ?? parseJsonLine(line);
}

// The defining reading of a line: JSON.parse, then the field checks in a fixed order.
function parseJsonLine(line: string): Entry {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new EntryError(`not JSON (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new EntryError('not a JSON object');
  const o = v as Record<string, unknown>;
  const project = field(o, 'project');
  if (typeof project !== 'string' || !NAME_RE.test(project)) throw new EntryError('"project" is missing or not a project name');
  const filename = field(o, 'filename');
  if (typeof filename !== 'string') throw new EntryError('"filename" is missing or not a string');
  const size = field(o, 'size');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new EntryError('"size" is missing or not a non-negative integer');
  // Digests are checked once, lowercased, by entryProblem below; here only their type.
  const sha256 = field(o, 'sha256');
  if (typeof sha256 !== 'string') throw new EntryError(SHA_PROBLEM);
  const b2 = field(o, 'blake2b_256');
  if (b2 !== undefined && b2 !== null && typeof b2 !== 'string') throw new EntryError(B2_PROBLEM);
  const version = field(o, 'version');
  if (version !== undefined && version !== null && (typeof version !== 'string' || version === '')) {
    throw new EntryError('"version" is not a non-empty string');
  }
  const normalized = NORMALIZED_RE.test(project) ? project : normalizeProjectName(project);
  const e: Entry = {
    project: normalized,
    version: typeof version === 'string' ? version : versionFromFilename(normalized, filename),
    filename,
    size,
    sha256: sha256.toLowerCase(),
  };
  if (typeof b2 === 'string') e.blake2b256 = b2.toLowerCase();
  const p = entryProblem(e);
  if (p) throw new EntryError(p.startsWith('sha256 ') ? SHA_PROBLEM : p.startsWith('blake2b_256 ') ? B2_PROBLEM : p);
  // The entry length limit (uint16) is far above any real line; format only when it could bite.
  if ((e.project.length + e.filename.length + e.version.length) * 3 + 200 > MAX_ENTRY_BYTES) formatEntry(e);
  return e;
}

// o[k] when it is o's own property: an inherited value (a polluted Object.prototype) is absent.
function field(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

// The fields the scanner reads, as bits (shared with fastjsonl.ts). A second occurrence of one sends the line to JSON.parse,
// which keeps the last value: the scanner checks only values it keeps.
export const PROJECT = 1;
export const VERSION = 2;
export const FILENAME = 4;
export const SIZE = 8;
export const SHA256 = 16;
export const BLAKE2B = 32;
const REQUIRED = PROJECT | FILENAME | SIZE | SHA256;

const QUOTE = 0x22;
// A character other than printable ASCII (U+0021 to U+007E); for a file name also '/'. A version or
// file name without one passes entryProblem's checks. (A class of one or two ranges scans a long
// file name several times faster than a charCodeAt loop.)
const NOT_TOKEN_RE = /[^!-~]/;
const NOT_FILENAME_RE = /[^!-.0-~]/;

// Which read field the key starting at a (after its quote) is, or 0 for any other key.
function keyBit(line: string, a: number): number {
  switch (line.charCodeAt(a)) {
    case 0x70:
      return line.startsWith('project"', a) ? PROJECT : 0;
    case 0x76:
      return line.startsWith('version"', a) ? VERSION : 0;
    case 0x66:
      return line.startsWith('filename"', a) ? FILENAME : 0;
    case 0x73:
      return line.startsWith('size"', a) ? SIZE : line.startsWith('sha256"', a) ? SHA256 : 0;
    case 0x62:
      return line.startsWith('blake2b_256"', a) ? BLAKE2B : 0;
    default:
      return 0;
  }
}

// Length of a read field's key with its two quotes.
function quotedKeyLength(bit: number): number {
  switch (bit) {
    case SIZE:
      return 6;
    case SHA256:
      return 8;
    case PROJECT:
    case VERSION:
      return 9;
    case FILENAME:
      return 10;
    default:
      return 13; // "blake2b_256"
  }
}

// The index of the first character at or after i that is not JSON whitespace (or the length).
// JSON has exactly four whitespace characters; anything else there (a BOM, U+00A0) makes
// JSON.parse fail. Everything above U+0020 is tested first: the common case, one comparison.
function skipWs(line: string, i: number): number {
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c > 0x20 || (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) return i;
  }
  return i;
}

// The index of the quote ending the string whose characters start at a, or -1 when a character
// JSON forbids raw in a string (U+0000 to U+001F) comes first or the line ends. Callers have
// ruled out backslashes, so the first quote ends the string.
function stringEnd(line: string, a: number): number {
  for (let i = a; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c < 0x20) return -1;
  }
  return -1;
}

// True when the 64 characters from a are lowercase hex digits: isHex64 in place, without the
// slice (branch-free for the same reason). Callers have checked that line[a + 64] exists.
function isHex64At(line: string, a: number): boolean {
  let outside = 0;
  for (let i = a; i < a + 64; i++) {
    const c = line.charCodeAt(i);
    outside |= ((c - 0x30) | (0x39 - c)) & ((c - 0x61) | (0x66 - c));
  }
  return outside >= 0;
}

// The digest in the string whose characters start at a, lowercased, when the string is 64 hex
// digits and so ends at a + 64 (hex digits are no quotes); undefined otherwise.
function digestAt(line: string, a: number): string | undefined {
  if (line.charCodeAt(a + 64) !== QUOTE) return undefined;
  if (isHex64At(line, a)) return line.slice(a, a + 64);
  // Upper case: what parseJsonLine does (toLowerCase, then isHex64), which also refuses every
  // character JSON forbids raw in a string.
  const v = line.slice(a, a + 64).toLowerCase();
  return isHex64(v) ? v : undefined;
}

function digitsEnd(line: string, i: number): number {
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return i;
  }
  return i;
}

// The end of the JSON number starting at i (-?int frac? exp?), or -1 when there is none.
function numberEnd(line: string, i: number): number {
  if (line.charCodeAt(i) === 0x2d) i++;
  const first = line.charCodeAt(i);
  if (first === 0x30) i++;
  else if (first >= 0x31 && first <= 0x39) i = digitsEnd(line, i + 1);
  else return -1;
  if (line.charCodeAt(i) === 0x2e) {
    const j = digitsEnd(line, i + 1);
    if (j === i + 1) return -1;
    i = j;
  }
  const e = line.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = line.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    const j = digitsEnd(line, i);
    if (j === i) return -1;
    i = j;
  }
  return i;
}

// The end of the JSON value starting at i that the scanner skips (a string, number, true, false
// or null), or -1 for anything else: nested values go to JSON.parse.
function skippedValueEnd(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c === QUOTE) {
    const end = stringEnd(line, i + 1);
    return end < 0 ? -1 : end + 1;
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return numberEnd(line, i);
  if (c === 0x6e) return line.startsWith('null', i) ? i + 4 : -1;
  if (c === 0x74) return line.startsWith('true', i) ? i + 4 : -1;
  if (c === 0x66) return line.startsWith('false', i) ? i + 5 : -1;
  return -1;
}

/**
 * The entry of a line in the common shape, or undefined for any other line, valid or not, which
 * parseJsonLine then reads. The common shape: one flat JSON object without backslashes whose
 * values are strings, numbers, true, false or null, with each read field at most once and a value
 * parseJsonLine accepts as it is: project a PEP 508 name; version (or null) and filename printable
 * ASCII; size a safe integer without fraction or exponent; the digests 64 hex digits (blake2b_256
 * or null). Every character is checked against the JSON grammar, so JSON.parse would accept the
 * line and give these values, and the entry is the one parseJsonLine returns.
 */
function scanFlatLine(line: string): Entry | undefined {
  // Without backslashes each quote ends the string it is in.
  if (line.indexOf('\\') >= 0) return undefined;
  let i = skipWs(line, 0);
  if (line.charCodeAt(i) !== 0x7b) return undefined;
  i = skipWs(line, i + 1);
  let seen = 0;
  let project = '';
  let version: string | undefined;
  let filename = '';
  let size = 0;
  let sha256 = '';
  let b2: string | undefined;
  for (;;) {
    // The key (an empty object has none: JSON.parse names the missing field), then the colon.
    if (line.charCodeAt(i) !== QUOTE) return undefined;
    const bit = keyBit(line, i + 1);
    if (bit === 0) {
      const end = stringEnd(line, i + 1);
      if (end < 0) return undefined;
      i = end + 1;
    } else {
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      i += quotedKeyLength(bit);
    }
    i = skipWs(line, i);
    if (line.charCodeAt(i) !== 0x3a) return undefined;
    i = skipWs(line, i + 1);
    // The value; end is the index just after it.
    const c = line.charCodeAt(i);
    let end: number;
    if (bit === 0) {
      end = skippedValueEnd(line, i);
      if (end < 0) return undefined;
    } else if (bit === SIZE) {
      // A plain integer; a fraction or exponent fails the separator check below. Up to 16
      // digits the sum is exact while the value is safe, and above it stays above.
      end = c === 0x30 ? i + 1 : c >= 0x31 && c <= 0x39 ? digitsEnd(line, i + 1) : -1;
      if (end < 0 || end - i > 16) return undefined;
      for (let j = i; j < end; j++) size = size * 10 + (line.charCodeAt(j) - 0x30);
      if (size > Number.MAX_SAFE_INTEGER) return undefined;
    } else if (c === 0x6e && (bit === VERSION || bit === BLAKE2B)) {
      if (!line.startsWith('null', i)) return undefined;
      end = i + 4;
    } else if (c !== QUOTE) {
      return undefined;
    } else if (bit === PROJECT || bit === VERSION || bit === FILENAME) {
      // Each check below rejects every character JSON forbids raw in a string.
      const q = line.indexOf('"', i + 1);
      if (q <= i + 1) return undefined; // unterminated or empty
      const v = line.slice(i + 1, q);
      if (bit === PROJECT) {
        if (!NAME_RE.test(v)) return undefined;
        project = NORMALIZED_RE.test(v) ? v : normalizeProjectName(v);
      } else if (bit === VERSION) {
        if (NOT_TOKEN_RE.test(v)) return undefined;
        version = v;
      } else {
        if (NOT_FILENAME_RE.test(v) || v === '.' || v === '..') return undefined;
        filename = v;
      }
      end = q + 1;
    } else {
      const d = digestAt(line, i + 1);
      if (d === undefined) return undefined;
      if (bit === SHA256) sha256 = d;
      else b2 = d;
      end = i + 66;
    }
    // A comma and the next member, or the closing brace and nothing but whitespace.
    i = skipWs(line, end);
    const sep = line.charCodeAt(i);
    if (sep === 0x7d) break;
    if (sep !== 0x2c) return undefined;
    i = skipWs(line, i + 1);
  }
  if (skipWs(line, i + 1) !== line.length || (seen & REQUIRED) !== REQUIRED) return undefined;
  const e: Entry = { project, version: version ?? versionFromFilename(project, filename), filename, size, sha256 };
  if (b2 !== undefined) e.blake2b256 = b2;
  // A version taken from the file name is checked as parseJsonLine checks it.
  if (version === undefined && entryProblem(e) !== undefined) return undefined;
  return e;
}
