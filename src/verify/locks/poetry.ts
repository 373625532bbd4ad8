// poetry.lock: `[[package]]` entries; lock-version 2.x lists each package's files inside it
// (`files = [{file, hash}]`), 1.1 lists them under `[metadata.files]` keyed by project name, and
// 1.0 lists bare sha256 digests under `[metadata.hashes]`.

import { InputError } from '../../errors.ts';
import { parseDistFilename, versionsEqual } from '../../dist/filename.ts';
import { field, isTable, optArray, optString, optTable, quote } from './fields.ts';
import { checkHash, parseHash } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { hexLineIndex, lineOfDigests } from './lines.ts';
import { parseTomlLock } from './parse.ts';
import { finishResult, lockedName, packageLabel } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';
import { lastPathSegment } from './url.ts';

interface PoetryPackage {
  name: string;
  version?: string;
  marker?: string;
  where: string;
  source?: { type?: string; url?: string };
  /** Files listed in the package itself (lock-version 2.x); undefined when it has no `files`. */
  files?: unknown[];
}

/**
 * Reads a poetry.lock of lock-version 1.x or 2.x (another major version is refused). Each file
 * entry with a hash is one LockedFile: name, version and `markers` (when a string) from its
 * package, filename from `file`. In 1.1 files are matched to the package of the same name, and
 * where a name has several versions, to the version in the file name. Packages from git or a
 * local directory, and packages without hashed files, are warnings. InputError naming `path`
 * for anything that is not such a file.
 */
export function parsePoetryLock(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const doc = parseTomlLock(text, path);
  const metadata = optTable(doc, 'metadata', path);
  if (metadata === undefined) throw new InputError(`${path}: no [metadata] table; not a poetry.lock file`);
  const lockVersion = optString(metadata, 'lock-version', `${path}: [metadata]`);
  if (lockVersion !== undefined && !/^[12](\.\d+)?$/.test(lockVersion)) {
    throw new InputError(`${path}: lock-version ${quote(lockVersion)} is not supported (distsum reads 1.x and 2.x)`);
  }
  const lines = hexLineIndex(text);
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  const packages = (optArray(doc, 'package', path) ?? []).map((p, i) => poetryPackage(p, i, path));
  const byName = new Map<string, PoetryPackage[]>();
  for (const p of packages) {
    const same = byName.get(p.name);
    if (same) same.push(p);
    else byName.set(p.name, [p]);
  }
  // Packages that got at least one file; the others are warned about.
  const counted = new Set<PoetryPackage>();
  const add = (pkg: PoetryPackage | undefined, name: string, f: Omit<LockedFile, 'name' | 'source'>) => {
    const out: LockedFile = { name, ...f, source: { path } };
    const line = lineOfDigests(lines, Object.values(out.hashes));
    if (line !== undefined) out.source.line = line;
    if (pkg) {
      if (pkg.version !== undefined) out.version = pkg.version;
      if (pkg.marker !== undefined) out.marker = pkg.marker;
      // A `url` source names one file; its entry gets that URL.
      const src = pkg.source;
      if (src?.type === 'url' && src.url !== undefined && lastPathSegment(src.url) === out.filename) out.url = src.url;
      counted.add(pkg);
    }
    files.push(out);
  };

  // lock-version 2.x: files inside each package.
  for (const pkg of packages) {
    (pkg.files ?? []).forEach((e, j) => {
      const f = fileEntry(e, `${pkg.where}: files[${j}]`, warnings);
      if (f) add(pkg, pkg.name, f);
    });
  }
  // lock-version 1.1: [metadata.files], keyed by project name.
  const metaFiles = optTable(metadata, 'files', `${path}: [metadata]`);
  for (const key of Object.keys(metaFiles ?? {})) {
    const where = `${path}: [metadata.files] ${quote(key)}`;
    const name = lockedName(key, where);
    const entries = field(metaFiles!, key);
    if (!Array.isArray(entries)) throw new InputError(`${where}: must be an array`);
    entries.forEach((e, j) => {
      const f = fileEntry(e, `${where}[${j}]`, warnings);
      if (f) add(packageOf(byName.get(name) ?? [], f.filename), name, f);
    });
  }
  // lock-version 1.0: [metadata.hashes], bare sha256 digests keyed by project name.
  const metaHashes = optTable(metadata, 'hashes', `${path}: [metadata]`);
  for (const key of Object.keys(metaHashes ?? {})) {
    const where = `${path}: [metadata.hashes] ${quote(key)}`;
    const name = lockedName(key, where);
    const digests = field(metaHashes!, key);
    if (!Array.isArray(digests)) throw new InputError(`${where}: must be an array`);
    const pkgs = byName.get(name) ?? [];
    for (const d of digests) {
      if (typeof d !== 'string') throw new InputError(`${where}: digests must be strings`);
      const [alg, digest] = d.includes(':') ? parseHash(d, ':', where) : checkHash('sha256', d, where);
      add(pkgs.length === 1 ? pkgs[0] : undefined, name, { hashes: { [alg]: digest } });
    }
  }

  for (const pkg of packages) {
    if (counted.has(pkg)) continue;
    const t = pkg.source?.type;
    if (t === 'git' || t === 'directory') {
      const kind = t === 'git' ? 'from git' : 'a local directory';
      warnings.push(`${pkg.where}: ${kind}${pkg.source?.url ? ` (${pkg.source.url})` : ''}; it cannot be checked by hash`);
    } else warnings.push(`${pkg.where}: no hashed files; it cannot be checked`);
  }
  return finishResult('poetry', path, files, warnings, limits);
}

