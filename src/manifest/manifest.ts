// Release manifests: `<name>-<version>.hashes.txt`, the digests of every file of one release, in the
// BSD-tagged form GNU `cksum -c` checks (all lines) and `sha256sum -c` checks (its SHA256 lines; it warns
// about, and skips, the BLAKE2b-256/MD5 lines and ignores `#` comments):
//
//   # distsum release manifest v1
//   # project: example-pkg
//   # version: 1.2.0
//   # created: 2024-05-01T12:00:00Z
//   # size (example_pkg-1.2.0-py3-none-any.whl) = 12345
//   SHA256 (example_pkg-1.2.0-py3-none-any.whl) = <hex>
//   BLAKE2b-256 (example_pkg-1.2.0-py3-none-any.whl) = <hex>
//   MD5 (example_pkg-1.2.0-py3-none-any.whl) = <hex>          (only when md5 was asked)
//
// Files are sorted by name (UTF-8 byte order); LF line ends; final newline. The `# size` comment is a
// distsum extension both tools skip as a comment.

import { InputError } from '../errors.ts';

/** One distribution file of a release. Invariant (after parse/format): hex is lowercase of the right length. */
export interface ManifestFile {
  filename: string;
  size?: number;
  sha256: string;
  blake2b_256: string;
  md5?: string;
}

/** A release manifest. `created` is an RFC 3339 UTC time (`2024-05-01T12:00:00Z`). */
export interface Manifest {
  project: string;
  version: string;
  created?: string;
  files: ManifestFile[];
}

