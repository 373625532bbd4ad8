// One line of a `distsum log import` JSON-lines file: a claim about one distribution file,
//   {"project","version","filename","size","sha256","blake2b_256"}
// Extra fields are ignored; the project name is normalized (PEP 503); hex digests may be upper case;
// a missing version is read from the file name when it is a wheel or sdist of that project.

import { normalizeProjectName } from '../dist/name.ts';
import { parseDistFilename } from '../dist/filename.ts';
import { EntryError, MAX_ENTRY_BYTES, UNKNOWN_VERSION, entryProblem, formatEntry } from './entry.ts';
import type { Entry } from './entry.ts';

/** Longest import line accepted, in characters. */
export const MAX_IMPORT_LINE = 1 << 20;

// PEP 508 project name as an index accepts it.
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// Already PEP 503 normalized (the common case in bulk data): no need to rewrite it.
const NORMALIZED_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SHA_PROBLEM = '"sha256" is missing or not 64 hex digits';
const B2_PROBLEM = '"blake2b_256" is not 64 hex digits';

function field(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

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
 * Never returns an entry that formatEntry would reject.
 */
export function parseImportLine(line: string): Entry {
  const bad = (why: string) => new EntryError(why);
  if (line.length > MAX_IMPORT_LINE) throw bad(`line is longer than ${MAX_IMPORT_LINE} characters`);
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('not a JSON object');
  const o = v as Record<string, unknown>;
  const project = field(o, 'project');
  if (typeof project !== 'string' || !NAME_RE.test(project)) throw bad('"project" is missing or not a project name');
  const filename = field(o, 'filename');
  if (typeof filename !== 'string') throw bad('"filename" is missing or not a string');
  const size = field(o, 'size');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad('"size" is missing or not a non-negative integer');
  // Digests are checked once, lowercased, by entryProblem below; here only their type.
  const sha256 = field(o, 'sha256');
  if (typeof sha256 !== 'string') throw bad(SHA_PROBLEM);
  const b2 = field(o, 'blake2b_256');
  if (b2 !== undefined && b2 !== null && typeof b2 !== 'string') throw bad(B2_PROBLEM);
  const version = field(o, 'version');
  if (version !== undefined && version !== null && (typeof version !== 'string' || version === '')) {
    throw bad('"version" is not a non-empty string');
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
  if (p) throw bad(p.startsWith('sha256 ') ? SHA_PROBLEM : p.startsWith('blake2b_256 ') ? B2_PROBLEM : p);
  // The entry length limit (uint16) is far above any real line; format only when it could bite.
  if ((e.project.length + e.filename.length + e.version.length) * 3 + 200 > MAX_ENTRY_BYTES) formatEntry(e);
  return e;
}
