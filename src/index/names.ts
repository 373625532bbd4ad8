// What an index may call things: project names, distribution file names, digests. Everything an
// index says is untrusted; these checks keep path traversal, control characters and markup out of
// the log and out of file paths, and keep digests to lowercase hex of the right length.

import { normalizeProjectName } from '../dist/name.ts';

export { normalizeProjectName };

/** Longest project name accepted (warehouse has no limit; real names are far shorter). */
export const MAX_PROJECT_NAME = 255;
/** Longest file name accepted (NAME_MAX). */
export const MAX_FILENAME = 255;

// PEP 508 name, as warehouse enforces it: letters and digits, with `.`, `_`, `-` inside.
const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// Characters of a distribution file name: those of names and versions (PEP 440 local versions
// have `+`, legacy versions `!` and `~`). No separators, spaces, quotes, `<`, `>`, `&`, `%`.
const FILENAME_CHARS = /^[A-Za-z0-9._+!~-]+$/;
// Every kind of file PyPI has accepted (sdist, wheel and the retired bdist formats), lowercase.
const DIST_EXTENSIONS = ['.whl', '.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tar.z', '.tgz', '.tbz', '.tar', '.egg', '.exe', '.msi', '.rpm', '.dmg', '.deb'];

/** Why `name` is not a project name, or undefined when it is one (PEP 508, at most MAX_PROJECT_NAME). */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the project name is empty';
  if (name.length > MAX_PROJECT_NAME) return `the project name is longer than ${MAX_PROJECT_NAME} characters`;
  if (!PROJECT_NAME.test(name)) return `${JSON.stringify(name)} is not a project name (letters, digits and . _ - inside)`;
  return undefined;
}

/**
 * Why `filename` is not the plain name of a distribution file, or undefined when it is one: at most
 * MAX_FILENAME characters from [A-Za-z0-9._+!~-], not starting with `.` or `-`, no `..`, ending in
 * a distribution extension (.whl, .tar.gz, .zip and the legacy formats). Such a name is safe as a
 * path component and in HTML.
 */
export function filenameProblem(filename: string): string | undefined {
  const shown = JSON.stringify(filename.length > 80 ? `${filename.slice(0, 80)}...` : filename);
  if (filename.length === 0) return 'the file name is empty';
  if (filename.length > MAX_FILENAME) return `the file name ${shown} is longer than ${MAX_FILENAME} characters`;
  if (!FILENAME_CHARS.test(filename)) return `the file name ${shown} has characters a distribution file name cannot have`;
  if (filename.startsWith('.') || filename.startsWith('-')) return `the file name ${shown} starts with ${JSON.stringify(filename[0])}`;
  if (filename.includes('..')) return `the file name ${shown} contains ".."`;
  const lower = filename.toLowerCase();
  const ext = DIST_EXTENSIONS.find((e) => lower.endsWith(e));
  if (!ext || lower.length === ext.length) return `the file name ${shown} is not a distribution file (.whl, .tar.gz, .zip, ...)`;
  return undefined;
}

// Hex lengths of the hashlib algorithms indexes use; others must still be even-length hex.
const HEX_LENGTHS: Readonly<Record<string, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  blake2b_256: 64,
  blake2b: 128,
  blake2s: 64,
  sha3_224: 56,
  sha3_256: 64,
  sha3_384: 96,
  sha3_512: 128,
};
const HASH_NAME = /^[a-z0-9_]{1,32}$/;
const HEX = /^[0-9a-fA-F]+$/;
/** Longest digest accepted for an algorithm we do not know (512 bits). */
const MAX_UNKNOWN_HEX = 128;

/** True for the hash names PEP 503 fragments and PEP 691 `hashes` use (hashlib names we know). */
export function isKnownHashName(name: string): boolean {
  return Object.hasOwn(HEX_LENGTHS, name);
}

/**
 * The digest `value` for algorithm `name` as lowercase hex, or a reason it is not one: `name` must
 * be a hashlib-style name ([a-z0-9_], at most 32), `value` hex of the algorithm's length (known
 * algorithms) or of even length up to 128 (others).
 */
export function checkDigest(name: string, value: unknown): { hex: string } | { problem: string } {
  if (!HASH_NAME.test(name)) return { problem: `${JSON.stringify(name.slice(0, 40))} is not a hash algorithm name` };
  if (typeof value !== 'string') return { problem: `the ${name} digest is not a string` };
  const want = HEX_LENGTHS[name];
  const shown = JSON.stringify(value.length > 140 ? `${value.slice(0, 140)}...` : value);
  if (!HEX.test(value)) return { problem: `the ${name} digest ${shown} is not hex` };
  if (want !== undefined ? value.length !== want : value.length % 2 !== 0 || value.length > MAX_UNKNOWN_HEX) {
    return { problem: `the ${name} digest ${shown} has ${value.length} hex digits, expected ${want ?? 'an even number up to 128'}` };
  }
  return { hex: value.toLowerCase() };
}
