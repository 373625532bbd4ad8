// The verdicts of `distsum verify`, as pure functions: what the log's proven entry, the publisher's
// manifest and the lock file each say about one file, and what that adds up to.
//   ok               every source that knows the file agrees with it
//   unknown          the log does not know it (yet) and no manifest vouches for it
//   MISMATCH         the log, the manifest or the lock says other bytes: exit 1
//   not-in-manifest  the publisher's manifest for that release does not list it: exit 1
//   error            a check the configuration asks for could not be made: exit 1

import type { Entry } from '../log/entry.ts';
import { normalizeProjectName, versionsEqual } from '../dist/filename.ts';
import type { Manifest, ManifestFile } from '../manifest/manifest.ts';
import type { LockedFile } from './locks/types.ts';
import type { LogAnswer } from './logclient.ts';
import type { ManifestOutcome } from './manifests.ts';

/** A file's final verdict. */
export type Verdict = 'ok' | 'unknown' | 'MISMATCH' | 'not-in-manifest' | 'error';

/** What is known about one file to check: from a lock entry, or from hashing a downloaded file. */
export interface Subject {
  /** PEP 503 normalized project name. */
  project: string;
  version?: string;
  filename?: string;
  size?: number;
  sha256?: string;
  blake2b_256?: string;
  md5?: string;
  /** Where it came from: "<lock>:<line>" or the file's path. */
  source: string;
  kind: 'lock' | 'file';
}

/** The log's side. */
export interface LogCheck {
  status: 'ok' | 'unknown' | 'MISMATCH' | 'error';
  detail?: string;
  /** The proven entry the verdict rests on. */
  index?: number;
  entry?: Entry;
}

/** The publisher's side. */
export interface ManifestCheck {
  status: 'ok' | 'MISMATCH' | 'not-in-manifest' | 'error';
  detail?: string;
  url?: string;
  /** Who signed the manifest, when the policy asks for a signature. */
  signer?: string;
}

/** A downloaded file against the lock files given with it. */
export interface LockCheck {
  status: 'ok' | 'MISMATCH' | 'error';
  detail?: string;
  /** The lock entry it matched. */
  source?: string;
}

type Claims = Pick<Subject, 'size' | 'sha256' | 'blake2b_256' | 'md5'>;

/**
 * What differs between two descriptions of a file, comparing only what both sides give (size,
 * sha256, blake2b-256, md5); `other` names the second side in the text. Undefined when all agree.
 * `compared` is set to how many digests (not sizes) were compared.
 */
export function claimDiff(mine: Claims, theirs: Claims, other: string): { diff?: string; compared: number } {
  const diffs: string[] = [];
  let compared = 0;
  if (mine.size !== undefined && theirs.size !== undefined && mine.size !== theirs.size) diffs.push(`size ${mine.size}, ${other} says ${theirs.size}`);
  for (const [k, label] of [['sha256', 'sha256'], ['blake2b_256', 'blake2b-256'], ['md5', 'md5']] as const) {
    const a = mine[k];
    const b = theirs[k];
    if (a === undefined || b === undefined) continue;
    compared++;
    if (a !== b) diffs.push(`${label} ${a}, ${other} says ${b}`);
  }
  return diffs.length > 0 ? { diff: diffs.join('; '), compared } : { compared };
}

function entryClaims(e: Entry): Claims {
  return { size: e.size, sha256: e.sha256, blake2b_256: e.blake2b256 };
}

function manifestClaims(f: ManifestFile): Claims {
  return { size: f.size, sha256: f.sha256, blake2b_256: f.blake2b_256, md5: f.md5 };
}

// Why a proven entry does not belong to the subject's project or release, if it does not.
function releaseDiff(s: Subject, e: Entry): string | undefined {
  if (normalizeProjectName(e.project) !== s.project) return `the log records it as ${e.filename} of project ${e.project}`;
  // Equal strings are equal versions; only differing spellings need PEP 440 parsing.
  if (s.version !== undefined && e.version !== '-' && s.version !== e.version && !versionsEqual(s.version, e.version)) {
    return `the log records it as ${e.filename}, version ${e.version}, not ${s.version}`;
  }
  return undefined;
}

/**
 * The log's verdict on `s` given the verified answer to its lookup (by file name when `s` has
 * one, else by sha256). A proven entry that disagrees on any digest or size both sides give, or on
 * project or version, is a MISMATCH; no entry (or, offline, no cached answer) is unknown.
 */
export function judgeLog(s: Subject, answer: LogAnswer): LogCheck {
  if (answer.status === 'absent') return { status: 'unknown', detail: 'the log has no entry for it' };
  if (answer.status === 'uncached') return { status: 'unknown', detail: 'offline, and this machine has no cached answer for it' };
  if (s.filename !== undefined) {
    const e = answer.entries[0].entry;
    const index = answer.entries[0].index;
    const r = releaseDiff(s, e);
    if (r) return { status: 'MISMATCH', detail: r, index, entry: e };
    const { diff, compared } = claimDiff(s, entryClaims(e), `log entry ${index}`);
    if (diff) return { status: 'MISMATCH', detail: diff, index, entry: e };
    if (compared === 0) return { status: 'unknown', detail: 'it pins no sha256 or blake2b-256, the digests the log records', index, entry: e };
    return { status: 'ok', index, entry: e };
  }
  // Looked up by sha256: the same bytes must be recorded for this project.
  const problems: string[] = [];
  for (const { entry: e, index } of answer.entries) {
    const r = releaseDiff(s, e);
    if (r) {
      problems.push(r);
      continue;
    }
    const { diff } = claimDiff(s, entryClaims(e), `log entry ${index}`);
    if (diff) {
      problems.push(diff);
      continue;
    }
    return { status: 'ok', index, entry: e };
  }
  return { status: 'MISMATCH', detail: problems.join('; ') };
}

