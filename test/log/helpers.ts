// Test support for src/log: temporary data directories and synthetic claims.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataDir, openDataDir } from '../../src/log/datadir.ts';
import type { OpenLog } from '../../src/log/datadir.ts';
import type { Entry } from '../../src/log/entry.ts';
import type { Claim } from '../../src/log/sequencer.ts';

/** Deterministic note key seed for test logs. */
export const SEED = new Uint8Array(32).fill(7);
export const ORIGIN = 'test.example/log';

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(t: { after: (fn: () => void | Promise<void>) => void }, prefix = 'distsum-log-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A manual clock: starts at 2024-01-01 and advances one second per call. */
export function steppingClock(start = Date.UTC(2024, 0, 1)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

/** hex of sha256(label): stable fake digests. */
export function hexOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** A plausible entry for file number i of project p. */
export function entry(i: number, p = `proj-${i % 7}`, opts: { b2?: boolean; salt?: string } = {}): Entry {
  const e: Entry = {
    project: p,
    version: `1.${i}`,
    filename: `${p.replace(/-/g, '_')}-1.${i}-py3-none-any.whl`,
    size: 1000 + i,
    sha256: hexOf(`sha ${p} ${i} ${opts.salt ?? ''}`),
  };
  if (opts.b2 !== false) e.blake2b256 = hexOf(`b2 ${p} ${i} ${opts.salt ?? ''}`);
  return e;
}

/** A claim for `e` from a test source. */
export function claim(e: Entry, source = 'test'): Claim {
  return { entry: e, source };
}

/** Creates a log in a temp dir and opens it as the writer; closed after the test. */
export async function newLog(
  t: { after: (fn: () => void | Promise<void>) => void },
  opts: { maxBatch?: number; now?: () => Date } = {},
): Promise<{ dir: string; log: OpenLog; now: () => Date }> {
  const dir = join(tempDir(t), 'data');
  const now = opts.now ?? steppingClock();
  await createDataDir(dir, ORIGIN, now(), { seed: SEED, token: 'test-token' });
  const log = await openDataDir(dir, { writer: true, now, maxBatch: opts.maxBatch });
  t.after(() => log.close());
  return { dir, log, now };
}
