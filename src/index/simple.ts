// The simple repository API: a project's file list and the list of projects, as PEP 691 JSON or
// PEP 503 HTML (chosen by the response's Content-Type, never by sniffing the body). Everything is
// validated on the way in: names, digests, URLs, counts; a page that breaks a rule is refused as a
// whole with an IndexFormatError, so the log never records half of a hostile page.

import { IndexFormatError } from './errors.ts';
import { tokenizeHtml, type HtmlAttribute } from './html.ts';
import { checkDigest, filenameProblem, isKnownHashName, normalizeProjectName, projectNameProblem } from './names.ts';
import { checkText, decodeUtf8, isObject, isoTime, nonNegativeInteger, own, parseJsonObject, resolveUrl, DEFAULT_MAX_STRING, type Obj } from './fields.ts';

/** One distribution file as the simple API describes it. */
export interface SimpleFile {
  /** A plain distribution file name (see filenameProblem). */
  filename: string;
  /** Absolute http(s) URL, fragment removed. */
  url: string;
  /** Algorithm name -> lowercase hex digest, every one validated; may be empty. */
  hashes: Record<string, string>;
  /** PEP 700 size in bytes (JSON only). */
  size?: number;
  /** PEP 700 upload time, ISO 8601 as the index wrote it (JSON only). */
  uploadTime?: string;
  /** false, true (yanked without a reason) or the reason. */
  yanked: false | true | string;
  requiresPython?: string;
  /** PEP 658/714 metadata file: available (true) or available with these digests; undefined if not. */
  coreMetadata?: true | Record<string, string>;
}

/** What a page says about itself. */
export interface SimpleMeta {
  /** `meta.api-version` (JSON) or `<meta name="pypi:repository-version">` (HTML, default "1.0"). */
  apiVersion: string;
  /** PyPI's `_last-serial` (JSON) or `<!--SERIAL n-->` (HTML), when present. */
  lastSerial?: number;
}

/** A project page. File names are unique within it. */
export interface SimpleProject {
  /** The name the page gives (JSON), or the last segment of the page URL (HTML). */
  name: string;
  normalizedName: string;
  files: SimpleFile[];
  /** PEP 700 `versions` (JSON, API 1.1+). */
  versions?: string[];
  meta: SimpleMeta;
  format: 'json' | 'html';
}

/** One entry of the project list. Normalized names are unique within a list. */
export interface ListedProject {
  name: string;
  normalizedName: string;
  /** PyPI's per-project `_last-serial` (JSON only). */
  lastSerial?: number;
}

/** The `/simple/` project list. */
export interface SimpleIndex {
  projects: ListedProject[];
  meta: SimpleMeta;
  format: 'json' | 'html';
}

/** Bounds on what one page may hold. */
export interface SimpleLimits {
  maxFiles: number;
  maxProjects: number;
  maxVersions: number;
  /** Longest URL, requires-python, yank reason or anchor text accepted. */
  maxStringLength: number;
}

/** Defaults well above PyPI's largest pages (about 700k projects; tens of thousands of files). */
export const DEFAULT_SIMPLE_LIMITS: SimpleLimits = {
  maxFiles: 500_000,
  maxProjects: 5_000_000,
  maxVersions: 100_000,
  maxStringLength: DEFAULT_MAX_STRING,
};

/** Content types a simple page may have, with the format each means. */
const SIMPLE_TYPES: Readonly<Record<string, 'json' | 'html'>> = {
  'application/vnd.pypi.simple.v1+json': 'json',
  'application/vnd.pypi.simple.latest+json': 'json',
  'application/vnd.pypi.simple.v1+html': 'html',
  'application/vnd.pypi.simple.latest+html': 'html',
  'text/html': 'html',
};

/**
 * The format a Content-Type header value announces: 'json' for the PEP 691 JSON types, 'html' for
 * text/html and the PEP 691 HTML types. Parameters are ignored except a charset, which must be
 * UTF-8 (or its subset US-ASCII). Anything else throws IndexFormatError naming `where`.
 */
