// PyPI's JSON API: `/pypi/<name>/json` (every release under `releases`, the latest under `urls`)
// and `/pypi/<name>/<version>/json` (that release under `urls`). It is the only PyPI API that
// gives blake2b_256 and says which version a file belongs to; validated like the simple API.

import { IndexFormatError } from './errors.ts';
import { checkDigest, filenameProblem, normalizeProjectName, projectNameProblem } from './names.ts';
import { checkText, decodeUtf8, isObject, isoTime, nonNegativeInteger, own, parseJsonObject, resolveUrl, DEFAULT_MAX_STRING } from './fields.ts';

/** One file of a release. */
export interface JsonApiFile {
  filename: string;
  /** Absolute http(s) URL. */
  url: string;
  /** The release (the `releases` key, or `info.version` for `urls`). */
  version: string;
  /** Algorithm -> lowercase hex (md5, sha256, blake2b_256 as the index gives them), validated. */
  digests: Record<string, string>;
  size: number;
  /** `upload_time_iso_8601`, else `upload_time` (UTC on PyPI) with `Z` appended. */
  uploadTime?: string;
  yanked: false | true | string;
  requiresPython?: string;
  /** sdist, bdist_wheel, ... */
  packagetype?: string;
}

/** A JSON API document. File names are unique across it. */
export interface JsonApiProject {
  /** `info.name` and its PEP 503 form. */
  name: string;
  normalizedName: string;
  /** `info.version`: the latest release, or the one asked for. */
  version: string;
  /** PyPI's `last_serial`, when present. */
  lastSerial?: number;
  /** Every release key, including releases without files, in document order. */
  versions: string[];
  /** Every file of every release, in document order. */
  files: JsonApiFile[];
}

/** Bounds on one document. */
export interface JsonApiLimits {
  maxFiles: number;
  maxVersions: number;
  maxStringLength: number;
}

/** Defaults above PyPI's largest projects. */
export const DEFAULT_JSONAPI_LIMITS: JsonApiLimits = { maxFiles: 500_000, maxVersions: 100_000, maxStringLength: DEFAULT_MAX_STRING };

/**
 * Parses a JSON API document fetched from `url`. Files come from `releases` (when present) and
 * `urls` (release `info.version`); a file in both must be described identically. Throws
 * IndexFormatError for malformed JSON, invalid names, non-hex digests, `md5_digest` disagreeing with
 * `digests.md5`, sizes that are not non-negative integers, duplicate files, or beyond `limits`.
 */
export function parseJsonApi(body: Uint8Array, url: string, limits: JsonApiLimits = DEFAULT_JSONAPI_LIMITS): JsonApiProject {
  const doc = parseJsonObject(decodeUtf8(body, url), url);
  const info = own(doc, 'info');
  if (!isObject(info)) throw new IndexFormatError(url, '"info" is missing or not an object');
  const name = own(info, 'name');
  if (typeof name !== 'string') throw new IndexFormatError(url, '"info.name" is missing or not a string');
  const nameProblem = projectNameProblem(name);
  if (nameProblem) throw new IndexFormatError(url, nameProblem);
  const version = versionString(own(info, 'version'), url, 'info.version');

  const versions: string[] = [];
  const files: JsonApiFile[] = [];
  const byName = new Map<string, JsonApiFile>();
  const add = (f: JsonApiFile, where: string) => {
    const prev = byName.get(f.filename);
    if (prev) {
      if (!sameFile(prev, f)) throw new IndexFormatError(where, `${f.filename} is described twice, differently`);
      return;
    }
    if (files.length >= limits.maxFiles) throw new IndexFormatError(url, `more than ${limits.maxFiles} files`);
    byName.set(f.filename, f);
    files.push(f);
  };

  const releases = own(doc, 'releases');
  if (releases !== undefined) {
    if (!isObject(releases)) throw new IndexFormatError(url, '"releases" is not an object');
    const keys = Object.keys(releases);
    if (keys.length > limits.maxVersions) throw new IndexFormatError(url, `more than ${limits.maxVersions} releases`);
    for (const v of keys) {
      const at = `${url}: releases[${JSON.stringify(v.slice(0, 100))}]`;
      versions.push(versionString(v, at, 'release'));
      const list = releases[v];
      if (!Array.isArray(list)) throw new IndexFormatError(at, 'a release is not a list');
      if (list.length > limits.maxFiles) throw new IndexFormatError(at, `more than ${limits.maxFiles} files`);
      list.forEach((f, i) => add(jsonApiFile(f, v, `${at}[${i}]`, url, limits), at));
    }
  }
  const urls = own(doc, 'urls');
  if (urls !== undefined) {
    if (!Array.isArray(urls)) throw new IndexFormatError(url, '"urls" is not a list');
    if (urls.length > limits.maxFiles) throw new IndexFormatError(url, `more than ${limits.maxFiles} files`);
    if (!versions.includes(version)) versions.push(version);
    urls.forEach((f, i) => add(jsonApiFile(f, version, `${url}: urls[${i}]`, url, limits), `${url}: urls[${i}]`));
  }

  const project: JsonApiProject = { name, normalizedName: normalizeProjectName(name), version, versions, files };
  const serial = own(doc, 'last_serial');
  if (serial !== undefined && serial !== null) project.lastSerial = nonNegativeInteger(serial, url, 'last_serial');
  return project;
}

