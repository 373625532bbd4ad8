// Knowing which projects to fetch again. PyPI gives every project a `_last-serial` in its JSON
// project list; comparing two snapshots of it tells what changed, as bandersnatch does. Indexes
// without serials get a plain poll plan instead: every project in turn, least recently polled first.

import { InputError } from '../errors.ts';

/** A project as the project list gives it (see ListedProject in simple.ts). */
export interface SerialEntry {
  normalizedName: string;
  lastSerial?: number;
}

/** What differs between two snapshots. Every list is sorted and holds normalized names. */
export interface SerialDiff {
  /** In the new snapshot only. */
  added: string[];
  /** In the old snapshot only. */
  removed: string[];
  /** In both, with different serials (including the ones in `serialDecreased`). */
  changed: string[];
  /** In both, with a smaller serial than before: the index went back in time (worth an alert). */
  serialDecreased: string[];
  /** In both, but without a serial in one of them: only fetching the page can tell. */
  unknown: string[];
}

/**
 * Compares the project-list snapshots `before` and `after`. Names must be unique within each
 * (parseSimpleIndex guarantees it); a duplicate throws InputError. Pure; O(n log n).
 */
export function diffSerials(before: readonly SerialEntry[], after: readonly SerialEntry[]): SerialDiff {
  const old = toMap(before, 'old');
  const now = toMap(after, 'new');
  const diff: SerialDiff = { added: [], removed: [], changed: [], serialDecreased: [], unknown: [] };
  for (const [name, serial] of now) {
    if (!old.has(name)) {
      diff.added.push(name);
      continue;
    }
    const prev = old.get(name);
    if (prev === undefined || serial === undefined) diff.unknown.push(name);
    else if (prev !== serial) {
      diff.changed.push(name);
      if (serial < prev) diff.serialDecreased.push(name);
    }
  }
  for (const name of old.keys()) if (!now.has(name)) diff.removed.push(name);
  for (const list of Object.values(diff)) list.sort(compare);
  return diff;
}

/** True when every entry has a serial, so diffSerials can replace polling. */
export function hasSerials(entries: readonly SerialEntry[]): boolean {
  return entries.every((e) => e.lastSerial !== undefined);
}

/** How often and how much to poll. */
export interface PollPlanOptions {
  /** Now, in milliseconds since the epoch. */
  nowMs: number;
  /** A project is due again this long after its last poll. */
  intervalMs: number;
  /** Projects to poll in this round at most. */
  maxPolls: number;
}

/**
 * The projects to poll now: those never polled (by name), then those whose last poll is at least
 * `intervalMs` old (oldest first, then by name), at most `maxPolls`. `lastPolledMs` maps a
 * normalized name to when it was last polled; names not in `projects` are ignored. Pure.
 */
export function planPolls(projects: readonly string[], lastPolledMs: ReadonlyMap<string, number>, opts: PollPlanOptions): string[] {
  const due: Array<{ name: string; at: number }> = [];
  for (const name of new Set(projects)) {
    const at = lastPolledMs.get(name);
    if (at === undefined) due.push({ name, at: -Infinity });
    else if (opts.nowMs - at >= opts.intervalMs) due.push({ name, at });
  }
  due.sort((a, b) => (a.at === b.at ? compare(a.name, b.name) : a.at < b.at ? -1 : 1));
  return due.slice(0, Math.max(0, opts.maxPolls)).map((d) => d.name);
}

function toMap(entries: readonly SerialEntry[], which: string): Map<string, number | undefined> {
  const m = new Map<string, number | undefined>();
  for (const e of entries) {
    if (m.has(e.normalizedName)) throw new InputError(`the ${which} project list names ${e.normalizedName} twice`);
    m.set(e.normalizedName, e.lastSerial);
  }
  return m;
}

// Code-unit order: stable across locales.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
