// npm run bench:hash — distsum hash vs a twine-like python loop, sha256sum and b2sum -l 256, same run.
// Builds ~1 GiB of release-like wheels (many small, a few large) once in a temp dir, warms the page
// cache, then times each tool several times and keeps the best (the machine is shared and noisy).
// Usage: npm run bench:hash [-- --mib 1024 --runs 3 --keep]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const totalMiB = arg('--mib', 1024);
const runs = arg('--runs', 3);
const keep = args.includes('--keep');

const dir = mkdtempSync(join(tmpdir(), 'distsum-bench-hash-'));
const cli = resolve('bin/distsum.js');

// Wheels: 3 large (20% of the bytes each) and many small (40% in 64 KiB..4 MiB files), random payload stored.
const gen = String.raw`
import os, random, sys, zipfile
d, total = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
random.seed(7)
def wheel(i, size):
    name = f"benchpkg{i}"
    path = os.path.join(d, f"{name}-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n")
        with z.open(f"{name}/data.bin", "w", force_zip64=True) as f:
            left = size
            while left > 0:
                n = min(left, 1 << 20); f.write(os.urandom(n)); left -= n
sizes = [total // 5] * 3
small, i = total - sum(sizes), 0
while small > 0:
    s = min(small, random.randint(64 << 10, 4 << 20)); sizes.append(s); small -= s
for i, s in enumerate(sizes): wheel(i, s)
`;
console.log(`building ${totalMiB} MiB of wheels in ${dir} ...`);
execFileSync('python3', ['-c', gen, dir, String(totalMiB)], { stdio: 'inherit' });
const files = readdirSync(dir).map((f) => join(dir, f)).sort();
const bytes = files.reduce((a, f) => a + statSync(f).size, 0);

const pyLoop = String.raw`
import hashlib, sys
for p in sys.argv[1:]:
    s, b = hashlib.sha256(), hashlib.blake2b(digest_size=32)
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(64 * 1024), b""):
            s.update(chunk); b.update(chunk)
    print(s.hexdigest(), b.hexdigest(), p)
`;

type Tool = { name: string; cmd: string; argv: string[] };
const tools: Tool[] = [
  { name: 'distsum hash', cmd: process.execPath, argv: [cli, 'hash', '--no-manifest', '--json', '--no-progress', ...files] },
  { name: 'python loop (twine)', cmd: 'python3', argv: ['-c', pyLoop, ...files] },
  { name: 'sha256sum', cmd: 'sha256sum', argv: files },
  { name: 'b2sum -l 256', cmd: 'b2sum', argv: ['-l', '256', ...files] },
];

function time(t: Tool): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(t.cmd, t.argv, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${t.name} exited ${r.status}`);
  return s;
}

for (const t of tools) time(t); // warm the page cache and the JIT's disk reads
const best = new Map<string, number>();
for (let r = 0; r < runs; r++) for (const t of tools) best.set(t.name, Math.min(best.get(t.name) ?? Infinity, time(t)));

const mibs = (s: number) => bytes / 1048576 / s;
console.log(`\n${files.length} files, ${(bytes / 1048576).toFixed(0)} MiB, ${cpus().length} cores, best of ${runs}`);
for (const t of tools) console.log(`${t.name.padEnd(22)} ${best.get(t.name)!.toFixed(2).padStart(7)} s  ${mibs(best.get(t.name)!).toFixed(0).padStart(6)} MiB/s`);
const d = best.get('distsum hash')!;
console.log(`\ndistsum vs python loop:   ${(best.get('python loop (twine)')! / d).toFixed(2)}x  (goal >= 1.6x)`);
console.log(`distsum vs b2sum -l 256:  ${(best.get('b2sum -l 256')! / d).toFixed(2)}x  (goal >= 0.9x)`);
console.log(`distsum vs sha256sum:     ${(best.get('sha256sum')! / d).toFixed(2)}x`);
if (!keep) rmSync(dir, { recursive: true, force: true });
