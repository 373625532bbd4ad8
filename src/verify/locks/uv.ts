// uv.lock: `[[package]]` with a `source` (registry, url, path: files with hashes; git,
// directory, editable, virtual: a source tree, nothing to hash), an `sdist` table and a `wheels`
// array whose entries carry `hash = "<alg>:<hex>"` and `size`.

import { InputError } from '../../errors.ts';
import { describe, field, isTable, optArray, optSize, optString, optTable, type Table } from './fields.ts';
import { parseHash } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { hexLineIndex } from './lines.ts';
import { parseTomlLock } from './parse.ts';
import { finishResult, lockedName, packageLabel } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';
import { lastPathSegment } from './url.ts';

// Source kinds that are a source tree rather than a distribution file.
const TREE_SOURCES: Record<string, string> = {
  git: 'from git',
  directory: 'a local directory',
  editable: 'an editable local directory',
  virtual: 'a virtual (workspace) project',
};

/**
 * Reads a uv.lock (format `version = 1`; another version is refused). Each sdist and wheel with
 * a hash is one LockedFile (filename from `filename`, else the last segment of `url` or `path`,
 * else of the package's path/url source; `url` and `size` kept). Packages from git, local
 * directories, editable and virtual sources, and files without a hash, are warnings.
 * InputError naming `path` for anything that is not such a file.
 */
export function parseUvLock(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const doc = parseTomlLock(text, path);
  const version = field(doc, 'version');
  if (version === undefined) throw new InputError(`${path}: no top-level version; not a uv.lock file`);
  if (version !== 1 && version !== 1n) {
    throw new InputError(`${path}: uv.lock version ${describe(version)} is not supported (distsum reads version 1)`);
  }
  const lines = hexLineIndex(text);
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  (optArray(doc, 'package', path) ?? []).forEach((pkg, i) => {
    if (!isTable(pkg)) throw new InputError(`${path}: package[${i}] must be a table`);
    const rawName = optString(pkg, 'name', `${path}: package[${i}]`);
    if (rawName === undefined) throw new InputError(`${path}: package[${i}] has no name`);
    const name = lockedName(rawName, `${path}: package[${i}]`);
    const version = optString(pkg, 'version', `${path}: ${name}`);
    const where = packageLabel(path, name, version);

    const source = optTable(pkg, 'source', where) ?? {};
    const tree = Object.keys(TREE_SOURCES).find((k) => Object.hasOwn(source, k));
    if (tree !== undefined) {
      const loc = field(source, tree);
      warnings.push(`${where}: ${TREE_SOURCES[tree]}${typeof loc === 'string' ? ` (${loc})` : ''}; it cannot be checked by hash`);
      return;
    }
    // A path or url source names the file itself; an sdist entry from it may carry only a hash.
    const sourceLocation = optString(source, 'path', where) ?? optString(source, 'url', where);

    const entries: [string, Table][] = [];
    const sdist = optTable(pkg, 'sdist', where);
    if (sdist !== undefined) entries.push(['sdist', sdist]);
    (optArray(pkg, 'wheels', where) ?? []).forEach((w, j) => {
      if (!isTable(w)) throw new InputError(`${where}: wheels[${j}] must be a table`);
      entries.push([`wheels[${j}]`, w]);
    });
    if (entries.length === 0) {
      warnings.push(`${where}: no sdist or wheels; nothing to check`);
      return;
    }
    for (const [what, entry] of entries) {
      const ewhere = `${where}: ${what}`;
      const url = optString(entry, 'url', ewhere);
      const localPath = optString(entry, 'path', ewhere);
      const filename = optString(entry, 'filename', ewhere) ?? lastPathSegment(url ?? localPath ?? sourceLocation ?? '');
      const hash = optString(entry, 'hash', ewhere);
      if (hash === undefined) {
        warnings.push(`${ewhere}${filename ? ` (${filename})` : ''}: no hash; it cannot be checked`);
        continue;
      }
      const [alg, digest] = parseHash(hash, ':', ewhere);
      const f: LockedFile = { name, hashes: { [alg]: digest }, source: { path } };
      const line = lines.get(digest);
      if (line !== undefined) f.source.line = line;
      if (version !== undefined) f.version = version;
      if (filename !== undefined) f.filename = filename;
      if (url !== undefined) f.url = url;
      const size = optSize(entry, 'size', ewhere);
      if (size !== undefined) f.size = size;
      files.push(f);
    }
  });
  return finishResult('uv', path, files, warnings, limits);
}
