// The common last steps of every reader: project names checked and normalized, duplicate files
// dropped, and the bounds on files and warnings applied.

import { InputError } from '../../errors.ts';
import { normalizeProjectName } from '../../dist/name.ts';
import { clean, quote } from './fields.ts';
import type { LockedFile, LockFormat, LockReadResult } from './types.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';

// A PEP 508 project name.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/;

/** The PEP 503 normalized form of a project name from a lock; InputError (starting with `where`) when it is not a name. */
export function lockedName(raw: string, where: string): string {
  if (!NAME.test(raw)) throw new InputError(`${where}: ${quote(raw)} is not a valid project name`);
  return normalizeProjectName(raw);
}

/** "<path>: <name> <version>", the prefix of messages about one package. */
export function packageLabel(path: string, name: string, version: string | undefined): string {
  return version === undefined ? `${path}: ${name}` : `${path}: ${name} ${clean(version, 80)}`;
}

/**
 * Builds the result of reading `path`: drops files equal to an earlier one (same name, version,
 * filename, url and hashes: a package listed in two Pipfile.lock sections, a requirement in two
 * included files), keeps the first `maxWarnings` warnings (and one saying how many more there
 * were), and throws InputError when more than `maxFiles` files remain.
 */
export function finishResult(
  format: LockFormat,
  path: string,
  files: LockedFile[],
  warnings: string[],
  limits: LockLimits = DEFAULT_LOCK_LIMITS,
): LockReadResult {
  const seen = new Set<string>();
  const unique: LockedFile[] = [];
  for (const f of files) {
    const hashes = Object.entries(f.hashes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([f.name, f.version ?? null, f.filename ?? null, f.url ?? null, hashes]);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(f);
  }
  if (unique.length > limits.maxFiles) {
    throw new InputError(`${path}: pins more than ${limits.maxFiles} files; split it or raise the limit`);
  }
  // Warnings quote lock content (URLs, paths); escaping keeps each on one line.
  const kept = warnings.slice(0, limits.maxWarnings).map((w) => clean(w, 2000));
  if (warnings.length > kept.length) kept.push(`${path}: ${warnings.length - kept.length} more warnings not shown`);
  return { format, files: unique, warnings: kept };
}
