import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableCode, isRetryableStatus, parseRetryAfter } from '../../src/index/retry.ts';

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);

test('Retry-After: delta-seconds and the three HTTP-date forms', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter(' 0 ', NOW), 0);
  assert.equal(parseRetryAfter('Mon, 01 Jan 2024 12:00:30 GMT', NOW), 30_000);
  assert.equal(parseRetryAfter('Monday, 01-Jan-24 12:01:00 GMT', NOW), 60_000);
  assert.equal(parseRetryAfter('Mon Jan  1 12:00:05 2024', NOW), 5000);
  assert.equal(parseRetryAfter('Sun, 31 Dec 2023 12:00:00 GMT', NOW), 0, 'a past date means now');
});

test('Retry-After: malformed values are ignored', () => {
  for (const v of [undefined, '', '-1', '1.5', '1e3', 'soon', 'May', '2024-01-01T12:00:30Z', 'Mon, 01 Jan 2024 12:00:30 PST', '99999999999999999']) {
    assert.equal(parseRetryAfter(v, NOW), undefined, String(v));
  }
});

test('backoff: exponential with equal jitter, capped; Retry-After wins but is capped too', () => {
  const p = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 5000, maxRetryAfterMs: 60_000 };
  assert.equal(backoffDelay(p, 1, () => 0), 500);
  assert.equal(backoffDelay(p, 1, () => 0.999999), 999);
  assert.equal(backoffDelay(p, 2, () => 0), 1000);
  assert.equal(backoffDelay(p, 3, () => 0.5), 3000);
  assert.equal(backoffDelay(p, 10, () => 0), 2500);
  assert.equal(backoffDelay(p, 10, () => 0.999999), 4999);
  assert.equal(backoffDelay(p, 1, () => 0.5, 7000), 7000);
  assert.equal(backoffDelay(p, 1, () => 0.5, 3_600_000), 60_000);
  assert.equal(backoffDelay(p, 1, () => 0.5, -5), 0);
});

test('which statuses and codes are retried', () => {
  for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
  for (const s of [200, 301, 304, 400, 401, 403, 404, 410, 501]) assert.equal(isRetryableStatus(s), false, String(s));
  assert.equal(isRetryableCode('ECONNRESET'), true);
  assert.equal(isRetryableCode('ETIMEDOUT'), true);
  assert.equal(isRetryableCode('ENOTFOUND'), false);
  assert.equal(isRetryableCode('CERT_HAS_EXPIRED'), false);
});

test('property: delays stay within [d/2, d) and never exceed the caps; parseRetryAfter never throws', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (retry, r) => {
      const d = Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.baseDelayMs * 2 ** (retry - 1));
      const got = backoffDelay(DEFAULT_BACKOFF, retry, () => r);
      assert.ok(got >= Math.floor(d / 2) && got < d, `${got} for ${retry}`);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.nat(), (s, now) => {
      const v = parseRetryAfter(s, now);
      assert.ok(v === undefined || (Number.isFinite(v) && v >= 0));
    }),
  );
  fc.assert(
    fc.property(fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2090, 0, 1)), noInvalidDate: true }), (d) => {
      const whole = Math.floor(d.getTime() / 1000) * 1000;
      assert.equal(parseRetryAfter(new Date(whole).toUTCString(), whole - 1234), 1234);
    }),
  );
});
