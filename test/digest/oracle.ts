// Test oracles for digests: Python's hashlib (a real peer, in a child process) and @noble/hashes.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface Expected {
  size: number;
  sha256: string;
  blake2b_256: string;
  md5: string;
}

const PY = `
import hashlib, json, sys
out = []
for p in sys.argv[1:]:
    s, b, m, n = hashlib.sha256(), hashlib.blake2b(digest_size=32), hashlib.md5(), 0
    with open(p, 'rb') as f:
        while True:
            c = f.read(1 << 16)
            if not c:
                break
            s.update(c); b.update(c); m.update(c); n += len(c)
    out.append({'size': n, 'sha256': s.hexdigest(), 'blake2b_256': b.hexdigest(), 'md5': m.hexdigest()})
print(json.dumps(out))
`;

/** Digests of each file as python3's hashlib computes them (blake2b with digest_size=32). */
export function pythonDigests(paths: string[]): Expected[] {
  const r = spawnSync('python3', ['-c', PY, ...paths], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Expected[];
}

/** sha256 and BLAKE2b-256 of `data` from @noble/hashes (a second, independent implementation). */
export function nobleDigests(data: Uint8Array): { size: number; sha256: string; blake2b_256: string } {
  return { size: data.length, sha256: bytesToHex(sha256(data)), blake2b_256: bytesToHex(blake2b(data, { dkLen: 32 })) };
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The vector input of hashes.json: data(len)[i] = (i*7 + 3) mod 256. */
export function vectorData(len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}