export function simpleFormat(contentType: string, where: string): 'json' | 'html' {
  const [type, ...params] = contentType.split(';');
  const media = type.trim().toLowerCase();
  const format = Object.hasOwn(SIMPLE_TYPES, media) ? SIMPLE_TYPES[media] : undefined;
  if (!format) throw new IndexFormatError(where, `unexpected content type ${JSON.stringify(contentType.slice(0, 100))} for a simple API page`);
  for (const p of params) {
    const [k, v = ''] = p.split('=');
    if (k.trim().toLowerCase() !== 'charset') continue;
    const cs = v.trim().replace(/^"|"$/g, '').toLowerCase();
    if (cs !== 'utf-8' && cs !== 'utf8' && cs !== 'us-ascii') throw new IndexFormatError(where, `unsupported charset ${JSON.stringify(cs.slice(0, 40))} (expected UTF-8)`);
  }
  return format;
}

/**
 * Parses a project page fetched from `baseUrl` (the final URL, used to resolve relative links and,
 * for HTML, as the project name source). The format comes from `contentType` (see simpleFormat).
 * Returns the page's files in page order. Throws IndexFormatError for anything malformed or
 * hostile: bad UTF-8 or JSON, API major version other than 1, invalid names, non-hex digests,
 * non-http(s) URLs, duplicate file names, an HTML anchor whose text is not its URL's file name,
 * or more than `limits` allow.
 */
export function parseSimpleProject(body: Uint8Array, contentType: string, baseUrl: string, limits: SimpleLimits = DEFAULT_SIMPLE_LIMITS): SimpleProject {
  const format = simpleFormat(contentType, baseUrl);
  const text = decodeUtf8(body, baseUrl);
  return format === 'json' ? jsonProject(text, baseUrl, limits) : htmlProject(text, baseUrl, limits);
}

/**
 * Parses the `/simple/` project list fetched from `baseUrl`. JSON: `projects[]` with `name` and
 * PyPI's `_last-serial`; HTML: the text of each anchor. Throws IndexFormatError as
 * parseSimpleProject does, and for duplicate normalized names.
 */
export function parseSimpleIndex(body: Uint8Array, contentType: string, baseUrl: string, limits: SimpleLimits = DEFAULT_SIMPLE_LIMITS): SimpleIndex {
  const format = simpleFormat(contentType, baseUrl);
  const text = decodeUtf8(body, baseUrl);
  return format === 'json' ? jsonIndex(text, baseUrl, limits) : htmlIndex(text, baseUrl, limits);
}

// ---- JSON (PEP 691) ----

function jsonProject(text: string, where: string, limits: SimpleLimits): SimpleProject {
  const doc = parseJsonObject(text, where);
  const meta = jsonMeta(doc, where);
  const name = stringField(doc, 'name', where, limits);
  if (name === undefined) throw new IndexFormatError(where, 'the page has no "name"');
  const nameProblem = projectNameProblem(name);
  if (nameProblem) throw new IndexFormatError(where, nameProblem);
  const rawFiles = own(doc, 'files');
  if (!Array.isArray(rawFiles)) throw new IndexFormatError(where, '"files" is not a list');
  if (rawFiles.length > limits.maxFiles) throw new IndexFormatError(where, `more than ${limits.maxFiles} files`);
  const files = rawFiles.map((f, i) => jsonFile(f, `${where}: files[${i}]`, where, limits));
  checkUniqueFilenames(files, where);
  const project: SimpleProject = { name, normalizedName: normalizeProjectName(name), files, meta, format: 'json' };
  const versions = own(doc, 'versions');
  if (versions !== undefined) project.versions = versionList(versions, where, limits);
  return project;
}

function jsonFile(v: unknown, where: string, baseUrl: string, limits: SimpleLimits): SimpleFile {
  if (!isObject(v)) throw new IndexFormatError(where, 'a file entry is not an object');
  const filename = own(v, 'filename');
  if (typeof filename !== 'string') throw new IndexFormatError(where, '"filename" is missing or not a string');
  const fnProblem = filenameProblem(filename);
  if (fnProblem) throw new IndexFormatError(where, fnProblem);
  const at = `${where} (${filename})`;
  const href = own(v, 'url');
  if (typeof href !== 'string') throw new IndexFormatError(at, '"url" is missing or not a string');
  const file: SimpleFile = { filename, url: resolveUrl(href, baseUrl, at, limits.maxStringLength).url, hashes: hashDict(own(v, 'hashes'), at, 'hashes'), yanked: yankedValue(own(v, 'yanked'), at, limits) };
  const size = own(v, 'size');
  if (size !== undefined) file.size = nonNegativeInteger(size, at, 'size');
  const uploadTime = own(v, 'upload-time');
  if (uploadTime !== undefined && uploadTime !== null) file.uploadTime = isoTime(uploadTime, at, 'upload-time');
  const rp = stringField(v, 'requires-python', at, limits);
  if (rp) file.requiresPython = rp;
  const cm = Object.hasOwn(v, 'core-metadata') ? own(v, 'core-metadata') : own(v, 'dist-info-metadata');
  if (cm !== undefined && cm !== null && cm !== false) file.coreMetadata = cm === true ? true : hashDict(cm, at, 'core-metadata');
  return file;
}

