// The upload form: core metadata turned into the legacy API's fields under the names, plural forms,
// order and empty-value conventions of twine 4.0.2 (package.py metadata_dictionary + pkginfo), so an
// index sees the same form from distsum as from twine. Metadata comes from the file itself.

import type { CoreMetadata } from '../dist/metadata.ts';
import type { FormPart } from './multipart.ts';

/** Core metadata as src/dist reads it from METADATA / PKG-INFO. */
export type { CoreMetadata };

/** Everything besides metadata that goes into the form. */
export interface FormExtras {
  filename: string;
  sha256: string;
  blake2b_256: string;
  /** twine --comment. */
  comment?: string;
  /** A detached GPG signature uploaded with the file (`<file>.asc`), as twine does. */
  gpgSignature?: { filename: string; data: Uint8Array };
  /** PEP 740 attestations as the JSON text of a list. */
  attestations?: string;
}

interface FieldSpec {
  form: string;
  header?: string;
  multiple: boolean;
  /** Metadata versions whose header table includes this field, as pkginfo 1.8 reads them. */
  since: string;
}

// pkginfo reads only the headers its table lists for the file's Metadata-Version (1.0 .. 2.2); twine
// 4.0.2 sends every single-valued field, as an empty string when absent or not read, and each list
// value as its own part. The order below is twine's dict order.
const LAYOUT: FieldSpec[] = [
  { form: 'name', header: 'name', multiple: false, since: '1.0' },
  { form: 'version', header: 'version', multiple: false, since: '1.0' },
  { form: 'filetype', multiple: false, since: '1.0' },
  { form: 'pyversion', multiple: false, since: '1.0' },
  { form: 'metadata_version', header: 'metadata-version', multiple: false, since: '1.0' },
  { form: 'summary', header: 'summary', multiple: false, since: '1.0' },
  { form: 'home_page', header: 'home-page', multiple: false, since: '1.0' },
  { form: 'author', header: 'author', multiple: false, since: '1.0' },
  { form: 'author_email', header: 'author-email', multiple: false, since: '1.0' },
  { form: 'maintainer', header: 'maintainer', multiple: false, since: '1.2' },
  { form: 'maintainer_email', header: 'maintainer-email', multiple: false, since: '1.2' },
  { form: 'license', header: 'license', multiple: false, since: '1.0' },
  { form: 'description', header: 'description', multiple: false, since: '1.0' },
  { form: 'keywords', header: 'keywords', multiple: false, since: '1.0' },
  { form: 'platform', header: 'platform', multiple: true, since: '1.0' },
  { form: 'classifiers', header: 'classifier', multiple: true, since: '1.1' },
  { form: 'download_url', header: 'download-url', multiple: false, since: '1.1' },
  { form: 'supported_platform', header: 'supported-platform', multiple: true, since: '1.0' },
  { form: 'comment', multiple: false, since: '1.0' },
  { form: 'sha256_digest', multiple: false, since: '1.0' },
  { form: 'provides', header: 'provides', multiple: true, since: '1.1' },
  { form: 'requires', header: 'requires', multiple: true, since: '1.1' },
  { form: 'obsoletes', header: 'obsoletes', multiple: true, since: '1.1' },
  { form: 'project_urls', header: 'project-url', multiple: true, since: '1.2' },
  { form: 'provides_dist', header: 'provides-dist', multiple: true, since: '1.2' },
  { form: 'obsoletes_dist', header: 'obsoletes-dist', multiple: true, since: '1.2' },
  { form: 'requires_dist', header: 'requires-dist', multiple: true, since: '1.2' },
  { form: 'requires_external', header: 'requires-external', multiple: true, since: '1.2' },
  { form: 'requires_python', header: 'requires-python', multiple: false, since: '1.2' },
  { form: 'provides_extras', header: 'provides-extra', multiple: true, since: '2.1' },
  { form: 'description_content_type', header: 'description-content-type', multiple: false, since: '2.1' },
  { form: 'dynamic', header: 'dynamic', multiple: true, since: '2.2' },
];

// Metadata 2.4 (PEP 639) fields twine 4.0.2 never knew; current twine sends them under these names,
// and only when present.
const LAYOUT_2_4: FieldSpec[] = [
  { form: 'license_expression', header: 'license-expression', multiple: false, since: '2.4' },
  { form: 'license_file', header: 'license-file', multiple: true, since: '2.4' },
];

const PKGINFO_VERSIONS = ['1.0', '1.1', '1.2', '2.0', '2.1', '2.2'];

function includedIn(spec: FieldSpec, metadataVersion: string): boolean {
  // Versions pkginfo knows get exactly its table; newer ones (2.3, 2.4, ...) get every field.
  if (!PKGINFO_VERSIONS.includes(metadataVersion)) return true;
  const v = metadataVersion === '2.0' ? '1.2' : metadataVersion;
  return compareVersion(spec.since, v) <= 0;
}