function poetryPackage(p: unknown, i: number, path: string): PoetryPackage {
  if (!isTable(p)) throw new InputError(`${path}: package[${i}] must be a table`);
  const rawName = optString(p, 'name', `${path}: package[${i}]`);
  if (rawName === undefined) throw new InputError(`${path}: package[${i}] has no name`);
  const name = lockedName(rawName, `${path}: package[${i}]`);
  const version = optString(p, 'version', `${path}: ${name}`);
  const where = packageLabel(path, name, version);
  const out: PoetryPackage = { name, where };
  if (version !== undefined) out.version = version;
  // `markers` is a string, or (2.1) a table of markers per dependency group, kept only as a string.
  const markers = field(p, 'markers');
  if (typeof markers === 'string') out.marker = markers;
  const source = optTable(p, 'source', where);
  if (source !== undefined) out.source = { type: optString(source, 'type', where), url: optString(source, 'url', where) };
  const files = optArray(p, 'files', where);
  if (files !== undefined) out.files = files;
  return out;
}

// One `{file = "<name>", hash = "<alg>:<hex>"}` entry; undefined (and a warning) without a hash.
function fileEntry(e: unknown, where: string, warnings: string[]): Omit<LockedFile, 'name' | 'source'> | undefined {
  if (!isTable(e)) throw new InputError(`${where}: must be a table {file, hash}`);
  const file = optString(e, 'file', where);
  const hash = optString(e, 'hash', where);
  if (hash === undefined || hash === '') {
    warnings.push(`${where}${file ? ` (${file})` : ''}: no hash; it cannot be checked`);
    return undefined;
  }
  const [alg, digest] = parseHash(hash, ':', where);
  const out: Omit<LockedFile, 'name' | 'source'> = { hashes: { [alg]: digest } };
  if (file !== undefined) out.filename = file;
  return out;
}

// The package a [metadata.files] entry belongs to: the only one of its name, or the one whose
// version the file name carries.
function packageOf(candidates: PoetryPackage[], filename: string | undefined): PoetryPackage | undefined {
  if (candidates.length <= 1) return candidates[0];
  if (filename === undefined) return undefined;
  let fileVersion: string;
  try {
    fileVersion = parseDistFilename(filename).version;
  } catch {
    return undefined;
  }
  return candidates.find((p) => p.version !== undefined && versionsEqual(p.version, fileVersion));
}