function jsonIndex(text: string, where: string, limits: SimpleLimits): SimpleIndex {
  const doc = parseJsonObject(text, where);
  const meta = jsonMeta(doc, where);
  const raw = own(doc, 'projects');
  if (!Array.isArray(raw)) throw new IndexFormatError(where, '"projects" is not a list');
  if (raw.length > limits.maxProjects) throw new IndexFormatError(where, `more than ${limits.maxProjects} projects`);
  const projects = raw.map((p, i): ListedProject => {
    const at = `${where}: projects[${i}]`;
    if (!isObject(p)) throw new IndexFormatError(at, 'a project entry is not an object');
    const name = own(p, 'name');
    if (typeof name !== 'string') throw new IndexFormatError(at, '"name" is missing or not a string');
    const problem = projectNameProblem(name);
    if (problem) throw new IndexFormatError(at, problem);
    const entry: ListedProject = { name, normalizedName: normalizeProjectName(name) };
    const serial = own(p, '_last-serial');
    if (serial !== undefined) entry.lastSerial = nonNegativeInteger(serial, at, '_last-serial');
    return entry;
  });
  checkUniqueProjects(projects, where);
  return { projects, meta, format: 'json' };
}

function jsonMeta(doc: Obj, where: string): SimpleMeta {
  const meta = own(doc, 'meta');
  if (!isObject(meta)) throw new IndexFormatError(where, '"meta" is missing or not an object');
  const version = own(meta, 'api-version');
  if (typeof version !== 'string') throw new IndexFormatError(where, '"meta.api-version" is missing or not a string');
  const out: SimpleMeta = { apiVersion: checkApiVersion(version, where) };
  const serial = own(meta, '_last-serial');
  if (serial !== undefined) out.lastSerial = nonNegativeInteger(serial, where, 'meta._last-serial');
  return out;
}

// PEP 629: a client must refuse a major version it does not know; newer minors are fine.
function checkApiVersion(version: string, where: string): string {
  const m = /^([0-9]{1,6})\.([0-9]{1,6})$/.exec(version);
  if (!m) throw new IndexFormatError(where, `API version ${JSON.stringify(version.slice(0, 40))} is not MAJOR.MINOR`);
  if (m[1] !== '1') throw new IndexFormatError(where, `unsupported API version ${version} (this client reads version 1.x)`);
  return version;
}

function hashDict(v: unknown, where: string, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new IndexFormatError(where, `"${field}" is not an object`);
  const out: Record<string, string> = {};
  const keys = Object.keys(v);
  if (keys.length > 32) throw new IndexFormatError(where, `"${field}" has more than 32 entries`);
  for (const k of keys) {
    const r = checkDigest(k, v[k]);
    if ('problem' in r) throw new IndexFormatError(where, r.problem);
    out[k] = r.hex;
  }
  return out;
}

function yankedValue(v: unknown, where: string, limits: SimpleLimits): false | true | string {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'string') return v === '' ? true : checkText(v, where, 'yanked', limits.maxStringLength, true);
  throw new IndexFormatError(where, '"yanked" is neither a boolean nor a string');
}

function versionList(v: unknown, where: string, limits: SimpleLimits): string[] {
  if (!Array.isArray(v)) throw new IndexFormatError(where, '"versions" is not a list');
  if (v.length > limits.maxVersions) throw new IndexFormatError(where, `more than ${limits.maxVersions} versions`);
  return v.map((x, i) => {
    if (typeof x !== 'string' || x.length === 0 || x.length > 256 || /[\s\u0000-\u001f\u007f-\u009f]/.test(x)) {
      throw new IndexFormatError(where, `versions[${i}] is not a version string`);
    }
    return x;
  });
}

