// Writing a file so that readers see either the old content or the new, never a torn mix, even when
// several distsum processes write at once or the machine stops mid-write: a temporary file in the
// same directory, fsync, rename over the target, fsync the directory.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` atomically (creating missing parent directories with mode 0700).
 * The file gets `mode` (default 0644). On failure the target is untouched and the temporary file
 * is removed; the error propagates.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // pid + random: two processes (or two calls in one) never share a temporary name.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx', mode);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}

// Makes the rename durable; some file systems refuse to open a directory, which only costs durability.
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close().catch(() => {});
  }
}
