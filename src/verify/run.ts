// One `distsum verify` run: read the lock files, hash the distribution files, then check every file
// against the log (verified answers), the publishers' manifests (where a trust policy covers the
// project) and, for downloaded files, the lock files; and add it all up into per-file verdicts.

import { basename } from 'node:path';
import { mapLimit } from '../concurrency.ts';
import type { SourcedPolicy } from '../config/load.ts';
import { digestFiles } from '../digest/index.ts';
import type { Digests } from '../digest/index.ts';
import { isDistFilename, parseDistFilename } from '../dist/filename.ts';
import { InputError, SecurityError } from '../errors.ts';
import type { Checkpoint } from '../tlog/checkpoint.ts';
import { readLockFile } from './locks/detect.ts';
import type { LockedFile, LockReadResult } from './locks/types.ts';
import { finalVerdict, judgeAgainstLock, judgeLog, judgeManifest, lockedSource } from './check.ts';
import type { LockCheck, LogCheck, ManifestCheck, Subject, Verdict } from './check.ts';
import type { LogClient } from './logclient.ts';
import type { ManifestFinder } from './manifests.ts';
import type { VerifyInputs } from './inputs.ts';

/** What a run needs besides its inputs. */
export interface VerifyDeps {
  /** The log client; absent with --no-log. Started, or starting with `started`. */
  client?: LogClient;
  /**
   * The client's start() when it is still running: reading and hashing the inputs overlap it, and
   * it is awaited before the first lookup. Its failure wins over an input error, so a log that
   * misbehaves is reported first, as when it is awaited before the run.
   */
  started?: Promise<unknown>;
  policies: ReadonlyMap<string, SourcedPolicy>;
  findManifest: ManifestFinder;
  /** Unknown files fail. */
  strict: boolean;
  /** Files checked at once. */
  concurrency: number;
  /** Hashes distribution files (digestFiles by default). */
  digest?: (paths: string[], opts: { md5: boolean }) => Promise<Digests[]>;
  /** Reads a lock file (readLockFile by default). */
  readLock?: (path: string) => Promise<LockReadResult>;
}

/** The checks and verdict for one file. */
export interface FileResult {
  /** How the file is shown: its name, or project, version and sha256 prefix. */
  label: string;
  subject: Subject;
  log?: LogCheck;
  manifest?: ManifestCheck;
  lock?: LockCheck;
  verdict: Verdict;
  failed: boolean;
}

/** The outcome of a run. ok is true when no file failed. */
export interface VerifyResult {
  ok: boolean;
  results: FileResult[];
  /** Lock readers' warnings, one line each. */
  warnings: string[];
  locks: { path: string; format: string; files: number }[];
  /** The latest checkpoint verified (absent with --no-log). */
  checkpoint?: Checkpoint;
}

/** A short label for a subject. */
export function subjectLabel(s: Subject): string {
  if (s.filename !== undefined) return s.filename;
  const digest = s.sha256 !== undefined ? `sha256:${s.sha256.slice(0, 16)}…` : s.blake2b_256 !== undefined ? `blake2b_256:${s.blake2b_256.slice(0, 16)}…` : 'no hash';
  return `${s.project}${s.version !== undefined ? ` ${s.version}` : ''} (${digest})`;
}

function lockSubject(l: LockedFile): Subject {
  const s: Subject = { project: l.name, source: lockedSource(l), kind: 'lock' };
  if (l.version !== undefined) s.version = l.version;
  if (l.filename !== undefined) s.filename = l.filename;
  if (l.size !== undefined) s.size = l.size;
  if (l.hashes.sha256 !== undefined) s.sha256 = l.hashes.sha256;
  if (l.hashes.blake2b_256 !== undefined) s.blake2b_256 = l.hashes.blake2b_256;
  if (l.hashes.md5 !== undefined) s.md5 = l.hashes.md5;
  return s;
}

// The version the manifest of `s` is looked up under: the lock's, the file name's, or the log's.
function releaseVersion(s: Subject, log: LogCheck | undefined): string | undefined {
  if (s.version !== undefined) return s.version;
  if (s.filename !== undefined && isDistFilename(s.filename)) return parseDistFilename(s.filename).version;
  if (log?.entry !== undefined && log.entry.version !== '-') return log.entry.version;
  return undefined;
}

