// One project's files as the index describes them, from its simple page (what pip reads) and, where
// the index has one, its JSON API (versions, BLAKE2b-256, sizes): merged per file name, and
// cross-checked, including against the digest a content-addressed file URL encodes. A file whose
// sources disagree is set aside with the disagreement, never logged: the index contradicts itself.

import { distFilenameVersion, splitNameVersion } from '../dist/filename.ts';
import type { JsonApiProject } from '../index/jsonapi.ts';
import { checkUrlDigest, PYTHONHOSTED, type DigestUrlLayout } from '../index/pythonhosted.ts';
import type { SimpleProject } from '../index/simple.ts';
import { UNKNOWN_VERSION } from '../log/entry.ts';
import type { FileDigests } from './alerts.ts';

/** A file the index lists, with everything it says about it. Digests are lowercase hex. */
export interface ListedFile {
  filename: string;
  url: string;
  /** The release: from the JSON API, else parsed from the file name, else UNKNOWN_VERSION. */
  version: string;
  size?: number;
  sha256?: string;
  blake2b256?: string;
  /** PEP 700 / JSON API upload time (ISO 8601), when given. */
  uploadTime?: string;
}

/** Two descriptions of one file that disagree. */
export interface Disagreement {
  filename: string;
  version: string;
  against: 'url' | 'json-api' | 'url-filename';
  claimed: FileDigests;
  found: FileDigests & { filename?: string };
}

/** A project's files, those set aside, and where the description came from. */
export interface Listing {
  project: string;
  /** Consistent files in page order. */
  files: ListedFile[];
  disagreements: Disagreement[];
  /** The page URL (for alert details). */
  source: string;
}

/** True when the listing gives what a log entry needs (size and sha256) without a download. */
export function isComplete(f: ListedFile): f is ListedFile & { size: number; sha256: string } {
  return f.size !== undefined && f.sha256 !== undefined;
}

/**
 * The release a file name belongs to, for indexes that do not say: the version of a wheel or sdist
 * name, the second part of an egg name, else UNKNOWN_VERSION. Never throws.
 */
export function versionFromFilename(filename: string): string {
  const v = distFilenameVersion(filename);
  if (v !== undefined) return v;
  // legacy formats
  const lower = filename.toLowerCase();
  if (lower.endsWith('.egg')) {
    const parts = filename.slice(0, -4).split('-');
    if (parts.length >= 2 && /^[0-9][A-Za-z0-9._+!]*$/.test(parts[1])) return parts[1];
    return UNKNOWN_VERSION;
  }
  for (const ext of ['.tar.bz2', '.tar.xz', '.tgz', '.tbz', '.tar']) {
    if (!lower.endsWith(ext)) continue;
    const split = splitNameVersion(filename.slice(0, -ext.length));
    if (split && !/\s/.test(split[1])) return split[1];
  }
  return UNKNOWN_VERSION;
}

/**
 * Merges `page` with the JSON API document `json` (optional), checking each file's URL against
 * `layouts` (content-addressed hosts). Files only in the JSON API are ignored (pip reads the simple
 * page); where both give a value they must agree; a URL's digest must equal the claimed
 * BLAKE2b-256 (and stands in for it when none is claimed) and its last segment must be the file name.
 */
export function mergeListing(page: SimpleProject, pageUrl: string, json: JsonApiProject | undefined, layouts: readonly DigestUrlLayout[] = [PYTHONHOSTED]): Listing {
  const byName = json === undefined ? undefined : new Map(json.files.map((f) => [f.filename, f]));
  const files: ListedFile[] = [];
  const disagreements: Disagreement[] = [];
  for (const s of page.files) {
    const j = byName?.get(s.filename);
    const version = j?.version ?? versionFromFilename(s.filename);
    if (j !== undefined) {
      const simple: FileDigests = { size: s.size, sha256: s.hashes.sha256, blake2b_256: s.hashes.blake2b_256 };
      const other: FileDigests = { size: j.size, sha256: j.digests.sha256, blake2b_256: j.digests.blake2b_256 };
      if (conflict(simple, other)) {
        disagreements.push({ filename: s.filename, version, against: 'json-api', claimed: simple, found: other });
        continue;
      }
    }
    const size = s.size ?? j?.size;
    const sha256 = s.hashes.sha256 ?? j?.digests.sha256;
    let blake2b256 = s.hashes.blake2b_256 ?? j?.digests.blake2b_256;
    const uploadTime = s.uploadTime ?? j?.uploadTime;
    const u = checkUrlDigest(s.url, { filename: s.filename, blake2b_256: blake2b256 }, layouts);
    if (u.kind === 'filename-mismatch') {
      disagreements.push({ filename: s.filename, version, against: 'url-filename', claimed: { size, sha256, blake2b_256: blake2b256 }, found: { filename: u.urlFilename } });
      continue;
    }
    if (u.kind === 'digest-mismatch') {
      disagreements.push({ filename: s.filename, version, against: 'url', claimed: { size, sha256, blake2b_256: blake2b256 }, found: { blake2b_256: u.urlDigest } });
      continue;
    }
    if (u.kind === 'unclaimed') blake2b256 = u.blake2b256;
    files.push(listedFile(s.filename, s.url, version, size, sha256, blake2b256, uploadTime));
  }
  return { project: page.normalizedName, files, disagreements, source: pageUrl };
}

// A ListedFile with the given values, leaving out those that are undefined. Built whole where the
// index gives everything (PyPI's JSON pages): each property added later costs another object.
function listedFile(filename: string, url: string, version: string, size?: number, sha256?: string, blake2b256?: string, uploadTime?: string): ListedFile {
  if (size !== undefined && sha256 !== undefined && blake2b256 !== undefined && uploadTime !== undefined) return { filename, url, version, size, sha256, blake2b256, uploadTime };
  const f: ListedFile = { filename, url, version };
  if (size !== undefined) f.size = size;
  if (sha256 !== undefined) f.sha256 = sha256;
  if (blake2b256 !== undefined) f.blake2b256 = blake2b256;
  if (uploadTime !== undefined) f.uploadTime = uploadTime;
  return f;
}

// Two descriptions conflict when a value both give differs.
function conflict(a: FileDigests, b: FileDigests): boolean {
  return (
    (a.size !== undefined && b.size !== undefined && a.size !== b.size) ||
    (a.sha256 !== undefined && b.sha256 !== undefined && a.sha256 !== b.sha256) ||
    (a.blake2b_256 !== undefined && b.blake2b_256 !== undefined && a.blake2b_256 !== b.blake2b_256)
  );
}
