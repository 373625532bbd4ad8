// What a distribution file's name says: wheel (binary distribution format) and source
// distribution (PEP 625 `.tar.gz`, legacy `.zip`, legacy names with dashes) file names.

import { InputError } from '../errors.ts';
import { normalizeProjectName } from './name.ts';
import { isVersion } from './version.ts';

export { normalizeProjectName, manifestName } from './name.ts';
export { isVersion, versionsEqual, versionKey } from './version.ts';

/** A parsed distribution file name. Tag lists are present exactly for wheels. */
export interface DistFilename {
  filename: string;
  kind: 'wheel' | 'sdist';
  /** The name as written in the file name (wheels: `-` escaped to `_`). */
  name: string;
  /** PEP 503 normalized name. */
  normalizedName: string;
  /** The version as written in the file name. */
  version: string;
  /** Wheel build tag (starts with a digit), when the file name has one. */
  buildTag?: string;
  pythonTags?: string[];
  abiTags?: string[];
  platformTags?: string[];
  extension: '.whl' | '.tar.gz' | '.zip';
}

// Longest file name a file system takes (NAME_MAX).
const MAX_FILENAME_LENGTH = 255;
// A project name (PEP 508): letters and digits, with `.`, `_`, `-` inside.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// A wheel's name component: as NAME but `-` is escaped away.
const WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
const BUILD_TAG = /^[0-9][A-Za-z0-9_.]*$/;
const TAG_SET = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/;
// A legacy (non PEP 440) sdist version: starts like a version, then version-ish characters.
const LEGACY_VERSION = /^v?[0-9][A-Za-z0-9._+!-]*$/i;

/**
 * Parses a distribution file name (a base name, not a path). Wheels must be
 * `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` with a PEP 440 version; sdists
 * `{name}-{version}.tar.gz` or `.zip`, where a legacy name may contain dashes: the split is at the
 * last dash followed by something that starts like a version (see splitNameVersion).
 * Throws InputError naming the file for anything else, including path separators, control
 * characters and `..`.
 */
export function parseDistFilename(filename: string): DistFilename {
  const p = splitDistFilename(filename);
  if (typeof p === 'string') throw new InputError(`${JSON.stringify(filename)} is not a distribution file name: ${p}`);
  if (p.kind === 'sdist') return { filename, kind: 'sdist', name: p.name, normalizedName: normalizeProjectName(p.name), version: p.version, extension: p.extension };
  const out: DistFilename = {
    filename,
    kind: 'wheel',
    name: p.name,
    normalizedName: normalizeProjectName(p.name),
    version: p.version,
    pythonTags: p.tags[0].split('.'),
    abiTags: p.tags[1].split('.'),
    platformTags: p.tags[2].split('.'),
    extension: '.whl',
  };
  if (p.buildTag !== undefined) out.buildTag = p.buildTag;
  return out;
}

/** Whether `filename` parses as a distribution file name (see parseDistFilename). */
export function isDistFilename(filename: string): boolean {
  return typeof splitDistFilename(filename) !== 'string';
}

/**
 * The version a distribution file name gives: parseDistFilename(filename).version where that
 * parses, else undefined. Never throws, and builds nothing but the version: the follower asks
 * this of every file an index lists.
 */
export function distFilenameVersion(filename: string): string | undefined {
  const p = splitDistFilename(filename);
  return typeof p === 'string' ? undefined : p.version;
}

// A distribution file name's parts as written (tags unsplit), checked as parseDistFilename
// documents.
type DistParts =
  | { kind: 'wheel'; name: string; version: string; buildTag?: string; tags: [string, string, string] }
  | { kind: 'sdist'; name: string; version: string; extension: '.tar.gz' | '.zip' };

// The parts of `filename`, or why it is not a distribution file name. A reason, not an error: a
// caller that only asks whether it parses builds no message.
function splitDistFilename(filename: string): DistParts | string {
  if (filename.length === 0) return 'it is empty';
  if (filename.length > MAX_FILENAME_LENGTH) return `longer than ${MAX_FILENAME_LENGTH} characters`;
  if (/[/\\]/.test(filename)) return 'it contains a path separator (give a file name, not a path)';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(filename)) return 'it contains control characters';
  if (filename.includes('..')) return 'it contains ".."';
  if (filename.endsWith('.whl')) return splitWheel(filename);
  if (filename.endsWith('.tar.gz')) return splitSdist(filename, '.tar.gz');
  if (filename.endsWith('.zip')) return splitSdist(filename, '.zip');
  return 'expected a .whl, .tar.gz or .zip file';
}

function splitWheel(filename: string): DistParts | string {
  const parts = filename.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    return 'a wheel name has 5 or 6 dash-separated parts: name-version(-build)-python-abi-platform.whl';
  }
  const [name, version] = parts;
  const tags: [string, string, string] = [parts[parts.length - 3], parts[parts.length - 2], parts[parts.length - 1]];
  const buildTag = parts.length === 6 ? parts[2] : undefined;
  if (!WHEEL_NAME.test(name)) return `invalid project name ${JSON.stringify(name)}`;
  if (!isVersion(version)) return `invalid version ${JSON.stringify(version)}`;
  if (buildTag !== undefined && !BUILD_TAG.test(buildTag)) return `invalid build tag ${JSON.stringify(buildTag)} (it must start with a digit)`;
  for (const t of tags) if (!TAG_SET.test(t)) return `invalid compatibility tag ${JSON.stringify(t)}`;
  return buildTag === undefined ? { kind: 'wheel', name, version, tags } : { kind: 'wheel', name, version, buildTag, tags };
}

function splitSdist(filename: string, extension: '.tar.gz' | '.zip'): DistParts | string {
  const split = splitNameVersion(filename.slice(0, -extension.length));
  if (!split) return 'expected {name}-{version}' + extension;
  const [name, version] = split;
  if (!NAME.test(name)) return `invalid project name ${JSON.stringify(name)}`;
  return { kind: 'sdist', name, version, extension };
}

/**
 * Splits a source distribution's `{name}-{version}` stem. A PEP 625 name has no dash, but legacy
 * names do (`python-dateutil-2.8.2`), so the split is at the last dash followed by something that
 * starts like a version (a digit, or `v` and a digit), as packaging's parse_sdist_filename does;
 * the version must then be PEP 440 or at least version-like. Undefined when there is no such dash.
 * (inspectDist re-splits an ambiguous legacy name where the metadata says the name ends.)
 */
export function splitNameVersion(stem: string): [string, string] | undefined {
  for (let i = stem.lastIndexOf('-'); i > 0; i = stem.lastIndexOf('-', i - 1)) {
    const version = stem.slice(i + 1);
    if (!/^v?[0-9]/i.test(version)) continue;
    if (isVersion(version) || LEGACY_VERSION.test(version)) return [stem.slice(0, i), version];
    return undefined;
  }
  return undefined;
}
