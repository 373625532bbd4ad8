// Runs `distsum upload` / `distsum check` in-process through the CLI's own run() with a captured
// context, so tests need no build step and can set the environment, working directory and
// terminal-ness per run.

import { PassThrough, Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/context.ts';
import { run } from '../../src/cli/main.ts';

/** What a run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pretend stdin and stderr are a terminal, and feed `input` as typed text. */
  tty?: { input: string };
  now?: Date;
}

class Capture extends Writable {
  text = '';
  isTTY?: boolean;
  columns = 100;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * Runs `args` (e.g. ['upload', 'dist/x.whl']). The environment is exactly `env` (plus HOME set to a
 * path that does not exist unless given, so a developer's ~/.pypirc never leaks into a test).
 */
export async function runDistsum(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (m: boolean) => void; isRaw?: boolean };
  if (opts.tty) {
    stdin.isTTY = true;
    stdin.isRaw = false;
    stdin.setRawMode = (m: boolean) => {
      stdin.isRaw = m;
    };
    stderr.isTTY = true;
    // Typed after the prompt is shown: queue it now, it is read when the prompt listens.
    stdin.write(opts.tty.input);
  }
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin,
    env: { HOME: '/nonexistent-home-for-tests', ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    now: () => opts.now ?? new Date('2026-01-02T03:04:05Z'),
  };
  const code = await run(args, ctx);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
