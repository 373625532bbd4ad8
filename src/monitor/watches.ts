// Publisher watches: for a project, where its release manifests live (a URL template) and, when
// given, who may sign them (allowed_signers and an identity). Kept in `watches.json` in the log's
// data directory rather than in the store, so `distsum watch add` works while a follower holds the
// log's writer lock; the follower re-reads the file every round. Writes replace the file atomically.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestName, normalizeProjectName } from '../dist/name.ts';
import { projectNameProblem } from '../index/names.ts';
import { isLoopback } from '../index/url.ts';
import { parseAllowedSigners } from '../manifest/allowed-signers.ts';
import { InputError, UsageError } from '../errors.ts';

/** The file in the data directory that holds the watches. */
export const WATCHES_FILE = 'watches.json';

/** Most watches one log keeps. */
export const MAX_WATCHES = 10_000;

/** Largest watches file read. */
export const MAX_WATCHES_BYTES = 64 << 20;

/** One watched project. */
export interface Watch {
  /** PEP 503 normalized project name. */
  project: string;
  /** URL template of its manifests: {version}, {name} (PEP 625 name), {project} (normalized name). */
  manifest: string;
  /** allowed_signers text (copied in, so the watch does not depend on a file elsewhere). */
  signers?: string;
  /** Where the signers came from (for messages). */
  signersFile?: string;
  /** The principal the manifest signature must be allowed for. */
  identity?: string;
  /** When the watch was added (ISO 8601); releases first seen earlier are not checked unless allVersions. */
  added: string;
  /** Check every release, also those seen before the watch was added. */
  allVersions?: boolean;
}

/** Path of the watches file in data directory `dir`. */
export function watchesPath(dir: string): string {
  return join(dir, WATCHES_FILE);
}

/**
 * Why `template` cannot be a manifest URL template, or undefined: it must contain `{version}`, use
 * only the placeholders {version}, {name}, {project}, and expand to an https URL, a file URL, or an
 * http URL to a loopback host, without credentials.
 */
export function templateProblem(template: string): string | undefined {
  if (template.length > 2048) return 'the manifest URL template is longer than 2048 characters';
  if (!template.includes('{version}')) return 'the manifest URL template must contain {version}';
  const unknown = /\{([^}]*)\}/g;
  for (const m of template.matchAll(unknown)) {
    if (!['version', 'name', 'project'].includes(m[1])) return `unknown placeholder {${m[1]}} (use {version}, {name}, {project})`;
  }
  let u: URL;
  try {
    u = new URL(expandTemplate(template, 'example', '1.0'));
  } catch {
    return `${JSON.stringify(template.slice(0, 200))} is not a URL template`;
  }
  if (u.username || u.password) return 'the manifest URL must not carry credentials';
  if (u.protocol === 'https:' || u.protocol === 'file:') return undefined;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return undefined;
  if (u.protocol === 'http:') return 'plain http is allowed only to a loopback host; use https';
  return `the manifest URL must be https, file or loopback http, not ${u.protocol}`;
}

/**
 * `template` with {version} (URL-encoded), {name} (PEP 625 name: normalized, `_` for `-`) and
 * {project} (PEP 503 normalized name) replaced for `project` and `version`.
 */
export function expandTemplate(template: string, project: string, version: string): string {
  return template
    .replaceAll('{version}', encodeURIComponent(version))
    .replaceAll('{name}', manifestName(project))
    .replaceAll('{project}', normalizeProjectName(project));
}

function validWatch(v: unknown, where: string): Watch {
  const bad = (why: string) => new InputError(`${where}: ${why}`);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('a watch is not an object');
  const o = v as Record<string, unknown>;
  if (typeof o.project !== 'string' || projectNameProblem(o.project) || normalizeProjectName(o.project) !== o.project) throw bad('"project" is not a normalized project name');
  if (typeof o.manifest !== 'string' || templateProblem(o.manifest)) throw bad(`"manifest" of ${o.project} is not a valid template`);
  if (typeof o.added !== 'string' || !Number.isFinite(Date.parse(o.added))) throw bad(`"added" of ${o.project} is not a time`);
  const w: Watch = { project: o.project, manifest: o.manifest, added: o.added };
  if (o.signers !== undefined || o.identity !== undefined) {
    if (typeof o.signers !== 'string' || typeof o.identity !== 'string' || o.identity === '') throw bad(`${o.project} needs both "signers" and "identity"`);
    w.signers = o.signers;
    w.identity = o.identity;
    if (typeof o.signersFile === 'string') w.signersFile = o.signersFile;
  }
  if (o.allVersions === true) w.allVersions = true;
  return w;
}

/** The watches in data directory `dir` (none when the file does not exist). Throws InputError when it is malformed. */
export function loadWatches(dir: string): Watch[] {
  const path = watchesPath(dir);
  if (!existsSync(path)) return [];
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_WATCHES_BYTES) throw new InputError(`${path} is larger than ${MAX_WATCHES_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError(`${path} is not JSON; fix or remove it`);
  }
  const list = (doc as { watches?: unknown })?.watches;
  if (!Array.isArray(list)) throw new InputError(`${path} has no "watches" list`);
  if (list.length > MAX_WATCHES) throw new InputError(`${path} has more than ${MAX_WATCHES} watches`);
  const out = list.map((w, i) => validWatch(w, `${path}: watches[${i}]`));
  if (new Set(out.map((w) => w.project)).size !== out.length) throw new InputError(`${path} watches a project twice`);
  return out;
}

/** Replaces the watches file of `dir` with `watches` (written to a temporary file, then renamed). */
export function saveWatches(dir: string, watches: Watch[]): void {
  const path = watchesPath(dir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ watches }, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, path);
}

/** Input of newWatch. */
export interface WatchInput {
  project: string;
  manifest: string;
  signers?: { text: string; file: string };
  identity?: string;
  allVersions?: boolean;
  now: Date;
}

/**
 * A validated watch: the project name normalized, the template checked, the allowed_signers text
 * parsed (so a broken file fails now, not in the follower). Signers and identity go together.
 */
export function newWatch(input: WatchInput): Watch {
  const problem = projectNameProblem(input.project);
  if (problem) throw new UsageError(problem);
  const tp = templateProblem(input.manifest);
  if (tp) throw new UsageError(tp);
  if ((input.signers === undefined) !== (input.identity === undefined)) throw new UsageError('--signers and --identity go together');
  const w: Watch = { project: normalizeProjectName(input.project), manifest: input.manifest, added: input.now.toISOString() };
  if (input.signers !== undefined && input.identity !== undefined) {
    if (input.identity === '' || /[\0-\x1f]/.test(input.identity)) throw new UsageError('--identity must be a non-empty single line');
    const parsed = parseAllowedSigners(input.signers.text, input.signers.file);
    if (parsed.signers.length === 0) throw new UsageError(`${input.signers.file} lists no usable signer`);
    w.signers = input.signers.text;
    w.signersFile = input.signers.file;
    w.identity = input.identity;
  }
  if (input.allVersions) w.allVersions = true;
  return w;
}

/** `watches` with `w` added, replacing an earlier watch of the same project. */
export function withWatch(watches: Watch[], w: Watch): Watch[] {
  const out = watches.filter((x) => x.project !== w.project);
  if (out.length >= MAX_WATCHES) throw new UsageError(`a log keeps at most ${MAX_WATCHES} watches`);
  return [...out, w].sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : 0));
}
