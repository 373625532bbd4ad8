// Checking a watched project's releases against the publisher's manifests: for each release in
// scope, fetch `<template with version>` (and `.sig` when signers are set), verify the SSHSIG
// signature, and compare every file the index serves for the release (as the log recorded it)
// with the manifest. A release is checked again when its files change; a release without a usable
// manifest is retried, and alerts `manifest-missing` once its grace period is over.

import { createHash } from 'node:crypto';
import { normalizeProjectName } from '../dist/name.ts';
import { versionsEqual } from '../dist/version.ts';
import type { Entry } from '../log/entry.ts';
import { UNKNOWN_VERSION } from '../log/entry.ts';
import { parseManifest, MAX_MANIFEST_BYTES } from '../manifest/manifest.ts';
import type { Manifest } from '../manifest/manifest.ts';
import { MAX_SSHSIG_TEXT } from '../manifest/sshsig.ts';
import { verifySshsig } from '../manifest/verify.ts';
import type { NewAlert } from '../store/store.ts';
import { errorMessage } from '../errors.ts';
import {
  manifestInvalidAlert,
  manifestMismatchAlert,
  manifestMissingAlert,
  manifestUnverifiedAlert,
  notInManifestAlert,
  type FileDigests,
  type ManifestSource,
} from './alerts.ts';
import type { TextFetch } from './fetchtext.ts';
import type { ManifestCheck, ProjectState } from './state.ts';
import { expandTemplate, type Watch } from './watches.ts';

/** How to check. */
export interface ManifestOptions {
  /** After this long without a usable manifest (from the release's first file), alert manifest-missing. */
  graceMs: number;
  /** A release without a usable manifest is fetched again at most this often. */
  recheckMs: number;
}

/** What checking a project's releases produced. */
export interface ManifestOutcome {
  alerts: NewAlert[];
  /** The project's manifest checks after this run (for ProjectState.manifests). */
  manifests: Map<string, ManifestCheck>;
  /** Manifests fetched. */
  fetched: number;
}

