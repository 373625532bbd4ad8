// Reading fields of untrusted JSON documents and links: own properties only, typed checks that
// throw IndexFormatError naming the place, and URL resolution limited to http(s).

import { IndexFormatError } from './errors.ts';

/** Longest URL or text field accepted by default. */
export const DEFAULT_MAX_STRING = 16_384;

/** A JSON object as parsed. */
export type Obj = Record<string, unknown>;

/** `body` as UTF-8 text (a BOM dropped); IndexFormatError naming `where` when it is not UTF-8. */
export function decodeUtf8(body: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new IndexFormatError(where, 'the response is not valid UTF-8');
  }
}

/** `text` parsed as a JSON object; IndexFormatError naming `where` for malformed JSON or a non-object. */
export function parseJsonObject(text: string, where: string): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new IndexFormatError(where, `malformed JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new IndexFormatError(where, 'the JSON document is not an object');
  return doc;
}

/** True for a JSON object (not an array, not null). */
export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[k]` when `k` is an own property (never an inherited one such as `__proto__` or `constructor`). */
export function own(o: Obj, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** `v` as a non-negative safe integer, else IndexFormatError naming `field`. */
export function nonNegativeInteger(v: unknown, where: string, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new IndexFormatError(where, `"${field}" is not a non-negative integer`);
  return v;
}

const ISO_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

/** `v` when it is an ISO 8601 date-time with a zone (as PEP 700 and PyPI write them), else IndexFormatError. */
export function isoTime(v: unknown, where: string, field: string): string {
  if (typeof v !== 'string' || !ISO_TIME.test(v) || !Number.isFinite(Date.parse(v.replace(/(\.[0-9]{3})[0-9]+/, '$1')))) {
    throw new IndexFormatError(where, `"${field}" is not an ISO 8601 time`);
  }
  return v;
}

/**
 * Resolves a file link against the page URL: must be http(s), without credentials, at most
 * `maxLength` characters. Returns the URL without its fragment, and the fragment.
 */
export function resolveUrl(href: string, baseUrl: string, where: string, maxLength = DEFAULT_MAX_STRING): { url: string; fragment: string } {
  if (href.length > maxLength) throw new IndexFormatError(where, `the URL is longer than ${maxLength} characters`);
  let u: URL;
  try {
    // An absolute href needs no base (and must not fail because the base is odd).
    u = URL.canParse(href) ? new URL(href) : new URL(href, baseUrl);
  } catch {
    throw new IndexFormatError(where, `${JSON.stringify(href.slice(0, 200))} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new IndexFormatError(where, `the URL scheme ${JSON.stringify(u.protocol.slice(0, 20))} is not http or https`);
  if (u.username || u.password) throw new IndexFormatError(where, 'the URL carries credentials');
  const fragment = u.hash.slice(1);
  u.hash = '';
  return { url: u.href, fragment };
}

/**
 * `v` when it is at most `maxLength` characters without control characters (tab allowed; line
 * breaks too when `multiline`, for free text such as yank reasons), else IndexFormatError.
 */
export function checkText(v: string, where: string, field: string, maxLength: number, multiline = false): string {
  if (v.length > maxLength) throw new IndexFormatError(where, `"${field}" is longer than ${maxLength} characters`);
  const bad = multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u0008\u000a-\u001f\u007f]/;
  if (bad.test(v)) throw new IndexFormatError(where, `"${field}" contains control characters`);
  return v;
}
