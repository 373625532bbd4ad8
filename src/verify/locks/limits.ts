// Bounds on reading a lock file. Lock files come from repositories and pull requests: untrusted
// input. Each bound turns a hostile file into a prompt InputError instead of a hang or an
// out-of-memory crash; the defaults are far above what real lock files need.

import { InputError } from '../../errors.ts';

/** Bounds for reading one lock file (and, for requirements, the files it includes). */
export interface LockLimits {
  /** Largest lock file read, in bytes (for requirements: each file, includes counted apart). */
  maxBytes: number;
  /** Most LockedFiles one lock may yield. */
  maxFiles: number;
  /** Most warnings kept; the rest are counted in one last warning. */
  maxWarnings: number;
  /** Deepest chain of `-r`/`-c` includes below the top requirements file. */
  maxIncludeDepth: number;
  /** Most requirements files read for one top file, itself included. */
  maxIncludedFiles: number;
}

/**
 * Defaults: real lock files are at most a few MiB (poetry's own poetry.lock is 200 KiB with 1,100
 * hashes); include chains are a few files deep.
 */
export const DEFAULT_LOCK_LIMITS: LockLimits = {
  maxBytes: 32 << 20,
  maxFiles: 250_000,
  maxWarnings: 1000,
  maxIncludeDepth: 16,
  maxIncludedFiles: 256,
};

/**
 * Refuses (InputError naming `path`) text longer than `limits.maxBytes` UTF-16 code units, for
 * text that did not come through the bounded file reader (an injected reader, a caller's string).
 */
export function checkTextSize(text: string, path: string, limits: LockLimits): void {
  if (text.length > limits.maxBytes) throw new InputError(`${path}: larger than ${limits.maxBytes} bytes; refused`);
}