// A check that could not be made for one file (network trouble, a malformed answer) does not stop
// the others; security failures do.
function checkError(e: unknown): { status: 'error'; detail: string } {
  if (e instanceof InputError && !(e instanceof SecurityError)) return { status: 'error', detail: e.message };
  throw e;
}

async function checkSubject(s: Subject, deps: VerifyDeps, lock: LockCheck | undefined): Promise<FileResult> {
  let log: LogCheck | undefined;
  if (deps.client !== undefined) {
    try {
      if (s.filename !== undefined) log = judgeLog(s, await deps.client.lookupFilename(s.filename));
      else if (s.sha256 !== undefined) log = judgeLog(s, await deps.client.lookupSha256(s.sha256));
      else log = { status: 'unknown', detail: 'neither a file name nor a sha256 to look it up by' };
    } catch (e) {
      log = checkError(e);
    }
  }
  let manifest: ManifestCheck | undefined;
  const policy = deps.policies.get(s.project);
  if (policy !== undefined) {
    try {
      manifest = judgeManifest(s, await deps.findManifest(policy, s.project, releaseVersion(s, log)));
    } catch (e) {
      manifest = checkError(e);
    }
  }
  const { verdict, failed } = finalVerdict({ log, manifest, lock, requireLog: policy?.requireLog }, deps.strict);
  const r: FileResult = { label: subjectLabel(s), subject: s, verdict, failed };
  if (log) r.log = log;
  if (manifest) r.manifest = manifest;
  if (lock) r.lock = lock;
  return r;
}

/**
 * Verifies `inputs`. Downloaded files come first (checked against the lock files too, when any are
 * given), then the lock entries no downloaded file matched. Throws for unreadable inputs (exit 2)
 * and security failures (exit 3); everything else ends up in a file's verdict.
 */
export async function verifyInputs(inputs: VerifyInputs, deps: VerifyDeps): Promise<VerifyResult> {
  const readLock = deps.readLock ?? ((p: string) => readLockFile(p));
  const warnings: string[] = [];
  const locks: VerifyResult['locks'] = [];
  const locked: LockedFile[] = [];
  let digests: Digests[];
  try {
    for (const path of inputs.locks) {
      const r = await readLock(path);
      warnings.push(...r.warnings);
      locks.push({ path, format: r.format, files: r.files.length });
      locked.push(...r.files);
    }
    const wantMd5 = locked.some((l) => l.hashes.md5 !== undefined && l.hashes.sha256 === undefined && l.hashes.blake2b_256 === undefined);
    const digest = deps.digest ?? ((paths: string[], o: { md5: boolean }) => digestFiles(paths, o));
    digests = inputs.dists.length > 0 ? await digest(inputs.dists, { md5: wantMd5 }) : [];
  } catch (e) {
    await deps.started;
    throw e;
  }
  await deps.started;

  const covered = new Set<LockedFile>();
  const jobs: { subject: Subject; lock?: LockCheck }[] = [];
  inputs.dists.forEach((path, i) => {
    const name = parseDistFilename(basename(path));
    const d = digests[i];
    const subject: Subject = { project: name.normalizedName, version: name.version, filename: name.filename, size: d.size, sha256: d.sha256, blake2b_256: d.blake2b_256, source: path, kind: 'file' };
    if (d.md5 !== undefined) subject.md5 = d.md5;
    let lock: LockCheck | undefined;
    if (inputs.locks.length > 0) {
      const j = judgeAgainstLock(subject, locked);
      lock = j.check;
      if (j.matched) covered.add(j.matched);
    }
    jobs.push({ subject, lock });
  });
  for (const l of locked) if (!covered.has(l)) jobs.push({ subject: lockSubject(l) });

  // Names are looked up in batches up front; each file's check below then awaits its own answer.
  if (deps.client !== undefined) void deps.client.prefetchFilenames(new Set(jobs.flatMap((j) => (j.subject.filename === undefined ? [] : [j.subject.filename]))));

  const results = await mapLimit(jobs, Math.max(1, deps.concurrency), (j) => checkSubject(j.subject, deps, j.lock));
  const out: VerifyResult = { ok: results.every((r) => !r.failed), results, warnings, locks };
  if (deps.client !== undefined) out.checkpoint = deps.client.latest().checkpoint;
  return out;
}
