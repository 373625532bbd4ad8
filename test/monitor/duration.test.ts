import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, MAX_DURATION_MS, parseDuration, parseRate } from '../../src/monitor/duration.ts';
import { UsageError } from '../../src/errors.ts';

test('durations as users write them', () => {
  const cases: Array<[string, number]> = [
    ['500ms', 500],
    ['60s', 60_000],
    ['60', 60_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['14d', 14 * 86_400_000],
    ['2w', 14 * 86_400_000],
    [' 0 ', 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  for (const bad of ['', 'soon', '-1s', '1 day', '1e3', '5y', '1.2.3s', '3650000d']) assert.throws(() => parseDuration(bad, '--interval'), (e) => e instanceof UsageError && /--interval/.test(e.message), bad);
});

test('formatDuration picks the largest whole unit and parses back', () => {
  assert.equal(formatDuration(60_000), '1m');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(14 * 86_400_000), '2w');
  fc.assert(fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => parseDuration(formatDuration(ms)) === ms));
});

test('any string is a duration in range or a UsageError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      try {
        const ms = parseDuration(s);
        return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_DURATION_MS;
      } catch (e) {
        return e instanceof UsageError;
      }
    }),
  );
});

test('rates are decimals between 0 and 1', () => {
  for (const [t, r] of [['0', 0], ['1', 1], ['0.1', 0.1], ['.5', 0.5], ['1.0', 1]] as const) assert.equal(parseRate(t), r);
  for (const bad of ['2', '-0.1', '1.5', 'x', '', '0.1.2', '1e-1']) assert.throws(() => parseRate(bad), UsageError, bad);
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), (s) => {
      try {
        const r = parseRate(s);
        return r >= 0 && r <= 1;
      } catch (e) {
        return e instanceof UsageError;
      }
    }),
  );
});
