// When to ask an index again: on 429, 5xx and broken connections, after the server's Retry-After
// when it sends one (capped: a hostile index must not park the follower for a year), else after an
// exponential backoff with jitter, a bounded number of times.

/** Retry bounds. */
export interface BackoffPolicy {
  /** Retries after the first attempt (at most maxRetries + 1 attempts). */
  maxRetries: number;
  /** First backoff; doubles with every retry. */
  baseDelayMs: number;
  /** Largest backoff without a Retry-After. */
  maxDelayMs: number;
  /** Largest wait a Retry-After can ask for; longer requests are cut to this. */
  maxRetryAfterMs: number;
}

/** Defaults: 4 retries, about 1, 2, 4, 8 s apart (half of it jitter), Retry-After honoured up to 5 min. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000 };

/**
 * The wait before retry number `retry` (1-based). With `retryAfterMs` (from parseRetryAfter): that,
 * clamped to [0, maxRetryAfterMs]. Without: d = min(maxDelayMs, baseDelayMs * 2^(retry-1)), then
 * d/2 + random() * d/2 rounded down ("equal jitter": never less than half, so clients that failed
 * together spread out without hammering). `random` returns values in [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(d / 2 + random() * (d / 2));
}

// RFC 9110 HTTP-date: IMF-fixdate, obsolete RFC 850 and asctime forms. Date.parse alone would
// also take "1" or "May" as dates.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
const RFC850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), [0-9]{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/;

/**
 * A Retry-After header value as milliseconds from `nowMs`: delta-seconds (`120`) or an HTTP-date
 * (a date in the past gives 0). Undefined for a missing or malformed value. Never throws.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^[0-9]{1,12}$/.test(v)) return Number(v) * 1000;
  if (!IMF_FIXDATE.test(v) && !RFC850.test(v) && !ASCTIME.test(v)) return undefined;
  const t = Date.parse(ASCTIME.test(v) ? `${v} GMT` : v);
  if (!Number.isFinite(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/** Statuses worth another try: request timeout, too many requests, and the transient 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

// Transport failures worth another try; unknown hosts and TLS failures need a configuration change.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

/** True for transport error codes worth another try (including our own timeouts, ETIMEDOUT). */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}
