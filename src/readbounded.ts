// Reading a small file that came from outside (a manifest, a key, a config file, a signature):
// never more than a cap into memory, whatever the file's size says or becomes while it is read.

import { open } from 'node:fs/promises';
import { UsageError } from './errors.ts';

/** How readBounded words and types its errors. */
export interface BoundedReadOptions {
  /** What the file is, for messages ("manifest", "key file"). */
  what: string;
  /**
   * The error for a file larger than `max` bytes; default a UsageError
   * "<what> <path> is larger than <max> bytes".
   */
  tooLarge?: (path: string, max: number) => Error;
}

/**
 * The bytes of `path`, at most `max` of them, or undefined when it does not exist. Reads at most
 * max + 1 bytes: a larger file (or one that grows while read) throws `opts.tooLarge`. A directory or
 * an unreadable file throws UsageError "cannot read <what> <path>: <code>".
 */
export async function readBounded(path: string, max: number, opts: BoundedReadOptions): Promise<Uint8Array | undefined> {
  const cannot = (e: unknown) =>
    new UsageError(`cannot read ${opts.what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cannot(e);
  }
  try {
    const buf = Buffer.alloc(Math.min(max + 1, 1 << 16));
    let data = buf;
    let n = 0;
    for (;;) {
      if (n === data.length) {
        const grown = Buffer.alloc(Math.min(max + 1, data.length * 4));
        data.copy(grown, 0, 0, n);
        data = grown;
      }
      let got: number;
      try {
        got = (await fh.read(data, n, data.length - n, null)).bytesRead;
      } catch (e) {
        throw cannot(e);
      }
      if (got === 0) break;
      n += got;
      if (n > max) throw opts.tooLarge?.(path, max) ?? new UsageError(`${opts.what} ${path} is larger than ${max} bytes`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, n);
  } finally {
    await fh.close();
  }
}

/** readBounded for a file that must exist: a missing one is UsageError "<what> <path> does not exist". */
export async function readRequired(path: string, max: number, opts: BoundedReadOptions): Promise<Uint8Array> {
  const data = await readBounded(path, max, opts);
  if (data === undefined) throw new UsageError(`${opts.what} ${path} does not exist`);
  return data;
}
