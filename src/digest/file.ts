// Streaming digests of one file on the calling thread, with a fixed-size buffer (memory does not
// grow with the file) and a check that the file did not change while it was read.

import { open } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { InputError, UsageError } from '../errors.ts';
import { createMultiDigest, type Digests, type DigestOptions } from './multi.ts';

/** Bytes read per system call: large reads amortise per-call costs (measured: 1 MiB is best). */
export const READ_CHUNK = 1 << 20;

/** Options for hashing one file. */
export interface DigestFileOptions extends DigestOptions {
  /** Called after each chunk with the number of bytes just hashed (they sum to the file size). */
  onBytes?: (n: number) => void;
  /** Aborts the read between chunks; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Digests of the bytes of the file at `path`, read front to back with one reused buffer.
 * Rejects with UsageError when the file cannot be opened or read, and InputError when a regular
 * file's size or modification time changed during the read (the digests would describe no
 * version of the file).
 */
export async function digestFile(path: string, opts: DigestFileOptions = {}): Promise<Digests> {
  opts.signal?.throwIfAborted();
  const md = await createMultiDigest(opts);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fileReadError(path, e);
  }
  try {
    const before = await fh.stat({ bigint: true });
    if (before.isDirectory()) throw new UsageError(`cannot read ${path}: is a directory, not a file`);
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      opts.signal?.throwIfAborted();
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (e) {
        throw fileReadError(path, e);
      }
      if (n === 0) break;
      md.update(buf.subarray(0, n));
      opts.onBytes?.(n);
    }
    const out = md.digest();
    checkUnchanged(path, before, await fh.stat({ bigint: true }), out.size);
    return out;
  } finally {
    await fh.close();
  }
}

/**
 * Throws InputError unless a regular file kept its size and mtime while `bytesRead` bytes were
 * read from it. Pipes and devices have no meaningful size, so they pass.
 */
export function checkUnchanged(path: string, before: BigIntStats, after: BigIntStats, bytesRead: number): void {
  if (!before.isFile()) return;
  if (
    before.size !== after.size ||
    before.mtimeNs !== after.mtimeNs ||
    before.ino !== after.ino ||
    BigInt(bytesRead) !== before.size
  ) {
    throw new InputError(`${path} changed while it was being hashed; hash it again once nothing is writing to it`);
  }
}

/** Maps an fs error for `path` to a one-line UsageError a user can act on. */
export function fileReadError(path: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT' ? 'no such file' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
    code === 'EISDIR' ? 'is a directory, not a file' :
    code === 'ELOOP' ? 'too many symbolic links' :
    code ?? (e instanceof Error ? e.message : String(e));
  return new UsageError(`cannot read ${path}: ${why}`, { cause: e });
}
