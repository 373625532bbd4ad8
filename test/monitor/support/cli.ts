// Runs distsum commands in-process through the CLI's run() with a captured context, so scenario
// tests drive the real CLI quickly.

import { PassThrough } from 'node:stream';
import type { CliContext } from '../../../src/cli/context.ts';
import { run } from '../../../src/cli/main.ts';

/** What a command printed and its exit code. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `distsum args...` in this process with `env` and `cwd`, like bin/distsum would. */
export async function distsum(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; now?: () => Date } = {}): Promise<Ran> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (d: Buffer) => outChunks.push(d));
  stderr.on('data', (d: Buffer) => errChunks.push(d));
  const stdin = new PassThrough();
  stdin.end();
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin,
    env: { PATH: process.env.PATH, ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    now: opts.now ?? (() => new Date()),
  };
  const code = await run(args, ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: Buffer.concat(outChunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
}
