// The follower's picture of the index's project list: for every project it has processed, the
// `_last-serial` it processed (PyPI) and when it last polled it. Comparing this with a fresh project
// list says what to fetch (diffSerials), or whom to poll next (planPolls) on indexes without serials.
//
// Stored in 4096 metadata buckets chosen by a hash of the name, so a round that touched a few
// projects rewrites a few small values, not the whole list (PyPI has ~700k projects), and the store
// needs no operation beyond getMeta/setMeta. A project is written back only after its files are
// committed, so a crash re-polls it instead of skipping it.

import { hash } from 'node:crypto';
import type { ReadTx } from '../store/store.ts';
import { jsonValue, objectJson } from './json.ts';
import { FOLLOW_PREFIX } from './state.ts';

/** Number of buckets (a power of 16: the key is the first hex digits of sha256(name)). */
export const BUCKETS = 4096;

/** What the snapshot holds about one project. */
export interface Known {
  /** The serial processed, or null on indexes without serials. */
  serial: number | null;
  /** Last successful poll (ms since the epoch). */
  polled: number;
}

/** The in-memory snapshot with its unsaved changes. */
export interface Snapshot {
  readonly projects: Map<string, Known>;
  /**
   * The names in each bucket (so saving a bucket does not rescan every project): a name is listed
   * once, in its bucket, exactly while it is in `projects`. (Lists, not Sets: a backfill adds a
   * name to one for every project, and a list costs less to grow and to keep.)
   */
  readonly members: Map<number, string[]>;
  /** Buckets changed since the last save. */
  readonly dirty: Set<number>;
}

/** An empty snapshot. */
export function emptySnapshot(): Snapshot {
  return { projects: new Map(), members: new Map(), dirty: new Set() };
}

/** Bucket number of `name`. */
export function bucketOf(name: string): number {
  // The first three hex digits of sha256(name): its first 12 bits. (One-shot: a hash object per
  // name costs more than the hashing.)
  const d = hash('sha256', name, 'buffer');
  return (d[0] << 4) | (d[1] >> 4);
}

/** Metadata key of bucket `b`. */
export function bucketKey(b: number): string {
  return `${FOLLOW_PREFIX}s/${b.toString(16).padStart(3, '0')}`;
}

/** Records (or with `undefined`, forgets) what is known about `name`. */
export function setKnown(s: Snapshot, name: string, k: Known | undefined): void {
  const b = bucketOf(name);
  if (k === undefined) {
    if (!s.projects.delete(name)) return;
    const m = s.members.get(b)!;
    m.splice(m.indexOf(name), 1);
  } else {
    const known = s.projects.has(name);
    s.projects.set(name, k);
    if (!known) {
      const m = s.members.get(b);
      if (m === undefined) s.members.set(b, [name]);
      else m.push(name);
    }
  }
  s.dirty.add(b);
}

/** Decodes one bucket's stored value into `into`; invalid entries (or an invalid value) are skipped. */
export function decodeBucket(value: string | undefined, b: number, into: Map<string, Known>): void {
  if (value === undefined) return;
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
  for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
    if (!Array.isArray(x) || x.length !== 2) continue;
    const [serial, polled] = x as unknown[];
    if (serial !== null && !(typeof serial === 'number' && Number.isSafeInteger(serial) && serial >= 0)) continue;
    if (!(typeof polled === 'number' && Number.isSafeInteger(polled) && polled >= 0)) continue;
    // A name in the wrong bucket is not ours (a damaged value): ignore it.
    if (bucketOf(name) !== b) continue;
    into.set(name, { serial: serial as number | null, polled });
  }
}

/**
 * The stored value of bucket `b` of snapshot `s`: a JSON object of its names, each with
 * `[serial, polled]`, as JSON.stringify writes it.
 */
export function encodeBucket(s: Snapshot, b: number): string {
  return objectJson(s.members.get(b) ?? [], (name) => {
    const k = s.projects.get(name)!;
    return `[${jsonValue(k.serial)},${jsonValue(k.polled)}]`;
  });
}

/** Reads the whole snapshot. */
export async function loadSnapshot(tx: ReadTx): Promise<Snapshot> {
  const s = emptySnapshot();
  for (let b = 0; b < BUCKETS; b++) {
    const found = new Map<string, Known>();
    decodeBucket(await tx.getMeta(bucketKey(b)), b, found);
    if (found.size === 0) continue;
    s.members.set(b, [...found.keys()]);
    for (const [name, k] of found) s.projects.set(name, k);
  }
  return s;
}

/**
 * The metadata writes that save the changed buckets, as they are now, and clears the dirty set. A
 * caller whose transaction fails hands the buckets back with `redirty`.
 */
export function takeSnapshotWrites(s: Snapshot): { writes: [string, string][]; buckets: number[] } {
  const buckets = [...s.dirty];
  s.dirty.clear();
  return { writes: buckets.map((b) => [bucketKey(b), encodeBucket(s, b)]), buckets };
}

/** Marks `buckets` changed again (their save failed). */
export function redirty(s: Snapshot, buckets: number[]): void {
  for (const b of buckets) s.dirty.add(b);
}
