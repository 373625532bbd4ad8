// Strict, bounded parsing of URL parts the server accepts: query parameters and raw path segments.
// Anything unexpected is a 400, never a guess.

import { badRequest } from './httperror.ts';

/** Longest query parameter value accepted, in characters. */
export const MAX_PARAM = 1024;

/**
 * The value of query parameter `name` (first occurrence), or undefined. 400 when it is longer than
 * MAX_PARAM characters.
 */
export function param(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (v.length > MAX_PARAM) throw badRequest(`query parameter ${name} is longer than ${MAX_PARAM} characters`);
  return v;
}

/** Integer query parameter `name` in min..max (decimal, optional '-'), `def` when absent; else 400. */
export function intParam(url: URL, name: string, min: number, max: number, def: number): number {
  const v = param(url, name);
  if (v === undefined || v === '') return def;
  if (!/^-?[0-9]{1,16}$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`query parameter ${name} must be an integer in ${min}..${max}`);
  return Number(v);
}

/** Boolean query parameter (true/false/1/0/yes/no/on/off), undefined when absent or empty; else 400. */
export function boolParam(url: URL, name: string): boolean | undefined {
  const v = param(url, name)?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw badRequest(`query parameter ${name} must be true or false`);
}

/**
 * The path of a request URL exactly as sent (still percent-encoded), without query or fragment.
 * Handlers decode the segments they take, so an encoded '/' or '%' cannot change the route.
 */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const ch = url.charCodeAt(i);
    if (ch === 0x3f || ch === 0x23) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

/** One percent-encoded path segment decoded (UTF-8), or 400 for bad encoding or an empty segment. */
export function decodeSegment(raw: string, what: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw badRequest(`${what} is not validly percent-encoded UTF-8`);
  }
  if (s.length === 0) throw badRequest(`${what} is empty`);
  return s;
}
