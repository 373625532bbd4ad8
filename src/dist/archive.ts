// Where a distribution keeps its core metadata, and reading just that member: a wheel's
// `<name>-<version>.dist-info/METADATA`, an sdist's `<name>-<version>/PKG-INFO`.

import { DEFAULT_LIMITS, type ArchiveLimits } from './limits.ts';
import type { DistFilename } from './filename.ts';
import { readZipMember, type ArchiveMember } from './zip.ts';
import { readTarGzMember } from './tar.ts';

/** Whether archive path components name a wheel's metadata file (`*.dist-info/METADATA` at the top). */
export function isWheelMetadataPath(parts: readonly string[]): boolean {
  return parts.length === 2 && parts[0].endsWith('.dist-info') && parts[1] === 'METADATA';
}

/** Whether archive path components name an sdist's metadata file (`<top>/PKG-INFO`, depth one). */
export function isSdistMetadataPath(parts: readonly string[]): boolean {
  return parts.length === 2 && parts[1] === 'PKG-INFO';
}

/**
 * Reads the core metadata member of the distribution at `path`, whose parsed file name is
 * `file` (it picks the archive format). Never extracts; rejects hostile or malformed archives
 * with InputError (see readZipMember, readTarGzMember), unreadable files with UsageError.
 */
export async function readDistMetadata(
  path: string,
  file: DistFilename,
  limits: ArchiveLimits = DEFAULT_LIMITS,
): Promise<ArchiveMember> {
  if (file.extension === '.whl') return readZipMember(path, isWheelMetadataPath, '.dist-info/METADATA', limits);
  if (file.extension === '.zip') return readZipMember(path, isSdistMetadataPath, 'PKG-INFO', limits);
  return readTarGzMember(path, isSdistMetadataPath, 'PKG-INFO', limits);
}
