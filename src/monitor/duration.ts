// Durations and rates as users write them on the command line: `500ms`, `60s`, `5m`, `1h`, `14d`,
// or a bare number of seconds; a sampling rate is a number in [0, 1].

import { UsageError } from '../errors.ts';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Longest duration accepted: ten years (anything longer is a typo). */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

/**
 * Milliseconds of `text` (`<number><unit>` with unit ms, s, m, h, d or w; a bare number is seconds).
 * The result is a non-negative integer at most MAX_DURATION_MS; anything else throws UsageError
 * naming `what` (the option).
 */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*([0-9]{1,12}(?:\.[0-9]{1,6})?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!m) throw new UsageError(`${what}: ${JSON.stringify(text.slice(0, 40))} is not a duration (e.g. 500ms, 60s, 5m, 1h, 14d)`);
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']);
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) throw new UsageError(`${what}: ${text.trim()} is longer than ten years`);
  return ms;
}

/** `ms` as the largest whole unit that divides it: 60000 -> "1m", 1500 -> "1500ms". */
export function formatDuration(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[u] && ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  }
  return `${ms}ms`;
}

/**
 * A sampling rate: a decimal in [0, 1] (`0.1`, `1`, `.5`). Throws UsageError naming `what` otherwise.
 */
export function parseRate(text: string, what = 'rate'): number {
  if (!/^\s*(?:[01]|0?\.[0-9]{1,9}|1\.0{1,9})\s*$/.test(text)) throw new UsageError(`${what}: ${JSON.stringify(text.slice(0, 40))} is not a rate between 0 and 1 (e.g. 0.1)`);
  return Number(text);
}
