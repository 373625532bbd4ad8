// What a lock file reader hands to `distsum verify`: the distribution files a lock pins, each
// with the hashes it pins them to, and the warnings about what it could not turn into such files.

/** The lock formats distsum reads. */
export type LockFormat = 'requirements' | 'pylock' | 'uv' | 'poetry' | 'pipfile' | 'pip-report';

/** Every LockFormat (for command-line choices and help text). */
export const LOCK_FORMATS: readonly LockFormat[] = ['pylock', 'uv', 'poetry', 'pipfile', 'pip-report', 'requirements'];

/**
 * Digests a lock pins for one file: algorithm name (lowercase; `blake2b_256` for BLAKE2b with a
 * 32-byte digest) to digest. Digests of known algorithms are lowercase hex of the algorithm's
 * length (sha256 64, md5 32, blake2b_256 64, sha1 40, sha224 56, sha384 96, sha512 128); digests
 * of other algorithms are kept as the lock wrote them.
 */
export interface LockedHashes {
  sha256?: string;
  blake2b_256?: string;
  md5?: string;
  [alg: string]: string | undefined;
}

/**
 * One distribution file a lock pins. Invariant: `hashes` has at least one entry; `name` is the
 * PEP 503 normalized project name. A requirements line with several `--hash` options gives one
 * LockedFile per hash (each hash pins a different file; which one is unknown until the hashes
 * are looked up).
 */
export interface LockedFile {
  /** PEP 503 normalized project name. */
  name: string;
  /** The version the lock pins, when it pins exactly one. */
  version?: string;
  /** The file's name, when the lock names it (directly or as the last segment of its URL). */
  filename?: string;
  /** Where the lock says the file is downloaded from. */
  url?: string;
  hashes: LockedHashes;
  /** Size in bytes, when the lock records it. */
  size?: number;
  /** The environment marker the lock attaches to the package, unevaluated. */
  marker?: string;
  /** The lock file (for requirements, the included file) and 1-based line the entry came from. */
  source: { path: string; line?: number };
}

/**
 * A lock file read into the files it pins. `files` holds no two equal entries (same name,
 * version, filename, url and hashes); `warnings` are one line each and name the file.
 */
export interface LockReadResult {
  format: LockFormat;
  files: LockedFile[];
  warnings: string[];
}
