// Project names: PEP 503 normalization and the PEP 625 spelling used in file names.

/** PEP 503 normalized name: lowercase, each run of `-`, `_`, `.` replaced by one `-`. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The name as it appears in PEP 625 source distribution and wheel file names (and in release
 * manifest names): the PEP 503 normalized name with `_` in place of `-`.
 */
export function manifestName(name: string): string {
  return normalizeProjectName(name).replace(/-/g, '_');
}
