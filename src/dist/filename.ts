// What a distribution file's name says: wheel (binary distribution format) and source
// distribution (PEP 625 `.tar.gz`, legacy `.zip`, legacy names with dashes) file names.

import { InputError } from '../errors.ts';
import { normalizeProjectName } from './name.ts';
import { versionKey } from './version.ts';

export { normalizeProjectName, manifestName } from './name.ts';
export { versionsEqual, versionKey } from './version.ts';

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
  const bad = (why: string) => new InputError(`${JSON.stringify(filename)} is not a distribution file name: ${why}`);
  if (filename.length === 0) throw bad('it is empty');
  if (filename.length > MAX_FILENAME_LENGTH) throw bad(`longer than ${MAX_FILENAME_LENGTH} characters`);
  if (/[/\\]/.test(filename)) throw bad('it contains a path separator (give a file name, not a path)');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(filename)) throw bad('it contains control characters');
  if (filename.includes('..')) throw bad('it contains ".."');
  if (filename.endsWith('.whl')) return parseWheel(filename, bad);
  for (const extension of ['.tar.gz', '.zip'] as const) {
    if (filename.endsWith(extension)) return parseSdist(filename, extension, bad);
  }
  throw bad('expected a .whl, .tar.gz or .zip file');
}

/** Whether `filename` parses as a distribution file name (see parseDistFilename). */
export function isDistFilename(filename: string): boolean {
  try {
    parseDistFilename(filename);
    return true;
  } catch {
    return false;
  }
}

function parseWheel(filename: string, bad: (why: string) => InputError): DistFilename {
  const parts = filename.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    throw bad('a wheel name has 5 or 6 dash-separated parts: name-version(-build)-python-abi-platform.whl');
  }
  const [name, version] = parts;
  const [python, abi, platform] = parts.slice(-3);
  const buildTag = parts.length === 6 ? parts[2] : undefined;
  if (!WHEEL_NAME.test(name)) throw bad(`invalid project name ${JSON.stringify(name)}`);
  if (versionKey(version) === undefined) throw bad(`invalid version ${JSON.stringify(version)}`);
  if (buildTag !== undefined && !BUILD_TAG.test(buildTag)) {
    throw bad(`invalid build tag ${JSON.stringify(buildTag)} (it must start with a digit)`);
  }
  for (const t of [python, abi, platform]) if (!TAG_SET.test(t)) throw bad(`invalid compatibility tag ${JSON.stringify(t)}`);
  const out: DistFilename = {
    filename,
    kind: 'wheel',
    name,
    normalizedName: normalizeProjectName(name),
    version,
    pythonTags: python.split('.'),
    abiTags: abi.split('.'),
    platformTags: platform.split('.'),
    extension: '.whl',
  };
  if (buildTag !== undefined) out.buildTag = buildTag;
  return out;
}

function parseSdist(filename: string, extension: '.tar.gz' | '.zip', bad: (why: string) => InputError): DistFilename {
  const stem = filename.slice(0, -extension.length);
  const split = splitNameVersion(stem);
  if (!split) throw bad('expected {name}-{version}' + extension);
  const [name, version] = split;
  if (!NAME.test(name)) throw bad(`invalid project name ${JSON.stringify(name)}`);
  return { filename, kind: 'sdist', name, normalizedName: normalizeProjectName(name), version, extension };
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
    if (versionKey(version) !== undefined || LEGACY_VERSION.test(version)) return [stem.slice(0, i), version];
    return undefined;
  }
  return undefined;
}