/** First line of every v1 manifest. */
export const MANIFEST_HEADER = '# distsum release manifest v1';
/** Limits on untrusted manifests: bytes, lines, files, and file name length (UTF-8 bytes). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_MANIFEST_LINES = 100_000;
export const MAX_MANIFEST_FILES = 10_000;
export const MAX_FILENAME_BYTES = 255;
const MAX_FIELD = 200;
/** A UTF-16 surrogate without its pair: such a string has no UTF-8 form, so it could not round-trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Algo = 'sha256' | 'blake2b_256' | 'md5';
const TAGS: Record<string, { algo: Algo; hexLen: number }> = {
  SHA256: { algo: 'sha256', hexLen: 64 },
  'BLAKE2b-256': { algo: 'blake2b_256', hexLen: 64 },
  MD5: { algo: 'md5', hexLen: 32 },
};
/** Tags cksum knows that a distsum manifest does not use; named in the error so it is clear why. */
const OTHER_TAGS = /^(SHA1|SHA224|SHA384|SHA512|BLAKE2b(-\d+)?|SM3|CRC|BSD|SYSV) \(/;

/**
 * Why `name` cannot be a manifest file name, or undefined when it can: non-empty, at most
 * MAX_FILENAME_BYTES, no path separator, no control character, no leading/trailing space, not `.`/`..`.
 * (Dist file names never need any of these, and excluding them keeps cksum from escaping the name.)
 */
export function badFilename(name: string): string | undefined {
  if (name.length === 0) return 'empty file name';
  if (Buffer.byteLength(name) > MAX_FILENAME_BYTES) return `file name longer than ${MAX_FILENAME_BYTES} bytes`;
  if (/[/\\]/.test(name)) return `file name ${JSON.stringify(name)} contains a path separator`;
  if (/[\0-\x1f\x7f]/.test(name)) return `file name ${JSON.stringify(name)} contains a control character`;
  if (name !== name.trim()) return `file name ${JSON.stringify(name)} has leading or trailing space`;
  if (name === '.' || name === '..') return `file name ${JSON.stringify(name)} is not a file`;
  if (LONE_SURROGATE.test(name)) return 'file name is not valid Unicode';
  return undefined;
}

function badField(label: string, v: string): string | undefined {
  if (v.length === 0) return `empty ${label}`;
  if (LONE_SURROGATE.test(v)) return `${label} is not valid Unicode`;
  if (v.length > MAX_FIELD) return `${label} longer than ${MAX_FIELD} characters`;
  if (/[\0-\x1f\x7f]/.test(v)) return `${label} contains a control character`;
  if (v !== v.trim()) return `${label} has leading or trailing space`;
  return undefined;
}

const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

/** True when `s` is an RFC 3339 UTC timestamp of a real instant (`Z` offset, optional fraction). */
export function isRfc3339Utc(s: string): boolean {
  const m = RFC3339_UTC.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && sec < 60;
}

/** `date` as RFC 3339 UTC without fractional seconds (`2024-05-01T12:00:00Z`), for `created`. */
export function rfc3339Utc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** PEP 503 normalization with `_` as separator (PEP 625 sdist names): lowercase, runs of -_. become `_`. */
export function pep625Name(project: string): string {
  return project.replace(/[-_.]+/g, '_').toLowerCase();
}

const PEP508_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/**
 * The manifest file name for a release: `<name>-<version>.hashes.txt`, name in PEP 625 form
 * (`Example.Pkg` -> `example_pkg`), version with `-` escaped to `_` as in distribution file names.
 * Throws InputError for names that are not valid project names or versions that are not one path segment.
 */
export function manifestFileName(project: string, version: string): string {
  if (!PEP508_NAME.test(project)) throw new InputError(`invalid project name ${JSON.stringify(project.slice(0, 80))}`);
  const bad = badField('version', version);
  if (bad || /[\s/\\]/.test(version) || version === '.' || version === '..') {
    throw new InputError(`invalid version ${JSON.stringify(version.slice(0, 80))} for a manifest file name`);
  }
  return `${pep625Name(project)}-${version.replace(/-/g, '_')}.hashes.txt`;
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkHex(label: string, filename: string, hex: unknown, len: number): string {
  if (typeof hex !== 'string' || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new InputError(`${label} of ${filename} must be ${len} hex digits`);
  }
  return hex.toLowerCase();
}

/** Validates and normalizes a manifest (lowercase hex, files sorted); throws InputError naming the fault. */
function normalize(m: Manifest): Manifest {
  const bad = badField('project', m.project) ?? badField('version', m.version);
  if (bad) throw new InputError(`manifest: ${bad}`);
  if (m.created !== undefined && !isRfc3339Utc(m.created)) {
    throw new InputError(`manifest: created time ${JSON.stringify(m.created)} is not RFC 3339 UTC (2024-05-01T12:00:00Z)`);
  }
  if (m.files.length > MAX_MANIFEST_FILES) throw new InputError(`manifest: more than ${MAX_MANIFEST_FILES} files`);
  const seen = new Set<string>();
  const files = m.files.map((f): ManifestFile => {
    const why = badFilename(f.filename);
    if (why) throw new InputError(`manifest: ${why}`);
    if (seen.has(f.filename)) throw new InputError(`manifest: file ${f.filename} is listed twice`);
    seen.add(f.filename);
    const out: ManifestFile = {
      filename: f.filename,
      sha256: checkHex('SHA256', f.filename, f.sha256, 64),
      blake2b_256: checkHex('BLAKE2b-256', f.filename, f.blake2b_256, 64),
    };
    if (f.size !== undefined) {
      if (!Number.isSafeInteger(f.size) || f.size < 0) throw new InputError(`manifest: size of ${f.filename} must be a non-negative integer`);
      out.size = f.size;
    }
    if (f.md5 !== undefined) out.md5 = checkHex('MD5', f.filename, f.md5, 32);
    return out;
  });
  files.sort((a, b) => compareUtf8(a.filename, b.filename));
  const out: Manifest = { project: m.project, version: m.version, files };
  if (m.created !== undefined) out.created = m.created;
  return out;
}

/**
 * The manifest text: header comments, then per file (sorted by name) an optional `# size` comment and
 * its SHA256, BLAKE2b-256 and (if present) MD5 lines. LF line ends, final newline. Throws InputError for
 * invalid content (names, hex, times) rather than writing a manifest the tools would misread.
 */
export function formatManifest(m: Manifest): string {
  const n = normalize(m);
  const lines = [MANIFEST_HEADER, `# project: ${n.project}`, `# version: ${n.version}`];
  if (n.created !== undefined) lines.push(`# created: ${n.created}`);
  for (const f of n.files) {
    if (f.size !== undefined) lines.push(`# size (${f.filename}) = ${f.size}`);
    lines.push(`SHA256 (${f.filename}) = ${f.sha256}`);
    lines.push(`BLAKE2b-256 (${f.filename}) = ${f.blake2b_256}`);
    if (f.md5 !== undefined) lines.push(`MD5 (${f.filename}) = ${f.md5}`);
  }
  return lines.join('\n') + '\n';
}

function fail(no: number, msg: string): never {
  throw new InputError(`manifest line ${no}: ${msg}`);
}

interface Pending {
  line: number;
  size?: number;
  sha256?: string;
  blake2b_256?: string;
  md5?: string;
}

/**
 * Parses a manifest strictly. Accepted: the v1 header line first; `# project:`, `# version:`,
 * `# created:` and `# size (<file>) = <n>` comments; any other `#` comment; blank lines; BSD-tagged
 * SHA256 / BLAKE2b-256 / MD5 lines (hex in either case, normalized to lowercase); CRLF line ends.
 * Refused with an InputError naming the line: other digest tags, untagged `<hex>  <file>` lines (a 64-digit
 * hex could be SHA-256 or BLAKE2b-256, so they are ambiguous), bad hex, path separators and control
 * characters in names, conflicting duplicates, files missing SHA256 or BLAKE2b-256, size caps.
 */
export function parseManifest(text: string): Manifest {
  if (text.length > MAX_MANIFEST_BYTES || Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new InputError(`manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const lines = text.split('\n');
  if (lines.length > MAX_MANIFEST_LINES + 1) throw new InputError(`manifest has more than ${MAX_MANIFEST_LINES} lines`);
  if (lines[lines.length - 1] === '') lines.pop();
  const header: { project?: [string, number]; version?: [string, number]; created?: [string, number] } = {};
  const files = new Map<string, Pending>();
  const fileEntry = (name: string, no: number): Pending => {
    const why = badFilename(name);
    if (why) fail(no, why);
    let p = files.get(name);
    if (!p) {
      if (files.size >= MAX_MANIFEST_FILES) fail(no, `more than ${MAX_MANIFEST_FILES} files`);
      p = { line: no };
      files.set(name, p);
    }
    return p;
  };
  const setOnce = <T>(no: number, what: string, old: T | undefined, v: T): T => {
    if (old !== undefined && old !== v) fail(no, `conflicting ${what}`);
    return v;
  };

  if (lines.length === 0) throw new InputError('manifest is empty');
  lines.forEach((raw, i) => {
    const no = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0) {
      if (line === MANIFEST_HEADER) return;
      const v = /^# distsum release manifest (\S+)$/.exec(line);
      if (v) fail(no, `unsupported manifest format ${v[1]} (this distsum reads v1)`);
      fail(no, `not a distsum release manifest (the first line must be "${MANIFEST_HEADER}")`);
    }
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(line)) fail(no, 'control character in line');
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      // Lines that look like ours must be well formed; other comments are ignored, as cksum does.
      const h = /^# (project|version|created):(.*)$/.exec(line);
      if (h) {
        const [, key, rest] = h as unknown as [string, 'project' | 'version' | 'created', string];
        if (!rest.startsWith(' ')) fail(no, `expected "# ${key}: <value>"`);
        const value = rest.slice(1);
        const bad = badField(key, value);
        if (bad) fail(no, bad);
        if (key === 'created' && !isRfc3339Utc(value)) fail(no, `created time ${JSON.stringify(value)} is not RFC 3339 UTC`);
        const old = header[key];
        if (old && old[0] !== value) fail(no, `conflicting ${key} (see line ${old[1]})`);
        header[key] ??= [value, no];
        return;
      }
      if (line.startsWith('# size (')) {
        const s = /^# size \((.*)\) = (\S*)$/.exec(line);
        if (!s) fail(no, 'expected "# size (<file>) = <bytes>"');
        if (!/^(0|[1-9]\d{0,15})$/.test(s[2]) || !Number.isSafeInteger(Number(s[2]))) fail(no, `size ${JSON.stringify(s[2])} is not a byte count`);
        const p = fileEntry(s[1], no);
        p.size = setOnce(no, `size for ${s[1]}`, p.size, Number(s[2]));
      }
      return;
    }
    const t = /^([A-Za-z0-9-]+) \((.*)\) = (\S*)$/.exec(line);
    if (t && Object.hasOwn(TAGS, t[1])) {
      const { algo, hexLen } = TAGS[t[1]];
      const hex = t[3];
      if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) fail(no, `${t[1]} digest must be ${hexLen} hex digits`);
      const p = fileEntry(t[2], no);
      p[algo] = setOnce(no, `${t[1]} digests for ${t[2]}`, p[algo], hex.toLowerCase());
      return;
    }
    if (OTHER_TAGS.test(line)) fail(no, `unsupported digest ${line.split(' ')[0]} (manifests use SHA256, BLAKE2b-256 and MD5)`);
    if (/^\\?[0-9a-fA-F]{32,128} [ *]/.test(line)) {
      fail(no, 'untagged checksum line: the digest algorithm is ambiguous; write "SHA256 (<file>) = <hex>"');
    }
    fail(no, 'not a manifest line (expected "SHA256 (<file>) = <hex>", "BLAKE2b-256 (<file>) = <hex>" or a # comment)');
  });

  if (!header.project) throw new InputError('manifest has no "# project:" line');
  if (!header.version) throw new InputError('manifest has no "# version:" line');
  const out: ManifestFile[] = [];
  for (const [filename, p] of files) {
    if (p.sha256 === undefined) fail(p.line, `file ${filename} has no SHA256 line`);
    if (p.blake2b_256 === undefined) fail(p.line, `file ${filename} has no BLAKE2b-256 line`);
    const f: ManifestFile = { filename, sha256: p.sha256!, blake2b_256: p.blake2b_256! };
    if (p.size !== undefined) f.size = p.size;
    if (p.md5 !== undefined) f.md5 = p.md5;
    out.push(f);
  }
  out.sort((a, b) => compareUtf8(a.filename, b.filename));
  const m: Manifest = { project: header.project[0], version: header.version[0], files: out };
  if (header.created) m.created = header.created[0];
  return m;
}
