// From an index URL as users write it to the URLs we fetch. `https://pypi.org/` is the site;
// `https://pypi.org/simple/` and `http://127.0.0.1:8080/simple` are simple-API roots (what pip's
// --index-url takes). A path ending in `simple` or `+simple` (devpi) is the simple root; any other
// path is a site whose simple root is `<path>/simple/`.

import { SecurityError, UsageError } from '../errors.ts';

/** Where an index's APIs are. Every URL is absolute and ends with `/`. */
export interface IndexUrls {
  /** The site: the simple root's parent. */
  base: string;
  /** The simple repository API root (PEP 503/691). */
  simple: string;
  /** The PyPI JSON API root (`<base>pypi/`), when the index serves it. */
  jsonApi?: string;
}

/** Hosts known to serve the PyPI JSON API. */
const JSON_API_HOSTS = new Set(['pypi.org', 'test.pypi.org']);

/**
 * The URLs of the index `input`. http is refused (SecurityError) except to loopback hosts or with
 * `allowHttp`; credentials, queries and fragments are refused (UsageError), as is anything not an
 * http(s) URL. `jsonApi` overrides whether the JSON API is assumed (default: pypi.org, test.pypi.org).
 */
export function resolveIndexUrl(input: string, opts: { allowHttp?: boolean; jsonApi?: boolean } = {}): IndexUrls {
  const shown = JSON.stringify(input.length > 200 ? `${input.slice(0, 200)}...` : input);
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    throw new UsageError(`${shown} is not an index URL (expected e.g. https://pypi.org/simple/)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`${shown}: an index URL must be https (or http to a local index)`);
  if (u.protocol === 'http:' && !opts.allowHttp && !isLoopback(u.hostname)) {
    throw new SecurityError(`${shown}: refusing plain http to a non-local index; use https`);
  }
  if (u.username || u.password) throw new UsageError(`${shown}: credentials in the index URL are not supported`);
  if (u.search || u.hash) throw new UsageError(`${shown}: an index URL has no query or fragment`);
  const segments = u.pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  const isSimple = last === 'simple' || last === '+simple';
  const baseSegs = isSimple ? segments.slice(0, -1) : segments;
  const simpleSegs = isSimple ? segments : [...segments, 'simple'];
  const path = (segs: string[]) => (segs.length === 0 ? '/' : `/${segs.join('/')}/`);
  const base = `${u.origin}${path(baseSegs)}`;
  const urls: IndexUrls = { base, simple: `${u.origin}${path(simpleSegs)}` };
  if (opts.jsonApi ?? JSON_API_HOSTS.has(u.hostname)) urls.jsonApi = `${base}pypi/`;
  return urls;
}

/** True for localhost and loopback addresses (127.0.0.0/8, ::1). */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/.test(hostname);
}
