// A small file cache under $XDG_CACHE_HOME/distsum: immutable things fetched once and reused
// (full tiles, partial tiles of a given width, verified lookup proofs, release manifests). It is a
// cache: anything read from it is verified again before use, a failed write is ignored, and
// deleting it loses nothing but time.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Read and write access to one cache directory, by relative path. */
export interface DiskCache {
  /** The bytes at `rel`, or undefined when absent, unreadable or larger than `maxBytes`. */
  read(rel: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** Stores `data` at `rel` atomically; failures are ignored (the cache is an optimization). */
  write(rel: string, data: Uint8Array): Promise<void>;
}

// Relative paths are built by distsum (tile paths, hex names), never from input; checked anyway.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** True when `rel` is a plain relative path of safe segments (no '..', no absolute path). */
export function isCachePath(rel: string): boolean {
  const parts = rel.split('/');
  return parts.length > 0 && parts.length <= 16 && parts.every((p) => SEGMENT.test(p) && p !== '..' && !p.endsWith('.'));
}

/**
 * A cache rooted at `root`; with `root` undefined, a cache that holds nothing. Entries are small
 * (tiles, proofs) and a run touches thousands of them, so I/O is synchronous (a few syscalls each,
 * no thread-pool round trips) and writes are atomic (temporary file + rename) but not fsynced:
 * after a crash an entry is absent or whole, and everything read is verified anyway.
 */
export function diskCache(root: string | undefined): DiskCache {
  if (root === undefined) return { read: async () => undefined, write: async () => {} };
  const made = new Set<string>();
  return {
    async read(rel, maxBytes) {
      if (!isCachePath(rel)) return undefined;
      let fd: number | undefined;
      try {
        fd = openSync(join(root, rel), 'r');
        const s = fstatSync(fd);
        if (!s.isFile() || s.size > maxBytes) return undefined;
        const buf = new Uint8Array(s.size);
        let n = 0;
        while (n < buf.length) {
          const got = readSync(fd, buf, n, buf.length - n, n);
          if (got === 0) return undefined; // shrank while read: treat as absent
          n += got;
        }
        return buf;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    async write(rel, data) {
      if (!isCachePath(rel)) return;
      const path = join(root, rel);
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        const dir = dirname(path);
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          made.add(dir);
        }
        writeFileSync(tmp, data, { mode: 0o644 });
        renameSync(tmp, path);
      } catch {
        // A full disk or a read-only cache only costs a fetch next time.
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing more to do
        }
      }
    },
  };
}

/** Lowercase hex SHA-256 of a string: a fixed-length, path-safe cache name for arbitrary text. */
export function cacheName(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * The directory name for one log under the cache and state directories: the origin made path-safe
 * (at most 64 characters) and 16 hex digits of SHA-256 of the verifier key, so two logs (or one
 * origin under two keys) never share files.
 */
export function logDirName(origin: string, verifierKey: string): string {
  const safe = origin.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '_').slice(0, 64) || '_';
  return `${safe}-${cacheName(verifierKey).slice(0, 16)}`;
}