// ---- HTML (PEP 503) ----

interface Anchor {
  attributes: HtmlAttribute[];
  text: string;
}

interface HtmlPage {
  anchors: Anchor[];
  apiVersion: string;
  lastSerial?: number;
}

// Collects anchors (with href) and their text, the repository-version meta tag and the SERIAL
// comment. Nested anchors are not possible in HTML: an <a> closes an open one, as browsers do.
function readHtmlPage(text: string, where: string, maxAnchors: number, limits: SimpleLimits): HtmlPage {
  const anchors: Anchor[] = [];
  let open: Anchor | undefined;
  let apiVersion: string | undefined;
  let lastSerial: number | undefined;
  const close = () => {
    if (open) anchors.push(open);
    open = undefined;
  };
  for (const tok of tokenizeHtml(text, where)) {
    if (tok.kind === 'start' && tok.name === 'a') {
      close();
      if (tok.attributes.some((a) => a.name === 'href')) {
        if (anchors.length >= maxAnchors) throw new IndexFormatError(where, `more than ${maxAnchors} links`);
        open = { attributes: tok.attributes, text: '' };
      }
    } else if (tok.kind === 'end' && tok.name === 'a') {
      close();
    } else if (tok.kind === 'text') {
      if (open) {
        open.text += tok.text;
        if (open.text.length > limits.maxStringLength) throw new IndexFormatError(where, `a link text is longer than ${limits.maxStringLength} characters`);
      }
    } else if (tok.kind === 'start' && tok.name === 'meta') {
      if (attr(tok.attributes, 'name')?.toLowerCase() === 'pypi:repository-version') {
        if (apiVersion !== undefined) throw new IndexFormatError(where, 'more than one pypi:repository-version meta tag');
        apiVersion = checkApiVersion((attr(tok.attributes, 'content') ?? '').trim(), where);
      }
    } else if (tok.kind === 'comment') {
      const m = /^\s*SERIAL\s+([0-9]{1,16})\s*$/.exec(tok.text);
      if (m) {
        if (lastSerial !== undefined) throw new IndexFormatError(where, 'more than one SERIAL comment');
        lastSerial = nonNegativeInteger(Number(m[1]), where, 'SERIAL');
      }
    }
  }
  close();
  const page: HtmlPage = { anchors, apiVersion: apiVersion ?? '1.0' };
  if (lastSerial !== undefined) page.lastSerial = lastSerial;
  return page;
}

function htmlProject(text: string, baseUrl: string, limits: SimpleLimits): SimpleProject {
  const name = projectNameFromUrl(baseUrl);
  const page = readHtmlPage(text, baseUrl, limits.maxFiles, limits);
  const files = page.anchors.map((a, i) => htmlFile(a, `${baseUrl}: link ${i + 1}`, baseUrl, limits));
  checkUniqueFilenames(files, baseUrl);
  return { name, normalizedName: normalizeProjectName(name), files, meta: htmlMeta(page), format: 'html' };
}

