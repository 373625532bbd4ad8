// Test support for distsum verify: the CLI commands run in-process with a captured context, a log
// server run as a child process (`distsum log serve`), temporary directories and XDG environments.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliContext } from '../../../src/cli/context.ts';
import { run } from '../../../src/cli/main.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = resolve(ROOT, '../shared/fixtures');

type Hooks = { after: (fn: () => void | Promise<void>) => void };

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(t: Hooks, prefix = 'distsum-verify-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** An environment whose HOME and XDG directories are inside `dir` (nothing of the real user's is read). */
export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_CACHE_HOME: join(dir, 'xdg-cache'),
    XDG_STATE_HOME: join(dir, 'xdg-state'),
    ...extra,
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `distsum <argv>` in this process through the CLI's run().
 */
export async function runDistsum(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; now?: () => Date }): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (d: Buffer) => outChunks.push(d));
  stderr.on('data', (d: Buffer) => errChunks.push(d));
  const stdin = new PassThrough();
  stdin.end();
  const ctx: CliContext = { stdout, stderr, stdin, env: { ...opts.env }, cwd: opts.cwd, now: opts.now ?? (() => new Date()) };
  const code = await run(argv, ctx);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: Buffer.concat(outChunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
}

/** A running `distsum log serve`. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `distsum log serve --data <dataDir> --port 0` on loopback; stopped after the test. */
export async function startServer(t: Hooks, dataDir: string, extraArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/verify/support/serve.ts'), '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--grace', '1', ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, DISTSUM_DATA: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`log server did not start: ${stderr}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = / at (http:\/\/127\.0\.0\.1:[0-9]+)\/?/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`log server exited (${code}): ${stderr}`));
    });
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }));
  t.after(stop);
  return { url, child, stop };
}
