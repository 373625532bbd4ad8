// `distsum check`: the metadata checks twine check makes that need no renderer, plus the ones PyPI's
// upload endpoint would reject a file for. Errors fail a file; warnings fail it only with --strict.

import { versionKey } from '../dist/version.ts';
import type { CoreMetadata } from './form.ts';
import { longDescription } from './form.ts';

/** What is wrong with one file's metadata. */
export interface CheckFindings {
  errors: string[];
  warnings: string[];
}

/** Metadata versions PyPI accepts. */
export const KNOWN_METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.0', '2.1', '2.2', '2.3', '2.4'];

const CONTENT_TYPES = ['text/plain', 'text/x-rst', 'text/markdown'];
const MARKDOWN_VARIANTS = ['GFM', 'CommonMark'];
// PEP 508 project names.
const PROJECT_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
/** Longest summary PyPI accepts. */
export const MAX_SUMMARY = 512;

/** A MIME type and its parameters (lowercased names), like cgi.parse_header. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    let v = p.slice(i + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, i).trim().toLowerCase()] = v;
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Checks core metadata. Errors: an unknown Metadata-Version, a name that is not a PEP 508 project name,
 * a version that is not PEP 440, a summary PyPI would reject (several lines, or longer than 512), a
 * Description-Content-Type PyPI rejects (type, charset, Markdown variant), and reStructuredText that
 * docutils would report (title underline too short). Warnings (as twine check): no content type, no
 * long description, a local version (PyPI refuses it), and a description that looks like Markdown
 * but will be rendered as reStructuredText (or the reverse).
 */
export function checkMetadata(meta: CoreMetadata): CheckFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!KNOWN_METADATA_VERSIONS.includes(meta.metadataVersion)) {
    errors.push(`\`Metadata-Version\` ${JSON.stringify(meta.metadataVersion)} is not a valid metadata version (expected one of ${KNOWN_METADATA_VERSIONS.join(', ')})`);
  }
  if (!PROJECT_NAME.test(meta.name)) {
    errors.push(`\`Name\` ${JSON.stringify(meta.name)} is not a valid project name (letters, digits, ".", "_", "-"; starting and ending with a letter or digit)`);
  }
  const vk = versionKey(meta.version);
  if (vk === undefined || meta.version !== meta.version.trim()) {
    errors.push(`\`Version\` ${JSON.stringify(meta.version)} is not a valid PEP 440 version`);
  } else if (vk.includes('+')) {
    warnings.push(`\`Version\` ${meta.version} is a local version; PyPI does not accept local versions`);
  }
  const summary = meta.fields['summary']?.[0];
  if (summary !== undefined) {
    if (/[\r\n]/.test(summary)) errors.push('`Summary` must be a single line');
    if ([...summary].length > MAX_SUMMARY) errors.push(`\`Summary\` is longer than ${MAX_SUMMARY} characters`);
  }

  const declared = meta.fields['description-content-type']?.[0];
  let type = 'text/x-rst';
  if (declared === undefined || declared.trim() === '') {
    warnings.push('`long_description_content_type` missing. defaulting to `text/x-rst`.');
  } else {
    const ct = parseContentType(declared);
    if (!CONTENT_TYPES.includes(ct.type)) {
      errors.push(`\`Description-Content-Type\` ${JSON.stringify(declared)}: type/subtype is not valid (expected one of ${CONTENT_TYPES.join(', ')})`);
    } else {
      type = ct.type;
    }
    const charset = ct.params['charset'];
    if (charset !== undefined && charset.toUpperCase() !== 'UTF-8') {
      errors.push(`\`Description-Content-Type\` ${JSON.stringify(declared)}: charset must be UTF-8`);
    }
    const variant = ct.params['variant'];
    if (ct.type === 'text/markdown' && variant !== undefined && !MARKDOWN_VARIANTS.includes(variant)) {
      errors.push(`\`Description-Content-Type\` ${JSON.stringify(declared)}: variant must be one of ${MARKDOWN_VARIANTS.join(', ')}`);
    }
  }

  const description = longDescription(meta);
  if (description.trim() === '' || description.trimEnd() === 'UNKNOWN') {
    warnings.push('`long_description` missing.');
    return { errors, warnings };
  }
  if (type === 'text/x-rst') {
    const problems = rstProblems(description);
    if (problems.length > 0) {
      errors.push(`\`long_description\` has syntax errors in markup and would not be rendered on PyPI: ${problems.slice(0, 5).join('; ')}`);
    }
    if (looksLikeMarkdown(description)) {
      warnings.push(
        `\`long_description\` looks like Markdown but will be rendered as reStructuredText; set \`long_description_content_type\` to \`text/markdown\``,
      );
    }
  } else if (type === 'text/markdown' && looksLikeRst(description)) {
    warnings.push('`long_description` looks like reStructuredText but is declared `text/markdown`');
  }
  return { errors, warnings };
}

