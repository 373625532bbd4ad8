// Typed errors of reading a package index. Each message is one line naming the URL (or the thing)
// at fault, so the follower can turn it into a follow-error alert as it is.

import { InputError, SecurityError } from '../errors.ts';

/**
 * The index answered with an HTTP status we cannot use (after any retries). `status` is that status;
 * `retryAfterMs` the wait its Retry-After asked for, if any (the follower may slow down by it).
 */
export class IndexHttpError extends InputError {
  readonly status: number;
  readonly url: string;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, url: string, detail?: string, retryAfterMs?: number) {
    super(`${url}: the index answered HTTP ${status}${detail ? ` (${oneLine(detail)})` : ''}`);
    this.status = status;
    this.url = url;
    this.retryAfterMs = retryAfterMs;
  }
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS failure, or a timeout (`timedOut`). */
export class IndexNetworkError extends InputError {
  readonly url: string;
  /** The node error code (ECONNRESET, ...), or 'ETIMEDOUT' for our own timeouts. */
  readonly code: string;
  readonly timedOut: boolean;
  constructor(url: string, code: string, detail: string, options?: { cause?: unknown; timedOut?: boolean }) {
    super(`${url}: ${oneLine(detail)}`, options);
    this.url = url;
    this.code = code;
    this.timedOut = options?.timedOut ?? false;
  }
}

/**
 * A response that is not what the simple API or the JSON API says it is: malformed JSON or HTML,
 * a wrong content type, a digest that is not hex, a file or project name that is not a plain name.
 */
export class IndexFormatError extends InputError {
  constructor(where: string, why: string, options?: { cause?: unknown }) {
    super(`${where}: ${oneLine(why)}`, options);
  }
}

/** A response (or a decoded response) larger than the cap for it; reading stopped at the cap. */
export class IndexTooLargeError extends InputError {
  readonly url: string;
  readonly limit: number;
  constructor(url: string, limit: number, what = 'response') {
    super(`${url}: the ${what} is larger than ${limit} bytes; stopped reading`);
    this.url = url;
    this.limit = limit;
  }
}

/**
 * A redirect we refuse to follow: to another origin (scheme, host or port), without a Location, or
 * one too many. A security error: an index must not send its readers elsewhere.
 */
export class IndexRedirectError extends SecurityError {
  readonly url: string;
  readonly location: string | undefined;
  constructor(url: string, location: string | undefined, why: string) {
    super(`${url}: refused redirect${location === undefined ? '' : ` to ${oneLine(location)}`}: ${oneLine(why)}`);
    this.url = url;
    this.location = location;
  }
}

// Messages are one line and never echo unbounded hostile text.
function oneLine(s: string): string {
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat;
}
