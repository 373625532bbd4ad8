// A small, strict HTML tokenizer for simple-API pages: start and end tags with their attributes,
// text and comments, following the WHATWG tokenizer where it matters for hostile markup (comments,
// raw-text elements such as <script>, quoting, unterminated tags at end of input). One linear pass
// over the input with indexOf scans, no regular expression that can backtrack, bounded attributes.
// It is not a tree builder: the caller sees tokens in document order.

import { IndexFormatError } from './errors.ts';

/** An attribute as written, name lowercased (ASCII), value with character references decoded. */
export interface HtmlAttribute {
  name: string;
  value: string;
}

/** One token. Attribute lists keep the first of duplicate names, as browsers do. */
export type HtmlToken =
  | { kind: 'start'; name: string; attributes: HtmlAttribute[]; selfClosing: boolean }
  | { kind: 'end'; name: string }
  | { kind: 'text'; text: string }
  | { kind: 'comment'; text: string };

/** Bounds on one tag. */
export interface HtmlLimits {
  /** Attributes one tag may have. */
  maxAttributes: number;
}

/** Defaults: simple-API anchors have a handful of attributes. */
export const DEFAULT_HTML_LIMITS: HtmlLimits = { maxAttributes: 64 };

// Elements whose content is text up to their end tag; tags inside are not tags.
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
// Like RAW_TEXT, but character references in the content are decoded.
const RCDATA = new Set(['title', 'textarea']);

/**
 * Tokens of `html` in document order. Never throws for any input except IndexFormatError (from
 * `where`) when a tag has more than `limits.maxAttributes` attributes. Text tokens are emitted with
 * character references decoded; a tag left unterminated at end of input is dropped; a comment left
 * unterminated runs to the end of input; after <plaintext> everything is text.
 */
export function* tokenizeHtml(html: string, where = 'HTML', limits: HtmlLimits = DEFAULT_HTML_LIMITS): Generator<HtmlToken> {
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) yield { kind: 'text', text: decodeCharacterReferences(html.slice(i, textEnd), false) };
    if (lt < 0) return;
    i = lt;
    const next = html.charCodeAt(i + 1);
    if (html.startsWith('<!--', i)) {
      const c = readComment(html, i + 4);
      yield { kind: 'comment', text: c.text };
      i = c.end;
    } else if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      // Doctype, CDATA, processing instruction: a bogus comment up to the next `>`.
      const gt = html.indexOf('>', i + 2);
      yield { kind: 'comment', text: html.slice(i + 2, gt < 0 ? n : gt) };
      i = gt < 0 ? n : gt + 1;
    } else if (next === 0x2f /* / */) {
      if (isAsciiAlpha(html.charCodeAt(i + 2))) {
        const tag = readTag(html, i + 2, where, limits);
        if (!tag) return;
        yield { kind: 'end', name: tag.name };
        i = tag.end;
      } else if (html.charCodeAt(i + 2) === 0x3e /* > */) {
        i += 3; // `</>` is ignored
      } else {
        const gt = html.indexOf('>', i + 2);
        yield { kind: 'comment', text: html.slice(i + 2, gt < 0 ? n : gt) };
        i = gt < 0 ? n : gt + 1;
      }
    } else if (isAsciiAlpha(next)) {
      const tag = readTag(html, i + 1, where, limits);
      if (!tag) return;
      yield { kind: 'start', name: tag.name, attributes: tag.attributes, selfClosing: tag.selfClosing };
      i = tag.end;
      if (tag.name === 'plaintext') {
        if (i < n) yield { kind: 'text', text: html.slice(i) };
        return;
      }
      if (RAW_TEXT.has(tag.name) || RCDATA.has(tag.name)) {
        const close = findEndTag(html, i, tag.name);
        if (close > i) {
          const raw = html.slice(i, close);
          yield { kind: 'text', text: RCDATA.has(tag.name) ? decodeCharacterReferences(raw, false) : raw };
        }
        i = close;
      }
    } else {
      yield { kind: 'text', text: '<' };
      i += 1;
    }
  }
}

interface Tag {
  name: string;
  attributes: HtmlAttribute[];
  selfClosing: boolean;
  end: number;
}

// Reads a tag whose name starts at `start`; undefined when the input ends inside it.
function readTag(html: string, start: number, where: string, limits: HtmlLimits): Tag | undefined {
  const n = html.length;
  let i = start;
  while (i < n && !isTagBreak(html.charCodeAt(i))) i++;
  const name = asciiLower(html.slice(start, i));
  const attributes: HtmlAttribute[] = [];
  const seen = new Set<string>();
  let count = 0;
  let selfClosing = false;
  for (;;) {
    while (i < n && isSpace(html.charCodeAt(i))) i++;
    if (i >= n) return undefined;
    const c = html.charCodeAt(i);
    if (c === 0x3e /* > */) return { name, attributes, selfClosing, end: i + 1 };
    if (c === 0x2f /* / */) {
      selfClosing = html.charCodeAt(i + 1) === 0x3e;
      i++;
      continue;
    }
    selfClosing = false;
    // Attribute name: a leading `=` belongs to the name; then up to space, `/`, `>` or `=`.
    const nameStart = i;
    i++;
    while (i < n && !isTagBreak(html.charCodeAt(i)) && html.charCodeAt(i) !== 0x3d /* = */) i++;
    const attrName = asciiLower(html.slice(nameStart, i));
    while (i < n && isSpace(html.charCodeAt(i))) i++;
    let value = '';
    if (html.charCodeAt(i) === 0x3d /* = */) {
      i++;
      while (i < n && isSpace(html.charCodeAt(i))) i++;
      if (i >= n) return undefined;
      const q = html.charCodeAt(i);
      if (q === 0x22 /* " */ || q === 0x27 /* ' */) {
        const close = html.indexOf(q === 0x22 ? '"' : "'", i + 1);
        if (close < 0) return undefined;
        value = decodeCharacterReferences(html.slice(i + 1, close), true);
        i = close + 1;
      } else {
        const vStart = i;
        while (i < n && !isSpace(html.charCodeAt(i)) && html.charCodeAt(i) !== 0x3e) i++;
        value = decodeCharacterReferences(html.slice(vStart, i), true);
      }
    }
    if (++count > limits.maxAttributes) {
      throw new IndexFormatError(where, `a <${name.slice(0, 20)}> tag has more than ${limits.maxAttributes} attributes`);
    }
    if (!seen.has(attrName)) {
      seen.add(attrName);
      attributes.push({ name: attrName, value });
    }
  }
}

