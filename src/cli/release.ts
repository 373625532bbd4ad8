// The publisher's summary shared by `distsum hash` and `distsum upload`: the table of digests and the
// release manifests (one per project and version), optionally signed.

import { dirname, join, resolve } from 'node:path';
import { mkdir, rename, writeFile, unlink } from 'node:fs/promises';
import type { Digests } from '../digest/index.ts';
import { formatManifest, manifestFileName } from '../manifest/manifest.ts';
import { UsageError } from '../errors.ts';
import { renderTable, safeText } from './format.ts';

/** One distribution file with what we know of it. */
export interface HashedFile {
  path: string;
  filename: string;
  /** Project name as its metadata writes it. */
  project: string;
  normalizedName: string;
  version: string;
  digests: Digests;
}

/** Where a manifest went, and its signature if one was made. */
export interface WrittenManifest {
  path: string;
  project: string;
  version: string;
  files: string[];
  signature?: string;
}

/** Options for `writeManifests`. */
export interface ManifestOptions {
  /** Exact output path; only valid when all files belong to one project and version. */
  manifest?: string;
  /** Directory for all manifests; allows several projects in one run. */
  manifestDir?: string;
  md5?: boolean;
  created: Date;
  /** Signs each written manifest; returns the signature path. */
  sign?: (manifestPath: string, bytes: Uint8Array) => Promise<string>;
}

/** Groups files by (normalized project, version), preserving first-seen order. */
export function groupReleases(files: HashedFile[]): HashedFile[][] {
  const groups = new Map<string, HashedFile[]>();
  for (const f of files) {
    const key = `${f.normalizedName}\0${f.version}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()];
}

/**
 * Writes one release manifest per (project, version). Several projects need `manifestDir` (a manifest next
 * to the files could then not be told apart from the release it describes); `manifest` needs exactly one
 * release. Files are written atomically (temp file + rename) so a reader never sees half a manifest.
 */
export async function writeManifests(files: HashedFile[], opts: ManifestOptions): Promise<WrittenManifest[]> {
  const groups = groupReleases(files);
  if (groups.length === 0) return [];
  const projects = new Set(files.map((f) => f.normalizedName));
  if (opts.manifest && groups.length > 1) {
    throw new UsageError(`--manifest names one file, but the files belong to ${groups.length} releases; use --manifest-dir`);
  }
  if (projects.size > 1 && !opts.manifestDir && !opts.manifest) {
    throw new UsageError(
      `the files belong to ${projects.size} projects (${[...projects].sort().join(', ')}); hash one project at a time or give --manifest-dir`,
    );
  }
  if (opts.manifestDir) {
    await mkdir(resolve(opts.manifestDir), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot create --manifest-dir ${opts.manifestDir}: ${e.code ?? e.message}`);
    });
  }
  const written: WrittenManifest[] = [];
  for (const group of groups) {
    const first = group[0];
    const name = manifestFileName(first.project, first.version);
    const path = opts.manifest
      ? resolve(opts.manifest)
      : join(opts.manifestDir ? resolve(opts.manifestDir) : dirname(resolve(first.path)), name);
    const text = formatManifest({
      project: first.project,
      version: first.version,
      created: opts.created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      files: group.map((f) => ({
        filename: f.filename,
        size: f.digests.size,
        sha256: f.digests.sha256,
        blake2b_256: f.digests.blake2b_256,
        md5: opts.md5 ? f.digests.md5 : undefined,
      })),
    });
    await writeFileAtomic(path, text);
    const entry: WrittenManifest = { path, project: first.project, version: first.version, files: group.map((f) => f.filename) };
    if (opts.sign) entry.signature = await opts.sign(path, Buffer.from(text, 'utf8'));
    written.push(entry);
  }
  return written;
}

/** Writes `data` to `path` through a temporary file in the same directory and a rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${path}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

/** The digest table: file, size, sha256, blake2b-256 (and md5 when asked). */
export function hashTable(files: HashedFile[], opts: { md5?: boolean } = {}): string {
  const headers = ['FILE', 'SIZE', 'SHA256', 'BLAKE2B-256', ...(opts.md5 ? ['MD5'] : [])];
  const rows = files.map((f) => [
    safeText(f.filename),
    String(f.digests.size),
    f.digests.sha256,
    f.digests.blake2b_256,
    ...(opts.md5 ? [f.digests.md5 ?? ''] : []),
  ]);
  return renderTable(headers, rows);
}

/** The JSON shape of hashed files, shared by `hash --json` and `upload --json` (stable field names). */
export function filesJson(files: HashedFile[]) {
  return files.map((f) => ({
    filename: f.filename,
    path: f.path,
    project: f.project,
    normalized_name: f.normalizedName,
    version: f.version,
    size: f.digests.size,
    sha256: f.digests.sha256,
    blake2b_256: f.digests.blake2b_256,
    ...(f.digests.md5 ? { md5: f.digests.md5 } : {}),
  }));
}
