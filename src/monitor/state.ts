// What the follower remembers between rounds and restarts, kept in the log store's metadata (so it
// is backed up, moved and locked with the log): per project, the cache validators of its page, the
// files it saw listed and when each release first appeared; index-wide, the project list's
// validators and when the follower last caught up. Values are JSON; decoding validates every field
// and treats anything else as absent, so a damaged value costs a re-poll, never a crash.

import { jsonValue, mapJson, objectJson } from './json.ts';

/** Metadata key prefix of everything the follower stores. */
export const FOLLOW_PREFIX = 'follow/';

/** Key of a project's state. */
export function projectKey(project: string): string {
  return `${FOLLOW_PREFIX}p/${project}`;
}

/** Key of the index-wide state. */
export const GLOBAL_KEY = `${FOLLOW_PREFIX}global`;

/** Key of the id of the last alert handed to the delivery channels. */
export const DELIVERED_KEY = `${FOLLOW_PREFIX}delivered`;

/** Most files or releases remembered per project (PyPI's largest projects have tens of thousands). */
export const MAX_REMEMBERED = 1_000_000;

/** Where the manifest check of one watched release stands. */
export interface ManifestCheck {
  /** ok: matched; problem: alerted; pending: no usable manifest yet. */
  status: 'ok' | 'problem' | 'pending';
  /** Fingerprint of the release's files when last checked (a change re-checks). */
  files: string;
  /** When last checked (ms since the epoch). */
  checked: number;
}

/** One project's remembered state. */
export interface ProjectState {
  /** Validators of the project page, for conditional requests. */
  etag?: string;
  lastModified?: string;
  /** Every file name the follower saw listed the last time, with its version. */
  files: Map<string, string>;
  /** When the follower first saw a file of each release (ms since the epoch). */
  versions: Map<string, number>;
  /** Last successful poll (ms since the epoch). */
  polled?: number;
  /** Start of the current failure episode (ms), while polls of this project fail. */
  errorSince?: number;
  /** Manifest checks of watched releases, by version. */
  manifests?: Map<string, ManifestCheck>;
}

/** The index-wide state. */
export interface GlobalState {
  /** The simple URL of the index this log follows (a log follows exactly one index). */
  index?: string;
  /** Start of the current failure episode of the project list (ms). */
  listErrorSince?: number;
  /** When the follower last finished a round with nothing left to do (ms). */
  caughtUp?: number;
}

/** An empty project state. */
export function emptyProjectState(): ProjectState {
  return { files: new Map(), versions: new Map() };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function time(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

function text(v: unknown, max = 1024): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

function parseJson(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

// A Map (never a plain object: names come from the index, and `__proto__` is a valid version) of
// valid keys and values only, at most MAX_REMEMBERED of them.
function map<T>(v: unknown, value: (x: unknown) => T | undefined): Map<string, T> | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length > MAX_REMEMBERED) return undefined;
  const out = new Map<string, T>();
  for (const k of keys) {
    if (k.length === 0 || k.length > 512) return undefined;
    const x = value(v[k]);
    if (x === undefined) return undefined;
    out.set(k, x);
  }
  return out;
}

function manifestCheck(v: unknown): ManifestCheck | undefined {
  if (!isRecord(v)) return undefined;
  const status = v.status;
  const files = text(v.files, 128);
  const checked = time(v.checked);
  if ((status !== 'ok' && status !== 'problem' && status !== 'pending') || files === undefined || checked === undefined) return undefined;
  return { status, files, checked };
}

/**
 * Decodes a stored project state. Undefined when `value` is absent or not a valid state (the
 * caller then starts the project afresh, as on its first poll).
 */
export function decodeProjectState(value: string | undefined): ProjectState | undefined {
  const v = parseJson(value);
  if (!isRecord(v)) return undefined;
  const files = map(v.files, (x) => text(x, 256));
  const versions = map(v.versions, time);
  if (files === undefined || versions === undefined) return undefined;
  const s: ProjectState = { files, versions };
  for (const k of ['etag', 'lastModified'] as const) {
    if (v[k] === undefined) continue;
    const t = text(v[k]);
    if (t === undefined) return undefined;
    s[k] = t;
  }
  for (const k of ['polled', 'errorSince'] as const) {
    if (v[k] === undefined) continue;
    const t = time(v[k]);
    if (t === undefined) return undefined;
    s[k] = t;
  }
  if (v.manifests !== undefined) {
    const m = map(v.manifests, manifestCheck);
    if (m === undefined) return undefined;
    s.manifests = m;
  }
  return s;
}

/**
 * The stored form of a project state (decodeProjectState(encodeProjectState(s)) deep-equals s):
 * the JSON of `s` with each Map an object, as JSON.stringify writes it.
 */
export function encodeProjectState(s: ProjectState): string {
  return objectJson(Object.keys(s), (k) => {
    const v: unknown = s[k as keyof ProjectState];
    return v instanceof Map ? mapJson(v as Map<string, unknown>) : jsonValue(v);
  });
}

/** Decodes the index-wide state; an absent or invalid value is the empty state. */
export function decodeGlobalState(value: string | undefined): GlobalState {
  const v = parseJson(value);
  if (!isRecord(v)) return {};
  const g: GlobalState = {};
  const index = text(v.index, 4096);
  if (index !== undefined) g.index = index;
  for (const k of ['listErrorSince', 'caughtUp'] as const) {
    const t = time(v[k]);
    if (t !== undefined) g[k] = t;
  }
  return g;
}

/** The stored form of the index-wide state. */
export function encodeGlobalState(g: GlobalState): string {
  return JSON.stringify(g);
}
