// The alerts the follower raises, besides the log's own `hash-changed`: what each kind means, its
// severity, and the dedup key that makes the same condition alert once (the store refuses a second
// alert with a key it holds, across restarts). Every constructor is pure; `details.summary` is the
// one line people read first (stdout, hook, webhook, web page).

import type { NewAlert, Severity } from '../store/store.ts';
import { ALERT_SEVERITY } from '../log/alerts.ts';

/** Every alert kind the follower raises or delivers (the log's kinds and its test alert), with its severity. */
export const MONITOR_ALERT_SEVERITY: Readonly<Record<string, Severity>> = {
  ...ALERT_SEVERITY,
  /** A sample sent by --test-alert; never stored. */
  'test-alert': 'info',
};

/** Project field of alerts about the index as a whole (the project list, lagging). */
export const INDEX_WIDE = '';

/** Severity of `kind`; unknown kinds (raised by newer code) are warnings. */
export function severityOf(kind: string): Severity {
  return Object.hasOwn(MONITOR_ALERT_SEVERITY, kind) ? MONITOR_ALERT_SEVERITY[kind] : 'warning';
}

function alert(kind: string, project: string, dedupKey: string, seen: Date, details: Record<string, unknown>, extra: { filename?: string; version?: string } = {}): NewAlert {
  const a: NewAlert = { kind, severity: severityOf(kind), project, created: seen.toISOString(), details, dedupKey };
  if (extra.filename !== undefined) a.filename = extra.filename;
  if (extra.version !== undefined) a.version = extra.version;
  return a;
}

/** What a file is claimed or found to be. */
export interface FileDigests {
  size?: number;
  sha256?: string;
  blake2b_256?: string;
}

/**
 * `follow-error` for one failure episode of `project` (INDEX_WIDE for the project list): the key
 * holds the episode's start, so a failure that persists alerts once and a later one alerts again.
 */
export function followErrorAlert(project: string, message: string, url: string | undefined, episodeStart: Date, seen: Date): NewAlert {
  const where = project === INDEX_WIDE ? 'the project list' : project;
  return alert('follow-error', project, `follow-error ${project} ${episodeStart.toISOString()}`, seen, {
    summary: `reading ${where} from the index failed: ${message}`,
    error: message,
    url: url ?? null,
    since: episodeStart.toISOString(),
  });
}

/** `follow-lagging`: not caught up since `since`; one alert per lagging episode. */
export function laggingAlert(since: Date, pendingProjects: number, seen: Date): NewAlert {
  const minutes = Math.round((seen.getTime() - since.getTime()) / 60_000);
  return alert('follow-lagging', INDEX_WIDE, `follow-lagging ${since.toISOString()}`, seen, {
    summary: `the follower has not caught up with the index for ${minutes} minutes (${pendingProjects} projects pending)`,
    since: since.toISOString(),
    pending_projects: pendingProjects,
  });
}

/** `file-removed`: `filename` was listed for `project` and is not any more. Once per file name. */
export function fileRemovedAlert(project: string, filename: string, version: string | undefined, url: string, seen: Date): NewAlert {
  return alert('file-removed', project, `file-removed ${filename}`, seen, { summary: `${filename} is no longer listed by the index`, source: url }, { filename, version });
}

/**
 * `file-added-late`: `filename` appeared in release `version` `lateMs` after the release's first
 * file (at `releaseStart`). Once per file name.
 */
export function fileAddedLateAlert(
  project: string,
  version: string,
  filename: string,
  claim: FileDigests,
  times: { releaseStart: Date; appeared: Date; uploadTime?: string },
  thresholdMs: number,
  source: string,
  seen: Date,
): NewAlert {
  const days = (times.appeared.getTime() - times.releaseStart.getTime()) / 86_400_000;
  return alert(
    'file-added-late',
    project,
    `file-added-late ${filename}`,
    seen,
    {
      summary: `${filename} appeared in ${project} ${version} ${days.toFixed(1)} days after the release's first file`,
      release_first_file: times.releaseStart.toISOString(),
      appeared: times.appeared.toISOString(),
      upload_time: times.uploadTime ?? null,
      threshold_days: thresholdMs / 86_400_000,
      claimed: digestsJson(claim),
      source,
    },
    { filename, version },
  );
}

/**
 * `digest-mismatch`: what the index claims for `filename` disagrees with `other` (the URL's
 * BLAKE2b-256, the JSON API, or the downloaded bytes, named by `against`). Once per distinct pair.
 */