function htmlFile(a: Anchor, where: string, baseUrl: string, limits: SimpleLimits): SimpleFile {
  const filename = trimHtmlSpace(a.text);
  const problem = filenameProblem(filename);
  if (problem) throw new IndexFormatError(where, problem);
  const at = `${where} (${filename})`;
  const { url, fragment } = resolveUrl(attr(a.attributes, 'href') ?? '', baseUrl, at, limits.maxStringLength);
  // PEP 503: the text of the anchor MUST match the file name at the end of the URL.
  const path = new URL(url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  let urlName: string;
  try {
    urlName = decodeURIComponent(last);
  } catch {
    throw new IndexFormatError(at, 'the link URL has a malformed %-escape');
  }
  if (urlName !== filename) throw new IndexFormatError(at, `the link text is not the file name of its URL (${JSON.stringify(urlName.slice(0, 100))})`);
  const file: SimpleFile = { filename, url, hashes: fragmentHashes(fragment, at), yanked: false };
  const yanked = attr(a.attributes, 'data-yanked');
  if (yanked !== undefined) file.yanked = yanked === '' ? true : checkText(yanked, at, 'data-yanked', limits.maxStringLength, true);
  const rp = attr(a.attributes, 'data-requires-python');
  if (rp) file.requiresPython = checkText(rp, at, 'data-requires-python', limits.maxStringLength);
  const cm = attr(a.attributes, 'data-core-metadata') ?? attr(a.attributes, 'data-dist-info-metadata');
  if (cm !== undefined) {
    const meta = metadataAttribute(cm, at);
    if (meta !== undefined) file.coreMetadata = meta;
  }
  return file;
}

function htmlIndex(text: string, baseUrl: string, limits: SimpleLimits): SimpleIndex {
  const page = readHtmlPage(text, baseUrl, limits.maxProjects, limits);
  const projects = page.anchors.map((a, i): ListedProject => {
    const name = trimHtmlSpace(a.text);
    const problem = projectNameProblem(name);
    if (problem) throw new IndexFormatError(`${baseUrl}: link ${i + 1}`, problem);
    return { name, normalizedName: normalizeProjectName(name) };
  });
  checkUniqueProjects(projects, baseUrl);
  return { projects, meta: htmlMeta(page), format: 'html' };
}

function htmlMeta(page: HtmlPage): SimpleMeta {
  const meta: SimpleMeta = { apiVersion: page.apiVersion };
  if (page.lastSerial !== undefined) meta.lastSerial = page.lastSerial;
  return meta;
}

// `#sha256=<hex>` (pip also reads `&`-separated parts). Unknown keys (`egg=`) are not hashes and are
// ignored; a known hash name with a bad value is an error.
function fragmentHashes(fragment: string, where: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  if (!fragment) return hashes;
  for (const part of fragment.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq);
    if (!isKnownHashName(name)) continue;
    const r = checkDigest(name, part.slice(eq + 1));
    if ('problem' in r) throw new IndexFormatError(where, r.problem);
    if (Object.hasOwn(hashes, name) && hashes[name] !== r.hex) throw new IndexFormatError(where, `two different ${name} digests in the link`);
    hashes[name] = r.hex;
  }
  return hashes;
}

// PEP 658/714: "true" or "<hashname>=<hex>". Other values do not announce a metadata file.
function metadataAttribute(v: string, where: string): true | Record<string, string> | undefined {
  if (v === 'true') return true;
  const eq = v.indexOf('=');
  if (eq < 0) return undefined;
  const r = checkDigest(v.slice(0, eq), v.slice(eq + 1));
  if ('problem' in r) throw new IndexFormatError(where, `data-core-metadata: ${r.problem}`);
  return { [v.slice(0, eq)]: r.hex };
}

// The project name of an HTML page is the last path segment of its URL (/simple/<name>/).
function projectNameFromUrl(baseUrl: string): string {
  let path: string;
  try {
    path = new URL(baseUrl).pathname;
  } catch {
    throw new IndexFormatError(JSON.stringify(baseUrl.slice(0, 200)), 'not a URL');
  }
  const seg = path.split('/').filter((s) => s !== '').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(seg);
  } catch {
    name = seg;
  }
  const problem = projectNameProblem(name);
  if (problem) throw new IndexFormatError(baseUrl, `cannot tell the project from the page URL: ${problem}`);
  return name;
}

// ---- shared ----

function stringField(o: Obj, k: string, where: string, limits: SimpleLimits): string | undefined {
  const v = own(o, k);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new IndexFormatError(where, `"${k}" is not a string`);
  return checkText(v, where, k, limits.maxStringLength);
}

function attr(attributes: HtmlAttribute[], name: string): string | undefined {
  return attributes.find((a) => a.name === name)?.value;
}

// Trims HTML whitespace by scanning (a /\s+$/ regex is quadratic on long runs of spaces).
function trimHtmlSpace(s: string): string {
  const space = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
  let a = 0;
  let b = s.length;
  while (a < b && space(s.charCodeAt(a))) a++;
  while (b > a && space(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function checkUniqueFilenames(files: SimpleFile[], where: string): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.filename)) throw new IndexFormatError(where, `the file ${f.filename} is listed twice`);
    seen.add(f.filename);
  }
}

function checkUniqueProjects(projects: ListedProject[], where: string): void {
  const seen = new Set<string>();
  for (const p of projects) {
    if (seen.has(p.normalizedName)) throw new IndexFormatError(where, `the project ${p.normalizedName} is listed twice`);
    seen.add(p.normalizedName);
  }
}
