// Runs `distsum log serve` as a child process (support/serve-entry.ts: the command's own code
// without the rest of the CLI), waits until it serves, and stops it with a signal.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ENTRY = resolve(import.meta.dirname, 'serve-entry.ts');
const ROOT = resolve(import.meta.dirname, '../../..');

/** A running server process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (128+n for a signal death). */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Resolves with the exit code and output of a serve process that is expected to exit by itself. */
export function runServe(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : 1), stderr, stdout });
    });
  });
}

/** Starts a server and resolves once it logs the URL it serves at. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const exited = new Promise<number>((r) => child.on('exit', (code, signal) => r(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15))));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`serve did not start: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /serving log .* at (http:\/\/[^\s/]+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        res({
          child,
          url: m[1],
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.stdout.resume();
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited with ${code} before serving: ${err}`));
    });
  });
}
