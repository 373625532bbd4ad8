// Building HTML from untrusted text. Every value interpolated into the `html` template is escaped
// unless it is itself HTML built by `html`, so a project, version or file name taken from an index
// can never become markup, whatever characters it holds.

const BRAND: unique symbol = Symbol('distsum.html');

/** A fragment of HTML that is safe to embed as is: built by `html` (or `trustedHtml` for constants). */
export interface Html {
  readonly [BRAND]: true;
  readonly text: string;
}

/** What may be interpolated: text (escaped), numbers, HTML fragments, lists of these; nullish and false render nothing. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `s` with & < > " ' replaced by character references: safe as element text and inside a quoted
 * attribute value (the only kind of attribute the pages use).
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function make(text: string): Html {
  return { [BRAND]: true, text };
}

function isHtml(v: unknown): v is Html {
  return typeof v === 'object' && v !== null && (v as Html)[BRAND] === true;
}

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (typeof v === 'string') return escapeHtml(v);
  if (typeof v === 'number') return escapeHtml(String(v));
  if (isHtml(v)) return v.text;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(render).join('');
  throw new TypeError('html: cannot interpolate this value');
}

/** Tagged template: the literal parts are trusted markup, every interpolated value is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return make(out);
}

/** Marks a constant string written in this code base as HTML. Never pass data through it. */
export function trustedHtml(text: string): Html {
  return make(text);
}

/**
 * A URL path from fixed segments and untrusted ones: each untrusted segment is percent-encoded
 * (encodeURIComponent), so it stays one path segment and cannot form a scheme such as javascript:.
 */
export function pathOf(prefix: string, ...segments: string[]): string {
  return prefix + segments.map(encodeURIComponent).join('/');
}
