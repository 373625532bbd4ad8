// PEP 751 lock files (pylock.toml, pylock.<name>.toml): `[[packages]]` with `wheels`, `sdist`
// or `archive` entries, each with a `hashes` table; `vcs` and `directory` packages have no file
// to hash.

import { InputError } from '../../errors.ts';
import { isTable, optArray, optSize, optString, optTable, quote, type Table } from './fields.ts';
import { hashesFromTable } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { hexLineIndex, lineOfDigests } from './lines.ts';
import { parseTomlLock } from './parse.ts';
import { finishResult, lockedName, packageLabel } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';
import { lastPathSegment } from './url.ts';

/**
 * Reads a pylock.toml. `lock-version` must be 1.x (the spec says a reader MUST refuse another
 * major version). Each wheel, sdist and archive with hashes is one LockedFile (filename from
 * `name`, else the last segment of `url` or `path`; `url`, `size` and the package `marker` kept).
 * VCS and directory packages, files without hashes and packages without files are warnings.
 * InputError naming `path` for anything that is not such a file.
 */
export function parsePylock(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const doc = parseTomlLock(text, path);
  const version = optString(doc, 'lock-version', path);
  if (version === undefined) throw new InputError(`${path}: no lock-version; not a pylock.toml (PEP 751) file`);
  if (!/^1(\.\d+)?$/.test(version)) throw new InputError(`${path}: lock-version ${quote(version)} is not supported (distsum reads 1.x)`);
  const packages = optArray(doc, 'packages', path);
  if (packages === undefined) throw new InputError(`${path}: no [[packages]]; not a pylock.toml (PEP 751) file`);

  const lines = hexLineIndex(text);
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  packages.forEach((pkg, i) => {
    if (!isTable(pkg)) throw new InputError(`${path}: packages[${i}] must be a table`);
    const rawName = optString(pkg, 'name', `${path}: packages[${i}]`);
    if (rawName === undefined) throw new InputError(`${path}: packages[${i}] has no name`);
    const name = lockedName(rawName, `${path}: packages[${i}]`);
    const version = optString(pkg, 'version', `${path}: ${name}`);
    const where = packageLabel(path, name, version);
    const marker = optString(pkg, 'marker', where);

    const vcs = optTable(pkg, 'vcs', where);
    if (vcs !== undefined) {
      const url = optString(vcs, 'url', where) ?? optString(vcs, 'path', where) ?? '?';
      warnings.push(`${where}: from version control (${optString(vcs, 'type', where) ?? 'vcs'} ${url}); it cannot be checked by hash`);
    }
    const directory = optTable(pkg, 'directory', where);
    if (directory !== undefined) {
      warnings.push(`${where}: a local directory (${optString(directory, 'path', where) ?? '?'}); it cannot be checked by hash`);
    }

    const entries: [string, Table][] = [];
    const archive = optTable(pkg, 'archive', where);
    if (archive !== undefined) entries.push(['archive', archive]);
    const sdist = optTable(pkg, 'sdist', where);
    if (sdist !== undefined) entries.push(['sdist', sdist]);
    (optArray(pkg, 'wheels', where) ?? []).forEach((w, j) => {
      if (!isTable(w)) throw new InputError(`${where}: wheels[${j}] must be a table`);
      entries.push([`wheels[${j}]`, w]);
    });
    if (entries.length === 0 && vcs === undefined && directory === undefined) {
      warnings.push(`${where}: no wheels, sdist or archive; nothing to check`);
    }

    for (const [what, entry] of entries) {
      const ewhere = `${where}: ${what}`;
      const url = optString(entry, 'url', ewhere);
      const localPath = optString(entry, 'path', ewhere);
      const filename = optString(entry, 'name', ewhere) ?? lastPathSegment(url ?? localPath ?? '');
      const hashes = hashesFromTable(optTable(entry, 'hashes', ewhere), ewhere);
      if (Object.keys(hashes).length === 0) {
        warnings.push(`${ewhere}${filename ? ` (${filename})` : ''}: no hashes; it cannot be checked`);
        continue;
      }
      const f: LockedFile = { name, hashes, source: { path } };
      const line = lineOfDigests(lines, Object.values(hashes));
      if (line !== undefined) f.source.line = line;
      if (version !== undefined) f.version = version;
      if (filename !== undefined) f.filename = filename;
      if (url !== undefined) f.url = url;
      const size = optSize(entry, 'size', ewhere);
      if (size !== undefined) f.size = size;
      if (marker !== undefined) f.marker = marker;
      files.push(f);
    }
  });
  return finishResult('pylock', path, files, warnings, limits);
}
