// pip requirements files with hashes (`pip-compile --generate-hashes`, `uv pip compile
// --generate-hashes`, `uv export`, hand-written `--hash=` lines): every `--hash` pins one file
// of the requirement. `-r`/`-c` includes are followed through an injected reader.

import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, errorMessage } from '../../errors.ts';
import { quote } from './fields.ts';
import { checkHash } from './hashes.ts';
import { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
import { isUrl, parseRequirement } from './requirement.ts';
import { logicalLines, parseLineOptions, shellSplit, splitArgsOptions } from './requirements-lines.ts';
import { finishResult, lockedName } from './result.ts';
import type { LockedFile, LockReadResult } from './types.ts';

// Digest algorithms pip accepts in --hash (pip's STRONG_HASHES).
const PIP_HASHES = new Set(['sha256', 'sha384', 'sha512']);

/** An `-r`/`-c` line: which file it includes, as written, and where. */
export interface RequirementsInclude {
  /** The included path or URL as written after `-r`/`-c`. */
  target: string;
  /** Whether it is a constraints file (`-c`). */
  constraint: boolean;
  /** 1-based line of the include. */
  line: number;
  /** How many of the file's files and warnings come before the include (pip reads it in place). */
  filesBefore: number;
  warningsBefore: number;
}

/** What one requirements file says by itself: its files and warnings, and the files it includes. */
export interface RequirementsFileResult {
  files: LockedFile[];
  warnings: string[];
  includes: RequirementsInclude[];
}

/**
 * Reads one requirements file's text (no includes followed). Each `--hash` of a requirement
 * gives one LockedFile: name (normalized), version when pinned exactly (`==`, `===`, or the
 * version in a direct URL's file name), filename and url for direct URLs, marker unevaluated.
 * Requirements that cannot be checked by hash (no `--hash`, `-e`, VCS URLs, local directories)
 * are warnings. Index and other options are skipped. InputError naming `path` and the line for
 * a line pip would refuse (bad requirement, bad or non-strong `--hash`, open quote).
 */
export function parseRequirementsFile(text: string, path: string): RequirementsFileResult {
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  const includes: RequirementsInclude[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const where = `${path}:${line}`;
    const { args, options } = splitArgsOptions(logical);
    const opts = parseLineOptions(shellSplit(options, where), where);
    for (const u of opts.unknown) warnings.push(`${where}: unknown option ${u} ignored`);
    if (args === '') {
      if (opts.editables.length > 0) {
        warnings.push(`${where}: -e ${opts.editables[0]} is an editable install; it cannot be checked by hash`);
      } else if (opts.requirements.length > 0) {
        includes.push({ target: opts.requirements[0], constraint: false, line, filesBefore: files.length, warningsBefore: warnings.length });
      } else if (opts.constraints.length > 0) {
        includes.push({ target: opts.constraints[0], constraint: true, line, filesBefore: files.length, warningsBefore: warnings.length });
      }
      continue;
    }
    files.push(...requirementFiles(args, opts.hashes, path, line, warnings));
  }
  return { files, warnings, includes };
}

// The LockedFiles of one requirement line, one per digest; warnings for what cannot be checked.
function requirementFiles(args: string, hashOptions: string[], path: string, line: number, warnings: string[]): LockedFile[] {
  const where = `${path}:${line}`;
  const req = parseRequirement(args, where);
  const digests = hashOptions.map((h): [string, string] => {
    const i = h.indexOf(':');
    if (i <= 0) throw new InputError(`${where}: --hash ${quote(h)} is not of the form <algorithm>:<hex>`);
    const alg = h.slice(0, i);
    if (!PIP_HASHES.has(alg)) throw new InputError(`${where}: --hash algorithm ${quote(alg)} is not one pip accepts (sha256, sha384, sha512)`);
    return checkHash(alg, h.slice(i + 1), where);
  });
  if (req.fragmentHash) digests.push(checkHash(req.fragmentHash[0], req.fragmentHash[1], where));
  const what = quote(args, 120);
  if (req.kind === 'vcs') {
    warnings.push(`${where}: ${what} is a version control URL; it cannot be checked by hash`);
    return [];
  }
  if (req.kind === 'directory') {
    warnings.push(`${where}: ${what} is a local directory; it cannot be checked by hash`);
    return [];
  }
  if (digests.length === 0) {
    warnings.push(`${where}: ${what} has no --hash; it cannot be checked`);
    return [];
  }
  if (req.name === undefined) {
    warnings.push(`${where}: ${what} names no project (add "name @" or #egg=name); its hashes are not checked`);
    return [];
  }
  const name = lockedName(req.name, where);
  return digests.map(([alg, digest]) => {
    const f: LockedFile = { name, hashes: { [alg]: digest }, source: { path, line } };
    if (req.version !== undefined) f.version = req.version;
    if (req.filename !== undefined) f.filename = req.filename;
    if (req.kind === 'url' && req.location !== undefined) f.url = req.location;
    if (req.marker !== undefined) f.marker = req.marker;
    return f;
  });
}

/**
 * Reads requirements text without following includes (the pure form parseLock uses): each
 * `-r`/`-c` line becomes a warning that it was not read.
 */
export function parseRequirements(text: string, path: string, limits: LockLimits = DEFAULT_LOCK_LIMITS): LockReadResult {
  const r = parseRequirementsFile(text, path);
  const warnings = [...r.warnings];
  for (const inc of r.includes) {
    warnings.push(`${path}:${inc.line}: ${inc.constraint ? '-c' : '-r'} ${inc.target} was not read (read the file with readLockFile to follow includes)`);
  }
  return finishResult('requirements', path, r.files, warnings, limits);
}

/** How readRequirements reads an included file: its text, given its path. */
export type ReadText = (path: string) => Promise<string>;

/**
 * Reads a requirements file and, through `readFile`, every file it includes with `-r`/`-c`
 * (paths relative to the including file; `file:` URLs; constraints files are read like
 * requirements, since a hash they pin is a hash the install checks). http(s) includes are
 * warnings (no network). InputError on an include cycle, on includes deeper than
 * `limits.maxIncludeDepth` or more than `limits.maxIncludedFiles` files, and when an included
 * file cannot be read. A file included twice is read once.
 */
export async function readRequirements(
  path: string,
  text: string,
  readFile: ReadText,
  limits: LockLimits = DEFAULT_LOCK_LIMITS,
): Promise<LockReadResult> {
  const files: LockedFile[] = [];
  const warnings: string[] = [];
  const read = new Set<string>([resolve(path)]);

  const visit = async (p: string, content: string, stack: string[]): Promise<void> => {
    const r = parseRequirementsFile(content, p);
    // Files and warnings in reading order: an included file's come where its -r line is.
    let nextFile = 0;
    let nextWarning = 0;
    const upTo = (inc: { filesBefore: number; warningsBefore: number }) => {
      // A loop, not push(...slice): a spread of 100k+ elements overflows the call stack.
      for (let i = nextFile; i < inc.filesBefore; i++) files.push(r.files[i]);
      for (let i = nextWarning; i < inc.warningsBefore; i++) warnings.push(r.warnings[i]);
      [nextFile, nextWarning] = [inc.filesBefore, inc.warningsBefore];
      if (files.length > limits.maxFiles) throw new InputError(`${path}: pins more than ${limits.maxFiles} files`);
    };
    for (const inc of r.includes) {
      upTo(inc);
      const where = `${p}:${inc.line}`;
      const target = includePath(p, inc.target);
      if (target === undefined) {
        warnings.push(`${where}: ${inc.constraint ? '-c' : '-r'} ${inc.target} is a remote file; distsum does not fetch it`);
        continue;
      }
      const key = resolve(target);
      if (stack.includes(key)) {
        throw new InputError(`${where}: including ${inc.target} makes a cycle (${[...stack, key].join(' -> ')})`);
      }
      if (read.has(key)) continue;
      if (stack.length > limits.maxIncludeDepth) {
        throw new InputError(`${where}: includes nest deeper than ${limits.maxIncludeDepth} files`);
      }
      if (read.size >= limits.maxIncludedFiles) {
        throw new InputError(`${where}: more than ${limits.maxIncludedFiles} requirements files included`);
      }
      read.add(key);
      let included: string;
      try {
        included = await readFile(target);
      } catch (err) {
        throw new InputError(`${where}: cannot read included file ${target}: ${errorMessage(err)}`, { cause: err });
      }
      await visit(target, included, [...stack, key]);
    }
    upTo({ filesBefore: r.files.length, warningsBefore: r.warnings.length });
  };
  await visit(path, text, [resolve(path)]);
  return finishResult('requirements', path, files, warnings, limits);
}

// Where an include points: a path joined to the including file's directory (as pip joins it),
// a file: URL's path, or undefined for a remote URL.
function includePath(from: string, target: string): string | undefined {
  if (/^file:/i.test(target)) {
    try {
      return fileURLToPath(target);
    } catch {
      return undefined;
    }
  }
  if (isUrl(target)) return undefined;
  return isAbsolute(target) ? target : join(dirname(from), target);
}