/** A fingerprint of a release's files (name, size, sha256, blake2b): a change means check again. */
export function releaseFingerprint(files: Entry[]): string {
  const lines = files.map((e) => `${e.filename} ${e.size} ${e.sha256} ${e.blake2b256 ?? '-'}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/**
 * The releases of `state` that `watch` covers, with the logged entries of their currently listed
 * files: releases first seen at or after the watch was added (every release with allVersions).
 */
export function releasesInScope(watch: Watch, state: ProjectState, logged: Entry[]): Map<string, Entry[]> {
  const added = Date.parse(watch.added);
  const listed = new Set(state.files.keys());
  const out = new Map<string, Entry[]>();
  for (const e of logged) {
    if (e.version === UNKNOWN_VERSION || !listed.has(e.filename)) continue;
    const first = state.versions.get(e.version);
    if (!watch.allVersions && (first === undefined || first < added)) continue;
    const list = out.get(e.version) ?? [];
    list.push(e);
    out.set(e.version, list);
  }
  return out;
}

/**
 * Checks the releases of `project` that `watch` covers (see releasesInScope) and are due: never
 * checked, files changed since, or not yet matched and last tried at least recheckMs ago.
 */
export async function checkManifests(
  watch: Watch,
  state: ProjectState,
  logged: Entry[],
  deps: { fetchText: TextFetch; now: () => Date },
  opts: ManifestOptions,
): Promise<ManifestOutcome> {
  const manifests = new Map(state.manifests ?? []);
  const alerts: NewAlert[] = [];
  let fetched = 0;
  for (const [version, files] of releasesInScope(watch, state, logged)) {
    const now = deps.now();
    const fp = releaseFingerprint(files);
    const prev = manifests.get(version);
    if (prev !== undefined && prev.files === fp && (prev.status === 'ok' || now.getTime() - prev.checked < opts.recheckMs)) continue;
    fetched++;
    const firstSeen = Math.max(state.versions.get(version) ?? now.getTime(), watch.allVersions ? Date.parse(watch.added) : 0);
    const r = await checkRelease(watch, version, files, new Date(firstSeen), deps, opts, now);
    alerts.push(...r.alerts);
    manifests.set(version, { status: r.status, files: fp, checked: now.getTime() });
  }
  return { alerts, manifests, fetched };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// One release: fetch, verify, compare.
async function checkRelease(
  watch: Watch,
  version: string,
  files: Entry[],
  firstSeen: Date,
  deps: { fetchText: TextFetch },
  opts: ManifestOptions,
  now: Date,
): Promise<{ status: ManifestCheck['status']; alerts: NewAlert[] }> {
  const project = watch.project;
  const url = expandTemplate(watch.manifest, project, version);
  const missing = (reason: string) => {
    const overdue = now.getTime() - firstSeen.getTime() > opts.graceMs;
    return { status: 'pending' as const, alerts: overdue ? [manifestMissingAlert(project, version, url, reason, firstSeen, opts.graceMs, now)] : [] };
  };
  let body: Buffer;
  try {
    const a = await deps.fetchText(url, MAX_MANIFEST_BYTES);
    if (!a.found) return missing(a.reason);
    body = a.body;
  } catch (e) {
    return missing(errorMessage(e));
  }
  const source: ManifestSource = { url, sha256: createHash('sha256').update(body).digest('hex') };
  const invalid = (reason: string) => ({ status: 'problem' as const, alerts: [manifestInvalidAlert(project, version, reason, source, now)] });

  let m: Manifest;
  try {
    m = parseManifest(utf8.decode(body));
  } catch (e) {
    return invalid(e instanceof TypeError ? 'the manifest is not UTF-8 text' : errorMessage(e));
  }
  if (normalizeProjectName(m.project) !== project || !versionsEqual(m.version, version)) {
    return invalid(`the manifest describes ${m.project} ${m.version}, not ${project} ${version}`);
  }

  if (watch.signers !== undefined && watch.identity !== undefined) {
    const sigUrl = `${url}.sig`;
    let sig: Buffer | undefined;
    let reason: string | undefined;
    try {
      const a = await deps.fetchText(sigUrl, MAX_SSHSIG_TEXT);
      if (a.found) sig = a.body;
      else reason = `no signature: ${a.reason}`;
    } catch (e) {
      reason = `the signature could not be fetched: ${errorMessage(e)}`;
    }
    const sigSha = sig === undefined ? undefined : createHash('sha256').update(sig).digest('hex');
    if (sig !== undefined) {
      try {
        verifySshsig({
          message: body,
          signature: sig.toString('utf8'),
          allowedSigners: watch.signers,
          allowedSignersName: watch.signersFile ?? 'allowed_signers',
          identity: watch.identity,
          now,
          signatureName: sigUrl,
          messageName: url,
        });
      } catch (e) {
        reason = errorMessage(e);
      }
    }
    // An unverified manifest says nothing: its contents are not compared.
    if (reason !== undefined) return { status: 'problem', alerts: [manifestUnverifiedAlert(project, version, reason, source, sigSha, now)] };
  }

  const byName = new Map(m.files.map((f) => [f.filename, f]));
  const alerts: NewAlert[] = [];
  for (const e of files) {
    const served: FileDigests = { size: e.size, sha256: e.sha256, blake2b_256: e.blake2b256 };
    const f = byName.get(e.filename);
    if (f === undefined) {
      alerts.push(notInManifestAlert(project, version, e.filename, served, source, now));
      continue;
    }
    const differs =
      (f.size !== undefined && f.size !== e.size) || f.sha256 !== e.sha256 || (e.blake2b256 !== undefined && f.blake2b_256 !== e.blake2b256);
    if (differs) alerts.push(manifestMismatchAlert(project, version, e.filename, served, { size: f.size, sha256: f.sha256, blake2b_256: f.blake2b_256 }, source, now));
  }
  return { status: alerts.length === 0 ? 'ok' : 'problem', alerts };
}
