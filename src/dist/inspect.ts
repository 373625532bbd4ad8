// What a distribution file is: its file name and metadata, checked against each other; and
// which files on the command line are distributions.

import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { fileReadError } from '../digest/file.ts';
import { isDistFilename, parseDistFilename, type DistFilename } from './filename.ts';
import { normalizeProjectName } from './name.ts';
import { versionsEqual } from './version.ts';
import { parseCoreMetadata, type CoreMetadata } from './metadata.ts';
import { readDistMetadata } from './archive.ts';
import { DEFAULT_LIMITS, type ArchiveLimits } from './limits.ts';

/** A distribution file whose name and metadata agree. */
export interface DistInfo {
  path: string;
  filename: string;
  kind: 'wheel' | 'sdist';
  /** Name and version as the metadata gives them. */
  name: string;
  version: string;
  /** PEP 503 normalized name. */
  normalizedName: string;
  metadata: CoreMetadata;
  /** The parsed file name; for a legacy sdist, split where the metadata says the name ends. */
  file: DistFilename;
}

/**
 * Reads and checks the distribution at `path`: parses its file name, reads only its metadata
 * member, and requires the name (PEP 503 normalized) and version (PEP 440 equal, wheel
 * escaping allowed) in the file name to match the metadata. Throws InputError naming the file
 * (and both values on a mismatch) when anything disagrees or the archive is hostile.
 */
export async function inspectDist(path: string, opts: { limits?: Partial<ArchiveLimits> } = {}): Promise<DistInfo> {
  const filename = basename(path);
  let file = parseDistFilename(filename);
  const member = await readDistMetadata(path, file, { ...DEFAULT_LIMITS, ...opts.limits });
  const metadata = parseCoreMetadata(member.bytes, `${path} (${member.name})`);
  const agrees = (f: DistFilename) =>
    normalizeProjectName(metadata.name) === f.normalizedName && versionsEqual(metadata.version, f.version);
  if (!agrees(file)) {
    // A legacy sdist name with dashes can be split more than one way; the metadata says which.
    const alt = file.kind === 'sdist' ? resplitSdist(file, metadata) : undefined;
    if (!alt) {
      throw new InputError(
        `${path}: the file name says ${file.name} ${file.version} but its metadata says ${metadata.name} ${metadata.version}`,
      );
    }
    file = alt;
  }
  if (file.kind === 'wheel') {
    const dir = member.name.split('/')[0];
    const dirName = dir.slice(0, dir.indexOf('-') === -1 ? dir.length - '.dist-info'.length : dir.indexOf('-'));
    if (normalizeProjectName(dirName) !== file.normalizedName) {
      throw new InputError(`${path}: its metadata directory ${dir} does not belong to ${file.name}`);
    }
  }
  return {
    path,
    filename,
    kind: file.kind,
    name: metadata.name,
    version: metadata.version,
    normalizedName: normalizeProjectName(metadata.name),
    metadata,
    file,
  };
}

function resplitSdist(file: DistFilename, metadata: CoreMetadata): DistFilename | undefined {
  const stem = file.filename.slice(0, -file.extension.length);
  const want = normalizeProjectName(metadata.name);
  for (let i = stem.indexOf('-'); i !== -1; i = stem.indexOf('-', i + 1)) {
    const name = stem.slice(0, i);
    const version = stem.slice(i + 1);
    if (normalizeProjectName(name) === want && versionsEqual(version, metadata.version)) {
      return { ...file, name, normalizedName: want, version };
    }
  }
  return undefined;
}

// Files that sit next to distributions in dist/ directories and are not distributions.
const COMPANION = /\.(asc|sig|attestation|hashes\.txt)$/;

/**
 * Expands command-line `paths` into distribution files: a directory contributes the
 * distribution files directly in it (not recursive; sorted by name; dotfiles, signatures,
 * attestations, manifests and other files skipped), a file is kept as given. Order follows the
 * arguments; a file named twice is listed once. Throws UsageError for a missing path, an
 * explicit file that is not a distribution, or a directory without any.
 */
export async function findDistFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const key = resolve(p);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  };
  for (const p of paths) {
    let s;
    try {
      s = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`${p}: no such file or directory`);
      throw fileReadError(p, e);
    }
    if (s.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.') && !COMPANION.test(n) && isDistFilename(n)).sort(byCodeUnit);
      let found = 0;
      for (const n of names) {
        const full = join(p, n);
        if ((await stat(full).catch(() => undefined))?.isFile()) {
          add(full);
          found++;
        }
      }
      if (found === 0) throw new UsageError(`${p}: no distribution files (.whl, .tar.gz, .zip) in this directory`);
    } else {
      try {
        parseDistFilename(basename(p));
      } catch (e) {
        throw new UsageError(`${p}: ${(e as Error).message}`);
      }
      add(p);
    }
  }
  return out;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
