// pip's installation report (`pip install --dry-run --ignore-installed --report out.json`,
// format version "1"): `install[]` items with `metadata.name`/`version` and a PEP 610
// `download_info` (url plus archive_info, vcs_info or dir_info).

import { InputError } from '../../errors.ts';
import { describe, field, isTable, optArray, optString, optTable } from './fields.ts';
import { addHash, hashesFromTable, parseHash } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { hexLineIndex, lineOfDigests } from './lines.ts';
import { parseJsonLock } from './parse.ts';
import { finishResult, lockedName, packageLabel } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';
import { lastPathSegment } from './url.ts';

/**
 * Reads a pip installation report of version "1" (pip says readers must check it; another
 * version is refused). Each archive with a digest (`archive_info.hashes`, or the legacy
 * `archive_info.hash` "<alg>=<hex>"; both must agree) is one LockedFile with the URL and its last
 * segment as filename. VCS and local directory items, and archives without a digest, are
 * warnings. InputError naming `path` for anything that is not such a report.
 */
export function parsePipReport(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const doc = parseJsonLock(text, path);
  const version = field(doc, 'version');
  if (version === undefined) throw new InputError(`${path}: no "version"; not a pip installation report`);
  if (version !== '1') throw new InputError(`${path}: pip report version ${describe(version)} is not supported (distsum reads "1")`);
  const install = optArray(doc, 'install', path);
  if (install === undefined) throw new InputError(`${path}: no "install" array; not a pip installation report`);
  const lines = hexLineIndex(text);
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  install.forEach((item, i) => {
    const at = `${path}: install[${i}]`;
    if (!isTable(item)) throw new InputError(`${at} must be an object`);
    const metadata = optTable(item, 'metadata', at);
    const rawName = metadata === undefined ? undefined : optString(metadata, 'name', at);
    if (rawName === undefined) throw new InputError(`${at}: no metadata.name`);
    const name = lockedName(rawName, at);
    const version = optString(metadata!, 'version', at);
    const where = packageLabel(path, name, version);
    const info = optTable(item, 'download_info', where);
    if (info === undefined) throw new InputError(`${where}: no download_info`);
    const url = optString(info, 'url', where);
    if (url === undefined) throw new InputError(`${where}: no download_info.url`);
    if (optTable(info, 'vcs_info', where) !== undefined) {
      warnings.push(`${where}: from version control (${url}); it cannot be checked by hash`);
      return;
    }
    if (optTable(info, 'dir_info', where) !== undefined) {
      warnings.push(`${where}: a local directory (${url}); it cannot be checked by hash`);
      return;
    }
    const archive = optTable(info, 'archive_info', where);
    const hashes = hashesFromTable(archive === undefined ? undefined : optTable(archive, 'hashes', where), where);
    const legacy = archive === undefined ? undefined : optString(archive, 'hash', where);
    if (legacy !== undefined) addHash(hashes, parseHash(legacy, '=', where), where);
    if (Object.keys(hashes).length === 0) {
      warnings.push(`${where}: no digest for ${url}; it cannot be checked`);
      return;
    }
    const f: LockedFile = { name, hashes, url, source: { path } };
    const line = lineOfDigests(lines, Object.values(hashes));
    if (line !== undefined) f.source.line = line;
    if (version !== undefined) f.version = version;
    const filename = lastPathSegment(url);
    if (filename !== undefined) f.filename = filename;
    files.push(f);
  });
  return finishResult('pip-report', path, files, warnings, limits);
}
