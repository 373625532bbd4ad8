// How long to wait before trying an upload again: the index's Retry-After when it gives one, else
// exponential backoff with jitter; a bounded number of times.

/** Retry bounds. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most maxRetries + 1 attempts). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults: 4 retries waiting about 2, 4, 8, 16 s (plus up to 1 s of jitter each), never more than 30 s. */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 2000, maxDelayMs: 30_000 };

/**
 * The wait before retry number `retry` (1-based): `retryAfterMs` if the server asked for one, else
 * base * 2^(retry-1) plus jitter in [0, min(base, 1000)) from `random` (in [0, 1)); capped at maxDelayMs.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const exp = policy.baseDelayMs * 2 ** Math.max(0, retry - 1);
  const jitter = Math.floor(random() * Math.min(policy.baseDelayMs, 1000));
  return Math.min(exp + jitter, policy.maxDelayMs);
}

// Failures worth another try: the connection broke or timed out, or the server was briefly unreachable.
// Not retried: unknown host names and TLS verification failures, which only a configuration change fixes.
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** True when a transport error code is worth retrying. */
export function isRetryableNetworkCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}
