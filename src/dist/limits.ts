// Bounds on the work and memory spent reading a distribution archive. Distribution files are
// untrusted input (downloaded, or handed to us to upload): each bound turns a hostile archive
// into a prompt InputError instead of a hang or an out-of-memory crash.

/** Bounds for reading the metadata out of an archive. */
export interface ArchiveLimits {
  /** Members (zip central directory entries, tar headers) an archive may have. */
  maxEntries: number;
  /** Largest metadata member (METADATA / PKG-INFO) read into memory. */
  maxMetadataBytes: number;
  /** Decompressed bytes of a .tar.gz scanned in all. */
  maxScanBytes: number;
  /** Largest decompressed/compressed ratio of a .tar.gz, checked once `ratioAfterBytes` are out. */
  maxRatio: number;
  ratioAfterBytes: number;
  /** Largest tar metadata record (pax header, GNU long name). */
  maxTarMetaBytes: number;
}

/**
 * Defaults sized for real distributions: the largest wheels on PyPI have tens of thousands of
 * members, source text compresses 3-10x, and metadata is kilobytes.
 */
export const DEFAULT_LIMITS: ArchiveLimits = {
  maxEntries: 250_000,
  maxMetadataBytes: 16 << 20,
  maxScanBytes: 4 * 2 ** 30,
  maxRatio: 100,
  ratioAfterBytes: 16 << 20,
  maxTarMetaBytes: 1 << 20,
};