function jsonApiFile(v: unknown, version: string, where: string, baseUrl: string, limits: JsonApiLimits): JsonApiFile {
  if (!isObject(v)) throw new IndexFormatError(where, 'a file entry is not an object');
  const filename = own(v, 'filename');
  if (typeof filename !== 'string') throw new IndexFormatError(where, '"filename" is missing or not a string');
  const problem = filenameProblem(filename);
  if (problem) throw new IndexFormatError(where, problem);
  const at = `${where} (${filename})`;
  const href = own(v, 'url');
  if (typeof href !== 'string') throw new IndexFormatError(at, '"url" is missing or not a string');
  const digests = digestDict(own(v, 'digests'), at);
  const md5 = own(v, 'md5_digest');
  if (md5 !== undefined && md5 !== null && md5 !== '') {
    const r = checkDigest('md5', md5);
    if ('problem' in r) throw new IndexFormatError(at, r.problem);
    if (digests.md5 !== undefined && digests.md5 !== r.hex) throw new IndexFormatError(at, '"md5_digest" disagrees with "digests.md5"');
    digests.md5 = r.hex;
  }
  const file: JsonApiFile = {
    filename,
    url: resolveUrl(href, baseUrl, at, limits.maxStringLength).url,
    version,
    digests,
    size: nonNegativeInteger(own(v, 'size'), at, 'size'),
    yanked: false,
  };
  const iso = own(v, 'upload_time_iso_8601');
  const plain = own(v, 'upload_time');
  if (typeof iso === 'string') file.uploadTime = isoTime(iso, at, 'upload_time_iso_8601');
  else if (typeof plain === 'string') file.uploadTime = isoTime(/Z$|[+-][0-9]{2}:[0-9]{2}$/.test(plain) ? plain : `${plain}Z`, at, 'upload_time');
  const yanked = own(v, 'yanked');
  if (yanked !== undefined && yanked !== null && typeof yanked !== 'boolean') throw new IndexFormatError(at, '"yanked" is not a boolean');
  if (yanked === true) {
    const reason = own(v, 'yanked_reason');
    if (reason !== undefined && reason !== null && typeof reason !== 'string') throw new IndexFormatError(at, '"yanked_reason" is not a string');
    file.yanked = typeof reason === 'string' && reason !== '' ? checkText(reason, at, 'yanked_reason', limits.maxStringLength, true) : true;
  }
  const rp = own(v, 'requires_python');
  if (rp !== undefined && rp !== null) {
    if (typeof rp !== 'string') throw new IndexFormatError(at, '"requires_python" is not a string');
    if (rp !== '') file.requiresPython = checkText(rp, at, 'requires_python', limits.maxStringLength);
  }
  const pt = own(v, 'packagetype');
  if (pt !== undefined && pt !== null) {
    if (typeof pt !== 'string' || !/^[a-z_]{1,32}$/.test(pt)) throw new IndexFormatError(at, '"packagetype" is not a package type');
    file.packagetype = pt;
  }
  return file;
}

function digestDict(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new IndexFormatError(where, '"digests" is not an object');
  const keys = Object.keys(v);
  if (keys.length > 32) throw new IndexFormatError(where, '"digests" has more than 32 entries');
  const out: Record<string, string> = {};
  for (const k of keys) {
    const r = checkDigest(k, v[k]);
    if ('problem' in r) throw new IndexFormatError(where, r.problem);
    out[k] = r.hex;
  }
  return out;
}

function versionString(v: unknown, where: string, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256 || /[\s\u0000-\u001f\u007f-\u009f/\\]/.test(v)) {
    throw new IndexFormatError(where, `"${field}" is not a version string`);
  }
  return v;
}

function sameFile(a: JsonApiFile, b: JsonApiFile): boolean {
  const keys = (d: Record<string, string>) => Object.keys(d).sort().map((k) => `${k}=${d[k]}`).join(',');
  return a.url === b.url && a.version === b.version && a.size === b.size && keys(a.digests) === keys(b.digests) && a.yanked === b.yanked;
}
