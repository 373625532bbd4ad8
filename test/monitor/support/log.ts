// Test support for the follower: a fresh log data directory, a follower over it with test-sized
// timeouts, and reads of what the log holds (entries, alerts) without going through the code under test.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataDir, openDataDir, type OpenLog } from '../../../src/log/datadir.ts';
import type { Entry } from '../../../src/log/entry.ts';
import type { StoredAlert } from '../../../src/store/store.ts';
import type { AlertChannel } from '../../../src/monitor/channels.ts';
import type { OutgoingAlert } from '../../../src/monitor/format.ts';
import { startFollower, type FollowConfig, type FollowerHandle, type FollowerOptions } from '../../../src/monitor/follow.ts';

type After = { after: (fn: () => void | Promise<void>) => void };

/** A directory under the OS temp dir, removed after the test. */
export function tempDir(t: After, prefix = 'distsum-follow-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Creates a log in a fresh data directory; returns the directory. */
export async function newDataDir(t: After): Promise<string> {
  const dir = join(tempDir(t), 'data');
  await createDataDir(dir, 'test.example/follow', new Date(), { seed: new Uint8Array(32).fill(9), token: 'test-token-0123456789' });
  return dir;
}

/** A channel that keeps what it is sent. */
export function memoryChannel(): AlertChannel & { sent: OutgoingAlert[] } {
  const sent: OutgoingAlert[] = [];
  return { name: 'memory', sent, send: async (a) => void sent.push(a) };
}

/** Config for a test follower of `index` (one round unless told otherwise). */
export function testConfig(index: string, over: Partial<FollowConfig> = {}): FollowConfig {
  return {
    index,
    intervalMs: 60_000,
    once: true,
    verifyRate: 0,
    lateAfterMs: 14 * 86_400_000,
    manifestGraceMs: 86_400_000,
    lagAfterMs: 3_600_000,
    concurrency: 4,
    digestHosts: [{ hostname: '127.0.0.1', prefix: '/files/' }],
    version: '0.0.0-test',
    ...over,
  };
}

/** Client settings that keep hostile-index tests fast: short timeouts, quick retries. */
export const FAST_CLIENT: FollowerOptions['clientOptions'] = {
  pageTimeoutMs: 2000,
  idleTimeoutMs: 1000,
  backoff: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 50 },
};

/** Opens `dir` as the writer, runs a follower to completion (config.once) and closes the log. */
export async function followOnce(
  dir: string,
  config: FollowConfig,
  extra: Partial<Omit<FollowerOptions, 'log' | 'config'>> = {},
): Promise<{ status: Awaited<FollowerHandle['done']>; newAlerts: number[]; lines: string[] }> {
  const log = await openDataDir(dir, { writer: true, now: extra.now ?? (() => new Date()) });
  const lines: string[] = [];
  try {
    const f = startFollower({ log, config, channels: [], say: (l) => lines.push(l), clientOptions: FAST_CLIENT, ...extra });
    const status = await f.done;
    return { status, newAlerts: f.newAlerts(), lines };
  } finally {
    await log.close();
  }
}

/** Opens `dir` as the writer and starts a follower; the caller stops it and closes the log. */
export async function startTestFollower(dir: string, config: FollowConfig, extra: Partial<Omit<FollowerOptions, 'log' | 'config'>> = {}): Promise<{ log: OpenLog; f: FollowerHandle; lines: string[] }> {
  const log = await openDataDir(dir, { writer: true, now: extra.now ?? (() => new Date()) });
  const lines: string[] = [];
  const f = startFollower({ log, config, channels: [], say: (l) => lines.push(l), clientOptions: FAST_CLIENT, ...extra });
  return { log, f, lines };
}

/** Every entry of the log, in order (read-only open). */
export async function allEntries(dir: string): Promise<Entry[]> {
  const log = await openDataDir(dir, { writer: false, now: () => new Date() });
  try {
    const size = (await log.reader.latestCheckpoint()).size;
    const out: Entry[] = [];
    for (let i = 0; i < size; i += 1000) {
      const idx = Array.from({ length: Math.min(1000, size - i) }, (_, k) => i + k);
      for (const e of await log.reader.entries(idx)) out.push(e.entry);
    }
    return out;
  } finally {
    await log.close();
  }
}

/** Every alert of the log (read-only open). */
export async function allAlerts(dir: string): Promise<StoredAlert[]> {
  const log = await openDataDir(dir, { writer: false, now: () => new Date() });
  try {
    return await log.reader.listAlerts({ limit: 10_000 });
  } finally {
    await log.close();
  }
}

/** The alerts of `kind`. */
export function ofKind(alerts: StoredAlert[], kind: string): StoredAlert[] {
  return alerts.filter((a) => a.kind === kind);
}
