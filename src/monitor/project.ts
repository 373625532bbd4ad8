// One poll of one project: fetch its page (conditionally), merge it with the JSON API where the
// index has one and there is something new, complete or verify files by downloading them, and say
// what to record: the alerts (recorded first: they are idempotent), the claims for the sequencer
// (which raises hash-changed itself), and the project's next state (saved last, once the claims are
// durable). Nothing here writes; a crash between the caller's steps only repeats work.

import type { IndexClient } from '../index/client.ts';
import { IndexHttpError, IndexTooLargeError } from '../index/errors.ts';
import type { JsonApiProject } from '../index/jsonapi.ts';
import type { DigestUrlLayout } from '../index/pythonhosted.ts';
import type { Entry } from '../log/entry.ts';
import { entryProblem, sameFile, UNKNOWN_VERSION } from '../log/entry.ts';
import type { Claim } from '../log/sequencer.ts';
import type { NewAlert } from '../store/store.ts';
import { errorMessage } from '../errors.ts';
import { digestMismatchAlert, type FileDigests } from './alerts.ts';
import { bytesDisagree, fetchDigests, inSample } from './bytes.ts';
import { isComplete, mergeListing, versionFromFilename, type ListedFile, type Listing } from './listing.ts';
import { isBaseline, lateAlerts, nextState, removedAlerts } from './rules.ts';
import type { ProjectState } from './state.ts';
import type { Digests } from '../digest/multi.ts';

/** What a poll needs from the outside. */
export interface PollDeps {
  client: IndexClient;
  /** The logged entries of these file names (absent names are not logged). */
  logged(filenames: string[]): Promise<Map<string, Entry>>;
  /** Downloads and hashes a file (default: fetchDigests through `client`). */
  download?(url: string, expectedSize: number | undefined): Promise<Digests>;
  now(): Date;
}

/** How to poll. */
export interface PollOptions {
  /** Fraction of new files to download and hash (0..1). */
  verifyRate: number;
  /** file-added-late threshold. */
  lateAfterMs: number;
  /** Whether to read the JSON API (when the index has one). */
  useJsonApi: boolean;
  /** Content-addressed file hosts whose URLs encode BLAKE2b-256. */
  layouts: readonly DigestUrlLayout[];
}

/** The outcome of a poll. */
export type PollResult =
  /** The page did not change since `prev` (HTTP 304). */
  | { kind: 'unchanged'; state: ProjectState }
  /** The page was read. `complete` is false when some file could not be handled (retry later). */
  | {
      kind: 'listed';
      listing: Listing;
      alerts: NewAlert[];
      claims: Claim[];
      state: ProjectState;
      /** The page's own serial, if it gives one. */
      serial?: number;
      complete: boolean;
      /** Per-file problems that left the poll incomplete (one line each). */
      problems: string[];
      /** Files downloaded and hashed. */
      downloaded: number;
      /** The page answered 404/410: the project is gone from the index. */
      gone: boolean;
    };

const GONE = new Set([404, 410]);

/**
 * Polls `name` (a normalized project name) given its previous state `prev` (undefined on first
 * sight). Throws the index client's typed errors when the page itself cannot be read; the caller
 * turns those into follow-error alerts. A 404/410 page is an empty listing (every file removed).
 */
