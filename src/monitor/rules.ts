// The follower's alert rules that compare what the index lists now with what it listed before:
// files that disappeared, and files that appeared in a release long after its first file. Pure
// functions of the two pictures and the clock; the first sight of a project (a backfill) raises
// neither, because history is not news.

import type { NewAlert } from '../store/store.ts';
import { UNKNOWN_VERSION } from '../log/entry.ts';
import { fileAddedLateAlert, fileRemovedAlert } from './alerts.ts';
import type { ListedFile, Listing } from './listing.ts';
import type { ProjectState } from './state.ts';

/**
 * Whether `prev` is a picture to compare with: a state from a successful poll. A state saved only
 * to remember a failure (no `polled`) is not, so the first good poll after failures is a backfill.
 */
export function isBaseline(prev: ProjectState | undefined): prev is ProjectState & { polled: number } {
  return prev !== undefined && prev.polled !== undefined;
}

/** Every file name a listing mentions, including files set aside for disagreeing descriptions. */
export function listedNames(l: Listing): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of l.files) m.set(f.filename, f.version);
  for (const d of l.disagreements) m.set(d.filename, d.version);
  return m;
}

/** `file-removed` alerts for files `prev` saw listed that `l` does not list. */
export function removedAlerts(prev: ProjectState | undefined, l: Listing, now: Date): NewAlert[] {
  if (!isBaseline(prev)) return [];
  const names = listedNames(l);
  const out: NewAlert[] = [];
  for (const [filename, version] of prev.files) {
    if (!names.has(filename)) out.push(fileRemovedAlert(l.project, filename, version === UNKNOWN_VERSION ? undefined : version, l.source, now));
  }
  return out;
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * `file-added-late` alerts for the files of `l` that `prev` did not see listed and that are not
 * logged (`isLogged`), whose release's first file is more than `thresholdMs` older than the file.
 * The release's first file time is the earliest of the upload times the index gives for the
 * release's other files and when the follower first saw the release. The file's time is its upload
 * time (now when not given) but never earlier than the last poll that did not list it: an index
 * cannot backdate a file past a poll that proves it was absent.
 */
export function lateAlerts(prev: ProjectState | undefined, l: Listing, isLogged: (filename: string) => boolean, thresholdMs: number, now: Date): NewAlert[] {
  if (!isBaseline(prev)) return [];
  const byVersion = new Map<string, ListedFile[]>();
  for (const f of l.files) {
    const list = byVersion.get(f.version) ?? [];
    list.push(f);
    byVersion.set(f.version, list);
  }
  const out: NewAlert[] = [];
  for (const f of l.files) {
    if (f.version === UNKNOWN_VERSION || prev.files.has(f.filename) || isLogged(f.filename)) continue;
    let start = prev.versions.get(f.version) ?? Infinity;
    for (const o of byVersion.get(f.version)!) {
      if (o.filename === f.filename) continue;
      const t = parseTime(o.uploadTime);
      if (t !== undefined && t < start) start = t;
    }
    if (start === Infinity) continue;
    const claimedAt = parseTime(f.uploadTime) ?? now.getTime();
    const appeared = Math.max(claimedAt, prev.polled);
    if (appeared - start <= thresholdMs) continue;
    out.push(
      fileAddedLateAlert(
        l.project,
        f.version,
        f.filename,
        { size: f.size, sha256: f.sha256, blake2b_256: f.blake2b256 },
        { releaseStart: new Date(start), appeared: new Date(appeared), uploadTime: f.uploadTime },
        thresholdMs,
        l.source,
        now,
      ),
    );
  }
  return out;
}

/**
 * The project's state after a successful poll that produced listing `l`: the files it lists, every
 * release's first-seen time (kept from `prev`, now for new releases), `polled` now and no error.
 * Validators and manifest checks are the caller's.
 */
export function nextState(prev: ProjectState | undefined, l: Listing, now: Date): ProjectState {
  const files = listedNames(l);
  const versions = new Map(prev?.versions ?? []);
  for (const v of files.values()) if (!versions.has(v)) versions.set(v, now.getTime());
  const s: ProjectState = { files, versions, polled: now.getTime() };
  if (prev?.manifests !== undefined) s.manifests = prev.manifests;
  return s;
}
