// Which URLs may carry credentials: https anywhere, plain http only to this machine (loopback), where
// nobody on the network can read the password or token off the wire.

import { isIP } from 'node:net';
import { SecurityError, UsageError } from '../errors.ts';

/**
 * True when `hostname` (as `URL.hostname` gives it, IPv6 in brackets or not) names this machine:
 * `localhost` (and names under `.localhost`, RFC 6761), 127.0.0.0/8, ::1, or ::ffff:127.x.y.z.
 */
export function isLoopbackHost(hostname: string): boolean {
  let h = hostname.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const kind = isIP(h);
  if (kind === 4) return h.split('.')[0] === '127';
  if (kind === 6) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true;
    // IPv4-mapped loopback, as URL normalizes it (::ffff:7f00:1) or written out.
    const mapped = /^::ffff:(.+)$/.exec(h);
    if (mapped) {
      const v4 = mapped[1];
      if (isIP(v4) === 4) return v4.split('.')[0] === '127';
      const hex = /^([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(v4);
      if (hex) return parseInt(hex[1], 16) >> 8 === 127;
    }
  }
  return false;
}

/**
 * Parses an http(s) URL given by the user or a config file; anything else (other schemes, no host,
 * unparsable text) is a UsageError naming `what`.
 */
export function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} is not a valid URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${what} must be an http:// or https:// URL, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new UsageError(`${what} has no host: ${sanitizeUrl(url)}`);
  return url;
}

/** True when a request to `url` may carry a password or token. */
export function mayCarryCredentials(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * Refuses (SecurityError, exit 3) to send credentials to `url` over plain HTTP unless it is loopback.
 * `purpose` says what would have been sent, for the message.
 */
export function assertCredentialsAllowed(url: URL, purpose: string): void {
  if (mayCarryCredentials(url)) return;
  throw new SecurityError(
    `refusing to send ${purpose} over plain HTTP to ${sanitizeUrl(url)}; use an https:// URL (plain http is allowed only to loopback addresses)`,
  );
}

/** The URL without user name or password, for messages and logs. */
export function sanitizeUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return '<invalid URL>';
  }
  u.username = '';
  u.password = '';
  return u.toString();
}
