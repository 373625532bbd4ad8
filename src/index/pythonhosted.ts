// files.pythonhosted.org stores a file under its BLAKE2b-256 digest split 2/2/60:
// /packages/b1/fe/e8c6.../name.whl. The URL is therefore a second record of the digest, written
// when the file was uploaded: an index that later claims another digest for it contradicts itself.

/** Where a content-addressed file host keeps files: its host name and the path prefix before the digest. */
export interface DigestUrlLayout {
  hostname: string;
  /** Starts and ends with `/`. */
  prefix: string;
}

/** files.pythonhosted.org's layout. */
export const PYTHONHOSTED: DigestUrlLayout = { hostname: 'files.pythonhosted.org', prefix: '/packages/' };

const TWO = /^[0-9a-f]{2}$/;
const SIXTY = /^[0-9a-f]{60}$/;
// Printable ASCII but `%`: a URL written with these only spells its host as the parser reads it,
// up to case (no percent-decoding, no removed tabs or newlines, no IDNA mapping but lowercasing).
const VERBATIM = /^[\x21-\x24\x26-\x7e]*$/;
// A host name whose last label starts with a letter: the URL parser never reads it as an IPv4
// address, so another spelling of it cannot name the same host.
const NAMED_HOST = /(?:^|\.)[a-z][a-z0-9-]*$/;

/**
 * The BLAKE2b-256 digest (64 lowercase hex digits) that `url` encodes, or undefined when `url` is not
 * an http(s) URL on one of `layouts` with the path `<prefix><2 hex>/<2 hex>/<60 hex>/<file name>`
 * (old PyPI paths such as /packages/source/r/requests/... encode no digest). Never throws.
 */
export function blake2bFromUrl(url: string, layouts: readonly DigestUrlLayout[] = [PYTHONHOSTED]): string | undefined {
  return addressed(url, layouts)?.digest;
}

// The digest `url` encodes on one of `layouts` and its last path segment (undecoded), or undefined
// (see blake2bFromUrl).
function addressed(url: string, layouts: readonly DigestUrlLayout[]): { digest: string; segment: string } | undefined {
  if (!mayBeOn(url, layouts)) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const layout = layouts.find((l) => l.hostname === u.hostname && u.pathname.startsWith(l.prefix));
  if (!layout) return undefined;
  const parts = u.pathname.slice(layout.prefix.length).split('/');
  if (parts.length !== 4 || parts[3] === '') return undefined;
  const [a, b, c] = parts;
  if (!TWO.test(a) || !TWO.test(b) || !SIXTY.test(c)) return undefined;
  return { digest: a + b + c, segment: parts[3] };
}

/**
 * False only when `url` cannot be on any of `layouts`' hosts (so need not be parsed: most URLs of
 * a mirror or a private index are not on one): it is written verbatim (see VERBATIM) and does not
 * contain any layout's (named) host name, ignoring case.
 */
export function mayBeOn(url: string, layouts: readonly DigestUrlLayout[]): boolean {
  for (const l of layouts) if (!NAMED_HOST.test(l.hostname) || url.includes(l.hostname)) return true;
  if (!VERBATIM.test(url)) return true;
  // Lowercased (a copy) only where that can change it.
  if (!/[A-Z]/.test(url)) return false;
  const lower = url.toLowerCase();
  return layouts.some((l) => lower.includes(l.hostname));
}

/** The URL of `filename` with digest `blake2b256` (64 lowercase hex) on `layout`'s host. */
export function digestUrl(blake2b256: string, filename: string, layout: DigestUrlLayout = PYTHONHOSTED): string {
  return `https://${layout.hostname}${layout.prefix}${blake2b256.slice(0, 2)}/${blake2b256.slice(2, 4)}/${blake2b256.slice(4)}/${encodeURIComponent(filename)}`;
}

/** What a file's URL says about the digest and name an index claims for it. */
export type UrlDigestCheck =
  /** The URL is not on a content-addressed host: nothing to check. */
  | { kind: 'not-addressed' }
  /** The URL's digest equals the claimed blake2b_256 and its last segment the file name. */
  | { kind: 'match'; blake2b256: string }
  /** The URL encodes a digest but the index claimed none: the URL's digest is the best record. */
  | { kind: 'unclaimed'; blake2b256: string }
  /** The URL's digest differs from the claimed one: the index contradicts itself. */
  | { kind: 'digest-mismatch'; urlDigest: string; claimed: string }
  /** The URL's last segment is not the claimed file name. */
  | { kind: 'filename-mismatch'; urlFilename: string; claimed: string };

// The answer for most URLs off PyPI, shared (frozen).
const NOT_ADDRESSED: UrlDigestCheck = Object.freeze({ kind: 'not-addressed' });

/**
 * Compares the digest encoded in `url` (see blake2bFromUrl) with the `blake2b_256` an index claims
 * (any case) and the URL's last path segment with `filename`. Never throws; the follower turns a
 * mismatch into an alert.
 */
export function checkUrlDigest(url: string, claimed: { filename?: string; blake2b_256?: string }, layouts: readonly DigestUrlLayout[] = [PYTHONHOSTED]): UrlDigestCheck {
  const at = addressed(url, layouts);
  if (at === undefined) return NOT_ADDRESSED;
  const urlDigest = at.digest;
  if (claimed.filename !== undefined) {
    let urlFilename = at.segment;
    try {
      urlFilename = decodeURIComponent(at.segment);
    } catch {
      // keep the raw segment: it cannot equal a valid file name anyway
    }
    if (urlFilename !== claimed.filename) return { kind: 'filename-mismatch', urlFilename, claimed: claimed.filename };
  }
  if (claimed.blake2b_256 === undefined) return { kind: 'unclaimed', blake2b256: urlDigest };
  const want = claimed.blake2b_256.toLowerCase();
  return want === urlDigest ? { kind: 'match', blake2b256: urlDigest } : { kind: 'digest-mismatch', urlDigest, claimed: want };
}
