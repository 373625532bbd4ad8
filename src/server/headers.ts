// Response header policy in one place: how long each kind of response may be cached, and the
// security headers every HTML page carries.

/** Full tiles and full entry bundles never change: cache for a year and never revalidate. */
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

/** Partial tiles: a given width never changes, but clients should move on to wider ones soon. */
export const CACHE_PARTIAL = 'public, max-age=60';

/** The checkpoint and answers derived from it (lookups, status): seconds at most (DESIGN). */
export const CACHE_SHORT = 'public, max-age=5';

/** Errors, pages with search results, the write API, metrics. */
export const CACHE_NONE = 'no-store';

/**
 * Content-Security-Policy of every HTML page: nothing may load except the site's own stylesheet and
 * icon; no scripts, no frames, forms post only to this origin.
 */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Headers every response carries. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Headers every HTML page carries in addition to COMMON_HEADERS. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * True when an Accept-Encoding header value accepts gzip: listed as gzip (or x-gzip) with q > 0, or
 * not listed and covered by `*` with q > 0 (RFC 9110 12.5.3: an explicit entry wins over `*`).
 */
export function acceptsGzip(acceptEncoding: string | undefined | null): boolean {
  if (!acceptEncoding) return false;
  let star: boolean | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') return accepted;
    if (coding === '*') star = accepted;
  }
  return star ?? false;
}
