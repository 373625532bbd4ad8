// What `distsum verify` is asked to check: lock files and distribution files (or directories of
// them, such as a wheelhouse or `pip download` output), and the lock files it finds by itself.

import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { findDistFiles } from '../dist/inspect.ts';
import { isDistFilename } from '../dist/filename.ts';
import { formatFromName } from './locks/detect.ts';

/** Lock files and distribution files to verify; absolute paths, each listed once, in argument order. */
export interface VerifyInputs {
  locks: string[];
  dists: string[];
}

// The lock files distsum recognizes by name, plus requirements*.txt (other .txt files are not locks).
function isLockName(name: string): boolean {
  const f = formatFromName(name);
  if (f === undefined) return false;
  if (f === 'requirements') return /^requirements[\w.-]*\.txt$/i.test(name);
  return true;
}

/** The lock files directly in `dir` (pylock.toml, pylock.*.toml, uv.lock, poetry.lock, Pipfile.lock, requirements*.txt), sorted. */
export async function findLockFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new UsageError(`cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: string[] = [];
  for (const n of names.filter(isLockName).sort()) {
    if ((await stat(join(dir, n)).catch(() => undefined))?.isFile()) out.push(join(dir, n));
  }
  return out;
}

/**
 * Sorts command-line `paths` (relative to `cwd`) into lock files and distribution files: a file
 * named like a distribution is one, any other file is a lock file; a directory contributes its
 * distribution files, or, when it has none, its lock files. With no paths, the lock files in
 * `cwd`. UsageError for a missing path or when nothing is found.
 */
export async function classifyInputs(paths: string[], cwd: string): Promise<VerifyInputs> {
  const locks: string[] = [];
  const dists: string[] = [];
  const add = (list: string[], p: string) => {
    if (!list.includes(p)) list.push(p);
  };
  if (paths.length === 0) {
    const found = await findLockFiles(cwd);
    if (found.length === 0) {
      throw new UsageError(`no lock files in ${cwd} (pylock.toml, uv.lock, poetry.lock, Pipfile.lock, requirements*.txt); name the files or directories to verify`);
    }
    return { locks: found, dists };
  }
  for (const arg of paths) {
    const p = resolve(cwd, arg);
    const s = await stat(p).catch(() => undefined);
    if (s === undefined) throw new UsageError(`${arg}: no such file or directory`);
    if (s.isDirectory()) {
      const names = await readdir(p);
      if (names.some((n) => !n.startsWith('.') && isDistFilename(n))) {
        for (const f of await findDistFiles([p])) add(dists, f);
        continue;
      }
      const found = await findLockFiles(p);
      if (found.length === 0) throw new UsageError(`${arg}: no distribution files or lock files in this directory`);
      for (const f of found) add(locks, f);
    } else if (isDistFilename(basename(p))) {
      add(dists, p);
    } else {
      add(locks, p);
    }
  }
  return { locks, dists };
}
