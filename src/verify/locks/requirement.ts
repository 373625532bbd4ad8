// One requirement as pip reads it from a requirements file line (after the options are split
// off): a PEP 508 specifier (`name[extras] ==1.0 ; marker`, `name @ url ; marker`), a URL
// (`https://.../x.whl`, `git+https://...#egg=name`) or a local path (`./dist/x.whl`, `.`).
// The rules follow pip's parse_req_from_line, minus anything that looks at the file system.

import { InputError } from '../../errors.ts';
import { parseDistFilename } from '../../dist/filename.ts';
import { quote } from './fields.ts';
import { lastPathSegment, urlFragmentParams } from './url.ts';

/** What a requirement says about the file(s) it pins, before any --hash options. */
export interface Requirement {
  /** The project name as written (not normalized); absent for an unnamed URL or path. */
  name?: string;
  /** The pinned version: an exact `==`/`===` specifier, or the version in a wheel/sdist file name. */
  version?: string;
  /** How the requirement locates its distribution. */
  kind: 'index' | 'url' | 'vcs' | 'file' | 'directory';
  /** The URL (kind url/vcs), or the path as written (kind file/directory). */
  location?: string;
  /** The file name, when the URL or path names a distribution file. */
  filename?: string;
  /** The environment marker, unevaluated; absent when there is none. */
  marker?: string;
  /** A digest given in the URL fragment (`#sha256=<hex>`), which pip checks too. */
  fragmentHash?: [string, string];
}

const URL_SCHEMES = new Set(['http', 'https', 'file', 'ftp']);
const VCS_SCHEME = /^(?:git|hg|svn|bzr)(?:\+[a-z-]+)?$/;
// Archive suffixes pip treats as installable files (pip's filetypes.ARCHIVE_EXTENSIONS).
const ARCHIVE = /\.(?:whl|zip|tar\.gz|tgz|tar|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma)$/i;
const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/s;
const CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*$/;
// Digest algorithms pip honours in a URL fragment (pip's Link._hash_re).
const FRAGMENT_HASH = /^(sha1|sha224|sha384|sha256|sha512|md5)$/;

/** pip's get_url_scheme: the part before the first colon, lowercased. */
function urlScheme(s: string): string | undefined {
  const i = s.indexOf(':');
  return i === -1 ? undefined : s.slice(0, i).toLowerCase();
}

/** Whether pip reads `s` as a URL (http, https, file, ftp or a VCS scheme). */
export function isUrl(s: string): boolean {
  const scheme = urlScheme(s);
  return scheme !== undefined && (URL_SCHEMES.has(scheme) || VCS_SCHEME.test(scheme));
}

function isVcsUrl(url: string): boolean {
  const scheme = urlScheme(url);
  return scheme !== undefined && VCS_SCHEME.test(scheme);
}

// pip's _looks_like_path: a path separator, or a leading dot.
function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || s.startsWith('.');
}

/**
 * Parses the requirement part of a requirements line (`args` as pip's break_args_options leaves
 * it). Throws InputError starting with `where` when it is not a requirement pip would accept
 * (a bad name or specifier, a wheel URL whose file name is not a wheel name).
 */