export async function pollProject(name: string, prev: ProjectState | undefined, deps: PollDeps, opts: PollOptions): Promise<PollResult> {
  const client = deps.client;
  const cond = prev?.etag !== undefined || prev?.lastModified !== undefined ? { etag: prev.etag, lastModified: prev.lastModified } : undefined;
  const pageUrl = `${client.urls.simple}${name}/`;
  let listing: Listing;
  let validators: { etag?: string; lastModified?: string } = {};
  let serial: number | undefined;
  let json: JsonApiProject | undefined;
  let logged = new Map<string, Entry>();
  let gone = false;
  try {
    const r = await client.getProject(name, cond);
    if (r.notModified) {
      const s: ProjectState = { ...prev!, polled: deps.now().getTime() };
      delete s.errorSince;
      return { kind: 'unchanged', state: s };
    }
    validators = r.validators;
    serial = r.value.meta.lastSerial ?? r.lastSerial;
    const withJsonApi = opts.useJsonApi && client.urls.jsonApi !== undefined;
    // Which files the log holds decides JSON API reads, downloads and late files, and nothing else
    // (the sequencer dedups claims itself): a first sight of a page that gives every file's size
    // and sha256, with nothing to read or verify besides, needs no lookup (a backfill's case).
    const lookup = isBaseline(prev) || withJsonApi || opts.verifyRate > 0 || !r.value.files.every((f) => f.size !== undefined && f.hashes.sha256 !== undefined);
    if (lookup) logged = await deps.logged(r.value.files.map((f) => f.filename));
    if (withJsonApi) {
      const fresh = r.value.files.map((f) => f.filename).filter((n) => !logged.has(n));
      if (fresh.length > 0) json = await jsonApi(client, name, fresh);
    }
    listing = mergeListing(r.value, r.url, json, opts.layouts);
  } catch (e) {
    if (!(e instanceof IndexHttpError && GONE.has(e.status))) throw e;
    listing = { project: name, files: [], disagreements: [], source: pageUrl };
    gone = true;
  }

  const now = deps.now();
  const alerts: NewAlert[] = listing.disagreements.map((d) => digestMismatchAlert(name, d.version, d.filename, d.against, d.claimed, d.found, listing.source, now));
  // Neither rule has anything to say on a first sight (a backfill's every project).
  if (isBaseline(prev)) {
    alerts.push(...removedAlerts(prev, listing, now));
    alerts.push(...lateAlerts(prev, listing, (f) => logged.has(f), opts.lateAfterMs, now));
  }

  const claims: Claim[] = [];
  const problems: string[] = [];
  let downloaded = 0;
  // Most files are decided from the listing alone (a backfill's every file): only those to
  // download wait for anything, so the rest cost no promise.
  const toFetch: ListedFile[] = [];
  for (const f of listing.files) {
    const old = logged.get(f.filename);
    if (old !== undefined) {
      // A logged file: compare what the listing gives; download only to complete a contradiction.
      if (isComplete(f)) {
        const c = claimOf(name, listing.source, f, f, problems);
        if (c !== undefined && !sameFile(old, c.entry)) claims.push(c);
      } else if ((f.sha256 !== undefined && f.sha256 !== old.sha256) || (f.blake2b256 !== undefined && old.blake2b256 !== undefined && f.blake2b256 !== old.blake2b256)) {
        toFetch.push(f);
      }
    } else if (isComplete(f) && !inSample(f.filename, opts.verifyRate)) {
      const c = claimOf(name, listing.source, f, f, problems);
      if (c !== undefined) claims.push(c);
    } else {
      toFetch.push(f);
    }
  }

  if (toFetch.length > 0) {
    const download = deps.download ?? ((url: string, size: number | undefined) => fetchDigests(client, url, size));
    await Promise.all(
      toFetch.map(async (f) => {
        const claimed: FileDigests = { size: f.size, sha256: f.sha256, blake2b_256: f.blake2b256 };
        let bytes: Digests;
        try {
          bytes = await download(f.url, f.size);
          downloaded++;
        } catch (e) {
          if (e instanceof IndexTooLargeError && f.size !== undefined) {
            alerts.push(digestMismatchAlert(name, f.version, f.filename, 'bytes', claimed, { note: `the download is larger than the claimed ${f.size} bytes` }, f.url, now));
            return;
          }
          problems.push(`${f.filename}: ${errorMessage(e)}`);
          return;
        }
        if (bytesDisagree(claimed, bytes)) {
          alerts.push(digestMismatchAlert(name, f.version, f.filename, 'bytes', claimed, { size: bytes.size, sha256: bytes.sha256, blake2b_256: bytes.blake2b_256 }, f.url, now));
          return;
        }
        const c = claimOf(name, listing.source, f, { size: bytes.size, sha256: bytes.sha256, blake2b256: bytes.blake2b_256 }, problems);
        if (c !== undefined) claims.push(c);
      }),
    );
    // Page order, whatever order the downloads finished in: entries of a page stay together.
    const order = new Map(listing.files.map((f, i) => [f.filename, i]));
    claims.sort((a, b) => order.get(a.entry.filename)! - order.get(b.entry.filename)!);
  }

  const state = nextState(prev, listing, now);
  if (validators.etag !== undefined) state.etag = validators.etag;
  if (validators.lastModified !== undefined) state.lastModified = validators.lastModified;
  const complete = problems.length === 0;
  if (!complete) {
    // Without validators the next poll reads the page again and retries the files that failed.
    delete state.etag;
    delete state.lastModified;
  }
  const out: PollResult = { kind: 'listed', listing, alerts, claims, state, complete, problems, downloaded, gone };
  if (serial !== undefined) out.serial = serial;
  return out;
}

/**
 * The claim that file `f` of project `name` has digests `d`, or undefined (with the reason added
 * to `problems`) when the log would refuse the entry: the sequencer refuses a whole batch for one
 * bad entry (a version with invisible characters, say), so such a file is a problem of its own.
 */
function claimOf(name: string, source: string, f: ListedFile, d: { size: number; sha256: string; blake2b256?: string }, problems: string[]): Claim | undefined {
  // Built whole (no property added later): entries wait for the sequencer, and fewer objects are less to copy.
  const entry: Entry =
    d.blake2b256 === undefined
      ? { project: name, version: f.version, filename: f.filename, size: d.size, sha256: d.sha256 }
      : { project: name, version: f.version, filename: f.filename, size: d.size, sha256: d.sha256, blake2b256: d.blake2b256 };
  const bad = entryProblem(entry);
  if (bad !== undefined) {
    problems.push(`${f.filename}: cannot be logged: ${bad}`);
    return undefined;
  }
  return { entry, source };
}

/** New files in at most this many releases are described by per-release JSON API documents. */
export const MAX_RELEASE_DOCUMENTS = 3;

/**
 * What the JSON API says about the new files `fresh` of `name`: the documents of their releases
 * (`/pypi/<name>/<version>/json`, small) when they are in at most MAX_RELEASE_DOCUMENTS releases,
 * else the project document (`/pypi/<name>/json`, everything), merged into one. A document the
 * index does not have (404) is skipped; undefined when none was found. Other failures propagate.
 */
async function jsonApi(client: IndexClient, name: string, fresh: string[]): Promise<JsonApiProject | undefined> {
  const versions = new Set(fresh.map(versionFromFilename));
  const docs: JsonApiProject[] = [];
  const get = async (version?: string) => {
    try {
      docs.push((await client.getJsonApi(name, version)).value);
    } catch (e) {
      if (!(e instanceof IndexHttpError && GONE.has(e.status))) throw e;
    }
  };
  // Versions the endpoint cannot name (see IndexClient.getJsonApi) take the project document.
  const nameable = [...versions].every((v) => v !== UNKNOWN_VERSION && /^[A-Za-z0-9._+!-]{1,256}$/.test(v) && !/^\.+$/.test(v));
  if (versions.size <= MAX_RELEASE_DOCUMENTS && nameable) for (const v of versions) await get(v);
  else await get();
  if (docs.length === 0) return undefined;
  const files = docs.flatMap((d) => d.files);
  return { ...docs[0], files, versions: docs.flatMap((d) => d.versions) };
}
