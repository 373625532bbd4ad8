// Pipfile.lock (pipenv): JSON with `_meta` and one object per package category (`default`,
// `develop`, and any custom category), each mapping a project name to `{"hashes": [...],
// "version": "==1.2", "markers": ...}` or to a VCS/path entry.

import { InputError } from '../../errors.ts';
import { clean, field, isTable, optArray, optString, quote } from './fields.ts';
import { parseHash } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { hexLineIndex } from './lines.ts';
import { parseJsonLock } from './parse.ts';
import { finishResult, lockedName, packageLabel } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';
import { lastPathSegment } from './url.ts';

const VCS_KEYS = ['git', 'hg', 'svn', 'bzr'];

/**
 * Reads a Pipfile.lock. Every hash of every package in every category is one LockedFile (the
 * version from an exact `==`/`===` pin, `markers` kept; for a `file` URL entry, its url and
 * filename). Entries without hashes (`"hashes": []`), VCS, path and editable entries are
 * warnings. A package in two categories with the same pins is listed once. InputError naming
 * `path` for anything that is not such a file.
 */
export function parsePipfileLock(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const doc = parseJsonLock(text, path);
  if (!isTable(field(doc, '_meta'))) throw new InputError(`${path}: no "_meta" object; not a Pipfile.lock`);
  const lines = hexLineIndex(text);
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  for (const section of Object.keys(doc)) {
    if (section === '_meta') continue;
    const entries = field(doc, section);
    if (!isTable(entries)) throw new InputError(`${path}: ${quote(section)} must be an object of packages`);
    for (const rawName of Object.keys(entries)) {
      const entry = field(entries, rawName);
      const where = `${path}: ${clean(section, 80)} ${quote(rawName)}`;
      if (!isTable(entry)) throw new InputError(`${where}: must be an object`);
      const name = lockedName(rawName, where);
      const pin = optString(entry, 'version', where);
      const version = pin === undefined ? undefined : /^===?\s*([^\s,;*]+)$/.exec(pin.trim())?.[1];
      const label = packageLabel(`${path}: ${clean(section, 80)}`, name, version);
      const vcs = VCS_KEYS.find((k) => Object.hasOwn(entry, k));
      const listed = optArray(entry, 'hashes', where);
      const hashes = listed ?? [];
      if (hashes.length === 0) {
        if (vcs !== undefined) {
          warnings.push(`${label}: from ${vcs} (${String(optString(entry, vcs, where))}); it cannot be checked by hash`);
        } else if (optString(entry, 'path', where) !== undefined) {
          warnings.push(`${label}: a local path (${optString(entry, 'path', where)}); it cannot be checked by hash`);
        } else warnings.push(`${label}: no hashes (${listed ? '"hashes": []' : 'no "hashes" list'}); it cannot be checked`);
        continue;
      }
      const fileUrl = optString(entry, 'file', where);
      const markers = optString(entry, 'markers', where);
      hashes.forEach((h, j) => {
        if (typeof h !== 'string') throw new InputError(`${where}: hashes[${j}] must be a string`);
        const [alg, digest] = parseHash(h, ':', where);
        const f: LockedFile = { name, hashes: { [alg]: digest }, source: { path } };
        const line = lines.get(digest);
        if (line !== undefined) f.source.line = line;
        if (version !== undefined) f.version = version;
        if (fileUrl !== undefined) {
          f.url = fileUrl;
          const filename = lastPathSegment(fileUrl);
          if (filename !== undefined) f.filename = filename;
        }
        if (markers !== undefined) f.marker = markers;
        files.push(f);
      });
    }
  }
  return finishResult('pipfile', path, files, warnings, limits);
}