export function parseRequirement(args: string, where: string): Requirement {
  const urlForm = isUrl(args);
  // pip needs whitespace before the marker's `;` only after a URL (a URL may contain `;`).
  const sep = urlForm ? '; ' : ';';
  let spec = args;
  let marker: string | undefined;
  const cut = spec.indexOf(sep);
  if (cut !== -1) {
    marker = spec.slice(cut + sep.length).trim() || undefined;
    spec = spec.slice(0, cut);
  }
  spec = spec.trim();
  if (spec === '') throw new InputError(`${where}: a marker without a requirement`);
  const withMarker = (r: Requirement): Requirement => (marker === undefined ? r : { ...r, marker });

  if (urlForm) return withMarker(fromUrl(undefined, spec, where));
  if (looksLikePath(spec) || ARCHIVE.test(stripExtras(spec))) {
    const at = spec.indexOf('@');
    // `name @ ./x.whl` is a PEP 508 URL requirement, not a path (pip's _get_url_from_path).
    if (at === -1 || looksLikePath(spec.slice(0, at))) return withMarker(fromPath(stripExtras(spec), where));
  }
  const m = NAME.exec(spec);
  if (!m) throw new InputError(`${where}: ${quote(spec)} is not a valid requirement`);
  const [, name, , rest] = m;
  if (rest.startsWith('@')) {
    const url = rest.slice(1).trim();
    if (url === '' || /\s/.test(url)) throw new InputError(`${where}: ${quote(spec)} has no valid URL after "@"`);
    // pip also takes a path after "@" (`name @ ./dist/x.whl`).
    return withMarker({ ...(isUrl(url) ? fromUrl(name, url, where) : fromPath(url, where)), name });
  }
  const version = exactVersion(rest, spec, where);
  return withMarker(version === undefined ? { name, kind: 'index' } : { name, version, kind: 'index' });
}

// The version of an exact pin (`==1.0`, `=== 1.0`, `(==1.0)`), or undefined for any other
// specifier; InputError when the specifier is not one.
function exactVersion(rest: string, spec: string, where: string): string | undefined {
  let s = rest.trim();
  if (s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
  if (s.trim() === '') return undefined;
  const clauses = s.split(',').map((c) => CLAUSE.exec(c));
  if (clauses.some((c) => c === null)) throw new InputError(`${where}: ${quote(spec)} is not a valid requirement`);
  if (clauses.length !== 1) return undefined;
  const [, op, version] = clauses[0]!;
  if (op === '===' || (op === '==' && !version.endsWith('.*'))) return version;
  return undefined;
}

function stripExtras(path: string): string {
  return path.replace(/\[[^\]]*\]$/, '');
}

function fromUrl(name: string | undefined, url: string, where: string): Requirement {
  if (isVcsUrl(url)) return { name: name ?? eggName(url), kind: 'vcs', location: url };
  const filename = lastPathSegment(url);
  const req: Requirement = { kind: 'url', location: url, ...distInfo(name, filename, where) };
  const hash = fragmentHash(url);
  if (hash) req.fragmentHash = hash;
  if (req.name === undefined) {
    const egg = eggName(url);
    if (egg !== undefined) req.name = egg;
  }
  return req;
}

function fromPath(path: string, where: string): Requirement {
  if (!ARCHIVE.test(path)) return { kind: 'directory', location: path };
  return { kind: 'file', location: path, ...distInfo(undefined, lastPathSegment(path), where) };
}

// Name, version and file name from a distribution file name. A wheel must have a valid wheel
// name (pip refuses others); an sdist name is only a hint, so a legacy one that does not parse
// leaves name and version unknown.
function distInfo(name: string | undefined, filename: string | undefined, where: string): Partial<Requirement> {
  if (filename === undefined || !ARCHIVE.test(filename)) return {};
  const out: Partial<Requirement> = { filename };
  try {
    const d = parseDistFilename(filename);
    out.name = name ?? d.name;
    out.version = d.version;
  } catch (err) {
    if (filename.toLowerCase().endsWith('.whl')) {
      throw new InputError(`${where}: ${quote(filename)} is not a valid wheel file name`, { cause: err });
    }
  }
  return out;
}

// The project name in a URL's `#egg=` fragment, when it is one.
function eggName(url: string): string | undefined {
  const egg = urlFragmentParams(url).get('egg');
  if (egg === undefined) return undefined;
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(egg);
  return m?.[1];
}

function fragmentHash(url: string): [string, string] | undefined {
  for (const [k, v] of urlFragmentParams(url)) {
    if (FRAGMENT_HASH.test(k)) return [k, v];
  }
  return undefined;
}
