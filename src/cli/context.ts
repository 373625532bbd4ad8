// What a command may touch of the outside world, passed in so tests can run commands in-process.

import type { Writable, Readable } from 'node:stream';

/** The process environment a command runs in. */
export interface CliContext {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Wall clock; injected so output with times is testable. */
  now: () => Date;
}

/** The real process as a context. */
export function processContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  };
}

/** Writes a line to stdout. */
export function out(ctx: CliContext, line = ''): void {
  ctx.stdout.write(line + '\n');
}

/** Writes a line to stderr. */
export function err(ctx: CliContext, line = ''): void {
  ctx.stderr.write(line + '\n');
}