export function digestMismatchAlert(
  project: string,
  version: string | undefined,
  filename: string,
  against: 'url' | 'json-api' | 'bytes' | 'url-filename',
  claimed: FileDigests,
  other: FileDigests & { filename?: string; note?: string },
  source: string,
  seen: Date,
): NewAlert {
  const what = { url: 'the digest in its URL', 'json-api': 'the JSON API', bytes: 'the downloaded bytes', 'url-filename': 'the file name in its URL' }[against];
  const key = `digest-mismatch ${filename} ${against} ${fingerprint(claimed)} ${fingerprint(other)}${other.filename !== undefined ? ` ${other.filename}` : ''}`;
  return alert(
    'digest-mismatch',
    project,
    key,
    seen,
    {
      summary: `${filename}: ${what} disagrees with what the index claims; the file was not logged`,
      against,
      claimed: digestsJson(claimed),
      found: { ...digestsJson(other), ...(other.filename !== undefined ? { filename: other.filename } : {}), ...(other.note !== undefined ? { note: other.note } : {}) },
      source,
    },
    { filename, version },
  );
}

/** Where a manifest came from, for details. */
export interface ManifestSource {
  url: string;
  /** sha256 of the manifest bytes (identifies this manifest in dedup keys). */
  sha256: string;
}

/** `not-in-manifest`: the index serves `filename` in a watched release its manifest does not list. */
export function notInManifestAlert(project: string, version: string, filename: string, served: FileDigests, m: ManifestSource, seen: Date): NewAlert {
  return alert(
    'not-in-manifest',
    project,
    `not-in-manifest ${filename} ${fingerprint(served)} ${m.sha256}`,
    seen,
    { summary: `${filename} is served for ${project} ${version} but the publisher's manifest does not list it`, served: digestsJson(served), manifest: m.url, manifest_sha256: m.sha256 },
    { filename, version },
  );
}

/** `manifest-mismatch`: the manifest and the index disagree about `filename`. */
export function manifestMismatchAlert(project: string, version: string, filename: string, served: FileDigests, listed: FileDigests, m: ManifestSource, seen: Date): NewAlert {
  return alert(
    'manifest-mismatch',
    project,
    `manifest-mismatch ${filename} ${fingerprint(served)} ${fingerprint(listed)}`,
    seen,
    {
      summary: `${filename}: the publisher's manifest gives other digests than the index serves`,
      served: digestsJson(served),
      manifest_says: digestsJson(listed),
      manifest: m.url,
      manifest_sha256: m.sha256,
    },
    { filename, version },
  );
}

/** `manifest-unverified`: the signature of the manifest at `m` does not check out (`reason`). */
export function manifestUnverifiedAlert(project: string, version: string, reason: string, m: ManifestSource, sigSha256: string | undefined, seen: Date): NewAlert {
  return alert(
    'manifest-unverified',
    project,
    `manifest-unverified ${project} ${version} ${m.sha256} ${sigSha256 ?? '-'}`,
    seen,
    { summary: `the manifest of ${project} ${version} is not signed by an allowed signer: ${reason}`, reason, manifest: m.url, manifest_sha256: m.sha256, signature_sha256: sigSha256 ?? null },
    { version },
  );
}

/** `manifest-invalid`: the manifest at `m` cannot be used (`reason`). */
export function manifestInvalidAlert(project: string, version: string, reason: string, m: ManifestSource, seen: Date): NewAlert {
  return alert(
    'manifest-invalid',
    project,
    `manifest-invalid ${project} ${version} ${m.sha256}`,
    seen,
    { summary: `the manifest of ${project} ${version} cannot be used: ${reason}`, reason, manifest: m.url, manifest_sha256: m.sha256 },
    { version },
  );
}

/** `manifest-missing`: no manifest for a watched release `graceMs` after its first file. Once per release. */
export function manifestMissingAlert(project: string, version: string, url: string, reason: string, firstSeen: Date, graceMs: number, seen: Date): NewAlert {
  const hours = Math.round(graceMs / 3_600_000);
  return alert(
    'manifest-missing',
    project,
    `manifest-missing ${project} ${version}`,
    seen,
    { summary: `no usable manifest for ${project} ${version} ${hours} hours after its first file: ${reason}`, manifest: url, reason, first_seen: firstSeen.toISOString() },
    { version },
  );
}

/** The sample alert --test-alert sends through every channel (never stored). */
export function testAlert(seen: Date): NewAlert {
  return alert('test-alert', 'example-project', `test-alert ${seen.toISOString()}`, seen, {
    summary: 'this is a test alert sent by distsum log follow --test-alert',
  }, { filename: 'example_project-1.0.0-py3-none-any.whl', version: '1.0.0' });
}

function digestsJson(d: FileDigests): { size: number | null; sha256: string | null; blake2b_256: string | null } {
  return { size: d.size ?? null, sha256: d.sha256 ?? null, blake2b_256: d.blake2b_256 ?? null };
}

function fingerprint(d: FileDigests): string {
  return `${d.size ?? '-'}:${d.sha256 ?? '-'}:${d.blake2b_256 ?? '-'}`;
}