// reStructuredText section adornment characters.
const ADORNMENT = /^([!-\/:-@\[-`{-~])\1{3,}\s*$/;

// Lines docutils reads as list items, fields, directives, line blocks or doctests, never as titles.
const NOT_TEXT = /^(?:[*+\-\u2022\u2023\u2043](?:\s|$)|\(?(?:\d+|#|[a-zA-Z]|[ivxlcdmIVXLCDM]+)[.)](?:\s|$)|\.\.(?:\s|$)|:[^:\s][^:]*:(?:\s|$)|\|(?:\s|$)|>>>)/;

/** Display width as docutils counts it: East Asian wide and full-width characters take two columns. */
export function columnWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (/\p{Mn}/u.test(ch)) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/**
 * reStructuredText problems docutils reports as warnings (twine check then fails the file), found
 * without a renderer: a section title wider than its underline or overline (adornments of four or more
 * characters; shorter ones make docutils read the lines as text). Titles are recognised where docutils
 * looks for them, at the start of a block. Returns "line N: Warning: ..." strings, docutils' wording.
 */
export function rstProblems(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: string[] = [];
  const blank = (l: string | undefined) => l === undefined || l.trim() === '';
  let blockStart = true;
  let prevIndented = false;
  let quoteStarted = false;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    if (blank(line)) {
      blockStart = true;
      i++;
      continue;
    }
    const indented = /^\s/.test(line);
    // An unindented line right after a block quote (indented text that began a block) starts a new
    // block; after a definition (indented text under a term line) it does not.
    if (indented && !prevIndented) quoteStarted = blockStart;
    if (prevIndented && !indented && quoteStarted) blockStart = true;
    prevIndented = indented;
    if (blockStart && ADORNMENT.test(line) && !blank(lines[i + 1]) && !ADORNMENT.test(lines[i + 1]) && ADORNMENT.test(lines[i + 2] ?? '') && lines[i + 2].trimEnd() === line.trimEnd()) {
      // Overline, title, underline.
      if (columnWidth(lines[i + 1].trimEnd()) > line.trimEnd().length) out.push(`line ${i + 1}: Warning: Title overline too short.`);
      i += 3;
      continue;
    }
    if (blockStart && !indented && !ADORNMENT.test(line) && !NOT_TEXT.test(line) && ADORNMENT.test(lines[i + 1] ?? '')) {
      const under = lines[i + 1].trimEnd();
      if (columnWidth(line.trimEnd()) > under.length) out.push(`line ${i + 2}: Warning: Title underline too short.`);
      i += 2;
      continue;
    }
    blockStart = false;
    i++;
  }
  return out;
}

/** Heuristic: Markdown headings, fenced code blocks or inline links that reStructuredText would show as text. */
export function looksLikeMarkdown(text: string): boolean {
  return /^#{1,6} \S/m.test(text) || /^```/m.test(text) || /\[[^\]\n]+\]\((https?:|\.{0,2}\/)[^)\s]*\)/.test(text);
}

/** Heuristic: reStructuredText directives or roles that Markdown would show as text. */
export function looksLikeRst(text: string): boolean {
  return /^\.\. [a-zA-Z][\w-]*::/m.test(text) || /:(ref|doc|class|func|meth|mod):`/.test(text);
}
