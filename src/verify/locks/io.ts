// Reading lock files from disk: bounded in size, decoded as pip decodes requirements files
// (UTF-8, or UTF-16 with a byte order mark as Windows shells write `pip freeze > file`).

import { open } from 'node:fs/promises';
import { InputError, errorMessage } from '../../errors.ts';

/**
 * Decodes lock file bytes: a UTF-16 LE/BE byte order mark selects UTF-16, anything else must be
 * UTF-8 (a leading BOM is dropped). InputError naming `path` for bytes that do not decode.
 */
export function decodeLockText(bytes: Uint8Array, path: string): string {
  let encoding = 'utf-8';
  let start = 0;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, start] = ['utf-16le', 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, start] = ['utf-16be', 2];
  else if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch (err) {
    throw new InputError(`${path}: not ${encoding.toUpperCase()} text`, { cause: err });
  }
}

/**
 * Reads and decodes the file at `path`, refusing (InputError) one larger than `maxBytes` before
 * reading it, and a file that cannot be opened or read (the message names the file and the
 * reason).
 */
export async function readLockText(path: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new InputError(`${path} is not a regular file`);
    if (st.size > maxBytes) throw new InputError(`${path} is ${st.size} bytes; lock files larger than ${maxBytes} bytes are refused`);
    // One byte more than stat said: a file that grew since is caught, not silently cut.
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) break;
    }
    if (n > st.size) throw new InputError(`${path} changed while it was read; try again`);
    return decodeLockText(buf.subarray(0, n), path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${path}: ${errorMessage(err)}`, { cause: err });
  } finally {
    await handle.close();
  }
}
