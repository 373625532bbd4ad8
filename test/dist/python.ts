// Runs python3 as a test peer (packaging, email, zipfile, tarfile), passing JSON in and out.

import { spawnSync } from 'node:child_process';

/** Runs `script` with `input` as JSON on stdin and returns its stdout parsed as JSON. */
export function python<T>(script: string, input: unknown = null, args: string[] = []): T {
  const r = spawnSync('python3', ['-c', script, ...args], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
