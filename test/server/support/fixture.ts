// A real log for server tests: a data directory in a temp dir (created like `distsum log init`),
// opened as the writer, with the server's application over it and a controllable clock.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataDir, openDataDir } from '../../../src/log/datadir.ts';
import type { OpenLog } from '../../../src/log/datadir.ts';
import type { Entry } from '../../../src/log/entry.ts';
import type { Outcome } from '../../../src/log/sequencer.ts';
import { DEFAULT_LIMITS } from '../../../src/server/deps.ts';
import type { Limits } from '../../../src/server/deps.ts';
import type { ServeOptions } from '../../../src/server/options.ts';
import { serverParts } from '../../../src/server/parts.ts';
import type { ServerParts } from '../../../src/server/parts.ts';

/** The admin token of fixture logs. */
export const TOKEN = 'fixture-admin-token-0123456789';

/** Origin of fixture logs. */
export const ORIGIN = 'test.example/log';

/**
 * A file name an index controls, built to break out of HTML text and attributes (entries allow
 * anything but whitespace, control characters and slashes).
 */
export const HOSTILE_FILE = `<script>alert("pwned");<!--&amp;'ünï👾"><b>-1.0.tar.gz`;

/** A version string likewise. */
export const HOSTILE_VERSION = `1.0"><img-src=x-onerror=alert(1)>`;

/** The fixture clock starts here. */
export const T0 = new Date('2024-05-01T12:00:00.000Z');

/** sha256 hex of a string (node:crypto, not the code under test). */
export function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A valid entry for `filename` with digests derived from its name (and `salt`, to make others). */
export function entry(project: string, version: string, filename: string, size = 1000, salt = ''): Entry {
  return { project, version, filename, size, sha256: sha256hex(filename + salt), blake2b256: sha256hex('b2' + filename + salt) };
}

/** A running fixture. */
export interface Fixture {
  dir: string;
  open: OpenLog;
  parts: ServerParts;
  /** Sets the clock. */
  setNow(d: Date): void;
  append(entries: Entry[]): Promise<Outcome[]>;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Server options for a fixture directory. */
export function fixtureOptions(dir: string, over: Partial<ServeOptions> = {}): ServeOptions {
  return {
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    workers: 1,
    readOnly: false,
    cacheBytes: 16 << 20,
    limits: DEFAULT_LIMITS,
    graceMs: 2000,
    now: () => T0,
    log: () => undefined,
    ...over,
  };
}

/** Creates a log (fixed key) and the application over it. */
export async function logFixture(opts: { readOnly?: boolean; limits?: Partial<Limits>; cacheBytes?: number; logError?: (l: string) => void } = {}): Promise<Fixture> {
  const tmp = mkdtempSync(join(tmpdir(), 'distsum-server-'));
  const dir = join(tmp, 'data');
  let now = T0;
  await createDataDir(dir, ORIGIN, now, { seed: new Uint8Array(32).fill(7), token: TOKEN });
  const open = await openDataDir(dir, { writer: true, now: () => now });
  const options = fixtureOptions(dir, {
    readOnly: opts.readOnly ?? false,
    cacheBytes: opts.cacheBytes ?? 16 << 20,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    now: () => now,
    log: opts.logError ?? (() => undefined),
  });
  const parts = serverParts(open, options, {
    append: opts.readOnly ? undefined : (claims) => open.writer!.append(claims),
    token: opts.readOnly ? undefined : TOKEN,
    shuttingDown: () => false,
  });
  return {
    dir,
    open,
    parts,
    setNow: (d) => (now = d),
    append: async (entries) => {
      const out = await open.writer!.append(entries.map((e) => ({ entry: e, source: 'fixture' })));
      parts.latest.invalidate();
      return out;
    },
    request: (path, init) => Promise.resolve(parts.app.request(path, init)),
    close: async () => {
      await open.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** `n` entries of project `p` (one version per 3 files). */
export function manyEntries(p: string, n: number, from = 0): Entry[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const v = `1.${Math.floor(i / 3)}`;
    return entry(p, v, `${p.replace(/-/g, '_')}-${v}-${i}.tar.gz`, 100 + i);
  });
}

/** A JSON answer, loosely typed: the tests assert its shape field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** The JSON body of `r`. */
export async function bodyJson(r: Response): Promise<Loose> {
  return r.json();
}