// Comment content starts at `start` (after `<!--`); returns it and the index after the comment.
function readComment(html: string, start: number): { text: string; end: number } {
  // `<!-->` and `<!--->` are (abruptly closed) empty comments.
  if (html.startsWith('>', start)) return { text: '', end: start + 1 };
  if (html.startsWith('->', start)) return { text: '', end: start + 2 };
  // The first `-->` or `--!>`; each `--` is looked at once, so this stays linear.
  let i = start;
  for (;;) {
    const dash = html.indexOf('--', i);
    if (dash < 0) return { text: html.slice(start), end: html.length };
    if (html.startsWith('>', dash + 2)) return { text: html.slice(start, dash), end: dash + 3 };
    if (html.startsWith('!>', dash + 2)) return { text: html.slice(start, dash), end: dash + 4 };
    i = dash + 1;
  }
}

// Index of `</name` (ASCII case-insensitive) followed by space, `/` or `>` at or after `from`, or
// the end of input when there is none.
function findEndTag(html: string, from: number, name: string): number {
  let i = from;
  for (;;) {
    const lt = html.indexOf('</', i);
    if (lt < 0) return html.length;
    const after = lt + 2 + name.length;
    if (asciiLower(html.slice(lt + 2, after)) === name && (after >= html.length || isTagBreak(html.charCodeAt(after)))) return lt;
    i = lt + 2;
  }
}

function isAsciiAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

// HTML whitespace: tab, LF, FF, CR, space.
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isTagBreak(c: number): boolean {
  return isSpace(c) || c === 0x2f || c === 0x3e;
}

// ASCII-only lowercasing: String.toLowerCase would also map non-ASCII letters (and change lengths).
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

// The named references simple-API pages use (the XML five, and a few common in text). Unknown
// names are left as written, as browsers leave unknown references.
const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '\u00a9',
  reg: '\u00ae',
  hellip: '\u2026',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
};
// Names browsers also accept without the `;` (legacy), among those above.
const LEGACY = new Set(['amp', 'lt', 'gt', 'quot', 'nbsp', 'copy', 'reg']);

/**
 * Decodes character references: numeric (`&#38;`, `&#x26;`, `;` optional) and the named ones in
 * NAMED (`&amp;`; a legacy name without `;` too, except inside an attribute value when followed by
 * a letter, digit or `=`, as the HTML standard says). A numeric reference to 0, a surrogate or
 * beyond U+10FFFF becomes U+FFFD. Anything else is left as written.
 */
export function decodeCharacterReferences(s: string, inAttribute: boolean): string {
  if (!s.includes('&')) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const amp = s.indexOf('&', i);
    if (amp < 0) return out + s.slice(i);
    out += s.slice(i, amp);
    const ref = readReference(s, amp, inAttribute);
    if (ref) {
      out += ref.text;
      i = ref.end;
    } else {
      out += '&';
      i = amp + 1;
    }
  }
}

function readReference(s: string, amp: number, inAttribute: boolean): { text: string; end: number } | undefined {
  let i = amp + 1;
  if (s.charCodeAt(i) === 0x23 /* # */) {
    i++;
    const hex = s.charCodeAt(i) === 0x78 || s.charCodeAt(i) === 0x58; // x X
    if (hex) i++;
    const digitsStart = i;
    let code = 0;
    while (i < s.length) {
      const d = digitValue(s.charCodeAt(i), hex);
      if (d < 0) break;
      if (code <= 0x10ffff) code = code * (hex ? 16 : 10) + d;
      i++;
    }
    if (i === digitsStart) return undefined;
    if (s.charCodeAt(i) === 0x3b) i++;
    const valid = code !== 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return { text: valid ? String.fromCodePoint(code) : '\ufffd', end: i };
  }
  let j = i;
  while (j < s.length && j - i < 8 && isAsciiAlnum(s.charCodeAt(j))) j++;
  const name = s.slice(i, j);
  if (Object.hasOwn(NAMED, name) && s.charCodeAt(j) === 0x3b) return { text: NAMED[name], end: j + 1 };
  // Legacy form: the longest known legacy name that prefixes the run.
  for (let k = Math.min(j, i + 6); k > i; k--) {
    const legacy = s.slice(i, k);
    if (!LEGACY.has(legacy)) continue;
    const after = s.charCodeAt(k);
    if (inAttribute && (isAsciiAlnum(after) || after === 0x3d)) return undefined;
    return { text: NAMED[legacy], end: k };
  }
  return undefined;
}

function digitValue(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (!hex) return -1;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiAlpha(c) || (c >= 0x30 && c <= 0x39);
}