// The manifest's line for the subject: by file name, else by digest.
function manifestLine(s: Subject, m: Manifest): ManifestFile | undefined {
  if (s.filename !== undefined) return m.files.find((f) => f.filename === s.filename);
  return m.files.find((f) => (s.sha256 !== undefined && f.sha256 === s.sha256) || (s.blake2b_256 !== undefined && f.blake2b_256 === s.blake2b_256));
}

/**
 * The publisher's verdict on `s` given the outcome of fetching its release manifest. A manifest
 * that is not the publisher's (bad signature, other release) is a MISMATCH; one that is missing or
 * could not be checked is an error; a file it does not list is not-in-manifest.
 */
export function judgeManifest(s: Subject, outcome: ManifestOutcome): ManifestCheck {
  switch (outcome.status) {
    case 'missing':
      return { status: 'error', detail: `no release manifest at ${outcome.url}`, url: outcome.url };
    case 'bad':
      return { status: 'MISMATCH', detail: outcome.why, url: outcome.url };
    case 'error':
      return { status: 'error', detail: outcome.why, url: outcome.url };
    case 'ok': {
      const signer = outcome.signature ? `${outcome.signature.principal ?? '?'} (${outcome.signature.fingerprint})` : undefined;
      const base = { url: outcome.url, ...(signer ? { signer } : {}) };
      const line = manifestLine(s, outcome.manifest);
      if (line === undefined) {
        return { status: 'not-in-manifest', detail: `the manifest of ${outcome.manifest.project} ${outcome.manifest.version} does not list it`, ...base };
      }
      const { diff } = claimDiff(s, manifestClaims(line), 'the manifest');
      if (diff) return { status: 'MISMATCH', detail: diff, ...base };
      return { status: 'ok', ...base };
    }
  }
}

/**
 * A downloaded file (digests of its bytes) against the lock entries: those naming its file name
 * when there are any, else the project's entries that give no file name. It must match one of
 * them on every digest both give; a lock that does not pin it at all is a MISMATCH too (pip's
 * --require-hashes refuses such a file).
 */
export function judgeAgainstLock(s: Subject, locked: readonly LockedFile[]): { check: LockCheck; matched?: LockedFile } {
  const named = locked.filter((l) => l.filename !== undefined && l.filename === s.filename);
  const candidates = named.length > 0 ? named : locked.filter((l) => l.filename === undefined && l.name === s.project);
  if (candidates.length === 0) {
    const any = locked.some((l) => l.name === s.project);
    return { check: { status: 'MISMATCH', detail: any ? `the lock files pin other files of ${s.project}, not this one` : `the lock files do not pin ${s.project}` } };
  }
  const diffs: string[] = [];
  for (const l of candidates) {
    const where = lockedSource(l);
    const { diff, compared } = claimDiff(s, { size: l.size, sha256: l.hashes.sha256, blake2b_256: l.hashes.blake2b_256, md5: l.hashes.md5 }, where);
    if (compared === 0) continue;
    if (diff === undefined) return { check: { status: 'ok', source: where }, matched: l };
    diffs.push(diff);
  }
  if (diffs.length === 0) return { check: { status: 'error', detail: 'the lock pins it only with digests distsum does not compute (sha256, blake2b-256 and md5 are supported)' } };
  return { check: { status: 'MISMATCH', detail: named.length > 0 ? diffs.join('; ') : `none of the ${candidates.length} hashes the lock pins for ${s.project} match it` } };
}

/** "<lock path>:<line>" (or the path alone) of a lock entry. */
export function lockedSource(l: LockedFile): string {
  return `${l.source.path}${l.source.line !== undefined ? `:${l.source.line}` : ''}`;
}

/** The checks made on one file and the policy that applies to it. */
export interface Judged {
  log?: LogCheck;
  manifest?: ManifestCheck;
  lock?: LockCheck;
  /** The project's trust policy requires the log to know the file. */
  requireLog?: boolean;
}

/**
 * The final verdict: MISMATCH if any check says so, then not-in-manifest, then error; unknown when
 * the log does not know the file and no manifest vouches for it (or the policy requires the log);
 * ok otherwise. `failed` adds `strict`: unknown fails then (and always under requireLog).
 */
export function finalVerdict(j: Judged, strict: boolean): { verdict: Verdict; failed: boolean } {
  const all = [j.log?.status, j.manifest?.status, j.lock?.status];
  if (all.includes('MISMATCH')) return { verdict: 'MISMATCH', failed: true };
  if (all.includes('not-in-manifest')) return { verdict: 'not-in-manifest', failed: true };
  if (all.includes('error')) return { verdict: 'error', failed: true };
  const vouched = j.manifest?.status === 'ok';
  const logUnknown = j.log === undefined || j.log.status === 'unknown';
  if (logUnknown && (!vouched || j.requireLog)) return { verdict: 'unknown', failed: strict || (j.requireLog ?? false) };
  return { verdict: 'ok', failed: false };
}
