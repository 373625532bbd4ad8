// Alerts the log raises: kinds and severities (DESIGN "Alerts"), and the alert for a file name whose
// bytes changed. An alert's dedup key names the condition, so the same condition is recorded once.

import type { NewAlert, Severity } from '../store/store.ts';
import type { Entry } from './entry.ts';

/** Every alert kind the log stores (the sequencer and the follower raise them), with its severity. */
export const ALERT_SEVERITY: Readonly<Record<string, Severity>> = {
  /** The index serves other bytes or size under a logged file name (raised by the sequencer). */
  'hash-changed': 'critical',
  /** The index contradicts itself: URL digest, JSON API or the downloaded bytes disagree with its claim. */
  'digest-mismatch': 'critical',
  /** A watched project's release has a file its manifest does not list. */
  'not-in-manifest': 'critical',
  /** A watched project's manifest gives other digests or size for a file than the index serves. */
  'manifest-mismatch': 'critical',
  /** A watched project's manifest signature is missing, malformed or not by an allowed signer. */
  'manifest-unverified': 'critical',
  /** A watched project's manifest is malformed or describes another release. */
  'manifest-invalid': 'warning',
  /** No manifest for a watched project's release after the grace period. */
  'manifest-missing': 'warning',
  /** A new file in a release whose first file is older than the threshold. */
  'file-added-late': 'warning',
  /** A file the follower saw listed is no longer listed. */
  'file-removed': 'warning',
  /** Fetching or reading the index failed (per project, or the project list). */
  'follow-error': 'warning',
  /** The follower has not caught up with the index for longer than the threshold. */
  'follow-lagging': 'warning',
};

/** The digests and size of a file as a JSON object (blake2b_256 null when unknown). */
function digests(e: Entry): { size: number; sha256: string; blake2b_256: string | null } {
  return { size: e.size, sha256: e.sha256, blake2b_256: e.blake2b256 ?? null };
}

/**
 * The `hash-changed` alert for a claim that file `logged.filename` (entry `index` of the log) has
 * other bytes or size than the log recorded. Details hold both values, where the claim came from and
 * when; the dedup key is the file name plus the claimed digests, so each distinct different value
 * alerts once however often it is served.
 */
export function hashChangedAlert(logged: Entry, index: number, claim: Entry, source: string, seen: Date): NewAlert {
  return {
    kind: 'hash-changed',
    severity: 'critical',
    project: logged.project,
    filename: logged.filename,
    version: logged.version,
    created: seen.toISOString(),
    details: {
      index,
      logged: digests(logged),
      claimed: { ...digests(claim), project: claim.project, version: claim.version },
      source,
      seen: seen.toISOString(),
    },
    dedupKey: `hash-changed ${logged.filename} ${claim.size} ${claim.sha256} ${claim.blake2b256 ?? '-'}`,
  };
}
