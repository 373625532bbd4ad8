// The latest checkpoint this machine has verified for one log, kept in the XDG state directory
// ($XDG_STATE_HOME/distsum/logs/<log>/checkpoint): the anchor every later checkpoint must be
// consistent with. It lives in state, not cache, because clearing a cache must not let a log that
// rewrote its history start over unnoticed. Updates are compare-and-swap under a short lock file and
// written atomically, so concurrent distsum runs never lose or tear the newest checkpoint.

import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../config/atomic.ts';
import { InputError, errorMessage } from '../errors.ts';
import { readBounded } from '../readbounded.ts';
import { MAX_NOTE_SIZE } from '../tlog/note.ts';

/** The checkpoint state of one log. */
export interface CheckpointStore {
  /** The state file. */
  readonly path: string;
  /** The stored signed checkpoint note, or undefined when this machine has none for the log. */
  read(): Promise<Uint8Array | undefined>;
  /**
   * Stores `next` if the state still holds exactly `expected` (undefined: no state yet); returns
   * false, changing nothing, when another run changed it in between.
   */
  compareAndSwap(expected: Uint8Array | undefined, next: Uint8Array): Promise<boolean>;
  /** Writes a misbehaviour report next to the state (never overwriting one); returns its path. */
  saveReport(text: string): Promise<string>;
}

/** How long a lock file may exist before it is taken to be left over from a crashed run. */
export const STALE_LOCK_MS = 30_000;

/** How long to wait for another run's lock. */
export const LOCK_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

// Runs `fn` holding `lockPath` (created exclusively). The section is a read and a rename, so waits are short.
async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`cannot lock ${lockPath}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
      const s = await stat(lockPath).catch(() => undefined);
      if (s !== undefined && Date.now() - s.mtimeMs > STALE_LOCK_MS) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new InputError(`${lockPath} is held by another distsum run; if none is running, delete it`);
      await sleep(10 + Math.floor(Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/** The checkpoint state kept in directory `dir` (created on first write). `now` names reports. */
export function checkpointStore(dir: string, now: () => Date): CheckpointStore {
  const path = join(dir, 'checkpoint');
  const read = async (): Promise<Uint8Array | undefined> => {
    try {
      return await readBounded(path, MAX_NOTE_SIZE, {
        what: 'checkpoint state',
        tooLarge: (p) => new InputError(`${p} is larger than a checkpoint can be; it is damaged (move it away to start over)`),
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot read ${path}: ${((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? errorMessage(e)}`);
    }
  };
  return {
    path,
    read,
    async compareAndSwap(expected, next) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return withLock(join(dir, 'checkpoint.lock'), async () => {
        if (!bytesEqual(await read(), expected)) return false;
        await writeFileAtomic(path, next);
        return true;
      });
    },
    async saveReport(text) {
      const reports = join(dir, 'reports');
      await mkdir(reports, { recursive: true, mode: 0o700 });
      const stamp = now().toISOString().replace(/[:.]/g, '-');
      for (let i = 0; ; i++) {
        const p = join(reports, `misbehaviour-${stamp}${i === 0 ? '' : `-${i}`}.txt`);
        try {
          await writeFile(p, text, { flag: 'wx', mode: 0o644 });
          return p;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw e;
        }
      }
    },
  };
}
