// Backoff: exponential with bounded jitter, the server's Retry-After first, never above the cap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { retryDelay, isRetryableNetworkCode, DEFAULT_RETRY } from '../../src/upload/retry.ts';

test('doubles from the base delay, adds less than a second of jitter, and is capped', () => {
  const p = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 10_000 };
  assert.equal(retryDelay(p, 1, () => 0), 1000);
  assert.equal(retryDelay(p, 2, () => 0), 2000);
  assert.equal(retryDelay(p, 3, () => 0.5), 4500);
  assert.equal(retryDelay(p, 4, () => 0.999), 8999);
  assert.equal(retryDelay(p, 5, () => 0), 10_000);
  assert.equal(retryDelay(p, 2, () => 0, 0), 0, 'Retry-After: 0 means now');
  assert.equal(retryDelay(p, 1, () => 0, 60_000), 10_000, 'Retry-After is capped too');
});

test('the defaults give up within about half a minute of waiting', () => {
  let total = 0;
  for (let r = 1; r <= DEFAULT_RETRY.maxRetries; r++) total += retryDelay(DEFAULT_RETRY, r, () => 0.999);
  assert.ok(total <= 35_000, `${total} ms`);
  assert.ok(DEFAULT_RETRY.maxRetries >= 3);
});

test('property: the delay is within [0, max] and grows with the retry number for the same jitter', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (n, j) => {
      const d = retryDelay(DEFAULT_RETRY, n, () => j);
      assert.ok(d >= 0 && d <= DEFAULT_RETRY.maxDelayMs);
      assert.ok(retryDelay(DEFAULT_RETRY, n + 1, () => j) >= d);
    }),
  );
});

test('broken connections are retried; unknown hosts and certificate failures are not', () => {
  for (const c of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED']) assert.equal(isRetryableNetworkCode(c), true, c);
  for (const c of ['ENOTFOUND', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) assert.equal(isRetryableNetworkCode(c), false, c);
});