function compareVersion(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

// Python's str.splitlines() boundaries and str.strip() whitespace, which pkginfo uses on header values.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

function pySplitLines(s: string): string[] {
  const lines = s.split(PY_LINE_BREAK);
  // A final line break ends the last line; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A header value as pkginfo returns it: continuation lines stripped and joined with single spaces. */
export function collapseHeader(value: string): string {
  return pySplitLines(value).map(pyStrip).join(' ');
}

/** A Description header as pkginfo returns it: newlines kept, the 8-space continuation indent removed. */
export function collapseDescriptionHeader(value: string): string {
  return pySplitLines(pyStrip(value))
    .map((l) => (l.startsWith('        ') ? l.slice(8) : l))
    .join('\n');
}

/** twine's `_safe_name` (pkg_resources.safe_name): runs of characters other than [A-Za-z0-9.] become "-". */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9.]+/g, '-');
}

// twine.wheel.wheel_file_re, used for the `pyversion` of a wheel.
const WHEEL_FILE = /^(?<namever>(?<name>.+?)(-(?<ver>\d.+?))?)((-(?<build>\d.*?))?-(?<pyver>.+?)-(?<abi>.+?)-(?<plat>.+?)\.whl|\.dist-info)$/;

/** The legacy API's `filetype` for a file name: bdist_wheel for .whl, sdist for .tar.gz/.zip/.tar.bz2. */
export function fileType(filename: string): 'bdist_wheel' | 'sdist' | undefined {
  if (filename.endsWith('.whl')) return 'bdist_wheel';
  if (/\.(tar\.gz|zip|tar\.bz2)$/.test(filename)) return 'sdist';
  return undefined;
}

/** The legacy API's `pyversion`: a wheel's python tag (twine: "any" if the name does not parse), "" for an sdist. */
export function pyVersion(filename: string): string {
  if (!filename.endsWith('.whl')) return '';
  return WHEEL_FILE.exec(filename)?.groups?.pyver ?? 'any';
}

/** A single-valued field as twine 4.0.2 sends it: first header value collapsed, "" if absent or UNKNOWN. */
function single(meta: CoreMetadata, header: string): string {
  const v = meta.fields[header]?.[0];
  if (v === undefined) return '';
  const c = collapseHeader(v);
  return c === 'UNKNOWN' ? '' : c;
}

/** The long description twine sends: the body if there is one, else the Description header. */
export function longDescription(meta: CoreMetadata): string {
  if (meta.description) return meta.description;
  const h = meta.fields['description']?.[0];
  if (h === undefined) return '';
  const c = collapseDescriptionHeader(h);
  return c === 'UNKNOWN' ? '' : c;
}

/**
 * The form parts for one file, in twine's order, ending before the file itself: metadata fields,
 * comment, digests (sha256 and blake2_256; md5 is deliberately not sent, PyPI ignores it), an optional
 * GPG signature and attestations, then `:action=file_upload` and `protocol_version=1`.
 */
export function uploadForm(meta: CoreMetadata, extras: FormExtras): FormPart[] {
  const parts: FormPart[] = [];
  const ft = fileType(extras.filename) ?? '';
  for (const spec of LAYOUT) {
    if (!includedIn(spec, meta.metadataVersion)) {
      // twine's dictionary has every key: a field pkginfo did not read is an empty string or an empty list.
      if (!spec.multiple) parts.push({ name: spec.form, value: '' });
      continue;
    }
    switch (spec.form) {
      case 'name':
        parts.push({ name: 'name', value: safeName(single(meta, 'name') || meta.name) });
        continue;
      case 'version':
        parts.push({ name: 'version', value: single(meta, 'version') || meta.version });
        continue;
      case 'filetype':
        parts.push({ name: 'filetype', value: ft });
        continue;
      case 'pyversion':
        parts.push({ name: 'pyversion', value: pyVersion(extras.filename) });
        continue;
      case 'metadata_version':
        parts.push({ name: 'metadata_version', value: meta.metadataVersion });
        continue;
      case 'description':
        parts.push({ name: 'description', value: longDescription(meta) });
        continue;
      case 'comment':
        parts.push({ name: 'comment', value: extras.comment ?? '' });
        continue;
      case 'sha256_digest':
        parts.push({ name: 'sha256_digest', value: extras.sha256 });
        continue;
    }
    const header = spec.header!;
    if (spec.multiple) {
      for (const v of meta.fields[header] ?? []) parts.push({ name: spec.form, value: collapseHeader(v) });
    } else {
      parts.push({ name: spec.form, value: single(meta, header) });
    }
  }
  if (!PKGINFO_VERSIONS.includes(meta.metadataVersion)) {
    for (const spec of LAYOUT_2_4) {
      const values = meta.fields[spec.header!] ?? [];
      for (const v of spec.multiple ? values : values.slice(0, 1)) parts.push({ name: spec.form, value: collapseHeader(v) });
    }
  }
  if (extras.gpgSignature) parts.push({ name: 'gpg_signature', ...extras.gpgSignature });
  if (extras.attestations !== undefined) parts.push({ name: 'attestations', value: extras.attestations });
  parts.push({ name: 'blake2_256_digest', value: extras.blake2b_256 });
  parts.push({ name: ':action', value: 'file_upload' });
  parts.push({ name: 'protocol_version', value: '1' });
  return parts;
}
