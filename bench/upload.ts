// `npm run bench:upload`: one 1 GiB wheel uploaded to the local stand-in index by Debian's twine and by
// distsum, in the same run: wall time (best of N, alternating) and peak memory (max RSS from
// /usr/bin/time -v) of each client. Goal: distsum no slower than twine, peak memory under 100 MiB.
// The stand-in hashes and stores what it receives, which bounds both clients alike; a second round
// uploads to a sink that only reads and drops the body, to show what the clients themselves cost.
//
//   node --import tsx bench/upload.ts [--mib 1024] [--runs 2] [--keep]
//
// The index runs in this process; each client is a separate process measured on its own. distsum is the
// real bin/distsum.js over the `npm run build` bundle, so no tsx is in the measured process.

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startIndexServer } from '../test/support/index-server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const num = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const MIB = num('--mib', 1024);
const RUNS = num('--runs', 2);
const KEEP = args.includes('--keep');
const TOKEN = 'pypi-bench-token-0123456789';

// A valid wheel whose payload is one big stored member of random bytes.
const GEN = String.raw`
import os, sys, zipfile
path, size = sys.argv[1], int(sys.argv[2])
with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
    z.writestr("bigpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: bigpkg\nVersion: 1.0\nSummary: A big wheel\nDescription-Content-Type: text/markdown\n\n# bigpkg\n")
    z.writestr("bigpkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    with z.open("bigpkg/data.bin", "w", force_zip64=True) as f:
        left = size
        while left > 0:
            n = min(left, 1 << 20); f.write(os.urandom(n)); left -= n
    z.writestr("bigpkg-1.0.dist-info/RECORD", "")
`;

interface Measured {
  seconds: number;
  maxRssKiB: number;
}

/** Runs `cmd` under /usr/bin/time -v, returns wall seconds and the peak resident set size. */
function measure(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-v', cmd, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`${cmd} exited ${code}:\n${err.slice(-2000)}`));
      resolvePromise({ seconds, maxRssKiB: Number(rss[1]) });
    });
  });
}

async function main(): Promise<void> {
  const cli = join(ROOT, 'bin/distsum.js');
  statSync(join(ROOT, 'dist/cli.js')); // from `npm run build` (bench:upload runs it first)

  const dir = mkdtempSync(join(tmpdir(), 'distsum-bench-upload-'));
  const wheel = join(dir, 'bigpkg-1.0-py3-none-any.whl');
  console.log(`building a ${MIB} MiB wheel in ${dir} ...`);
  execFileSync('python3', ['-c', GEN, wheel, String(MIB * 1024 * 1024)], { stdio: 'inherit' });
  const bytes = statSync(wheel).size;
  const env = { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', CI: '1' };

  const clients = [
    { name: 'twine 4.0.2', cmd: '/usr/bin/twine', argv: (url: string) => ['upload', '--repository-url', url, '-u', '__token__', '-p', TOKEN, '--disable-progress-bar', wheel] },
    { name: 'distsum', cmd: process.execPath, argv: (url: string) => [cli, 'upload', '--repository-url', url, '-u', '__token__', '-p', TOKEN, '--no-manifest', '--disable-progress-bar', wheel] },
  ];
  const best = new Map<string, Measured>();
  const sinkBest = new Map<string, Measured>();
  const keepBest = (m: Map<string, Measured>, name: string, x: Measured) => {
    const prev = m.get(name);
    m.set(name, { seconds: Math.min(prev?.seconds ?? Infinity, x.seconds), maxRssKiB: Math.max(prev?.maxRssKiB ?? 0, x.maxRssKiB) });
  };
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const c of r % 2 === 0 ? clients : [...clients].reverse()) {
        // A fresh index each time: it stores what it receives, and a re-upload would be a duplicate.
        const index = await startIndexServer({ users: { __token__: TOKEN }, maxUploadBytes: bytes + (1 << 20), dir: mkdtempSync(join(dir, 'index-')) });
        try {
          const m = await measure(c.cmd, c.argv(index.uploadUrl), env);
          if (index.files.length !== 1 || index.files[0].size !== bytes) throw new Error(`${c.name}: the index did not store the wheel`);
          console.log(`  run ${r + 1} ${c.name.padEnd(12)} stand-in ${m.seconds.toFixed(2).padStart(6)} s  max RSS ${(m.maxRssKiB / 1024).toFixed(0).padStart(5)} MiB`);
          keepBest(best, c.name, m);
        } finally {
          await index.close();
        }
        const sink = await startSink();
        try {
          const m = await measure(c.cmd, c.argv(sink.url), env);
          if (sink.received() < bytes) throw new Error(`${c.name}: the sink got ${sink.received()} bytes`);
          console.log(`  run ${r + 1} ${c.name.padEnd(12)} sink     ${m.seconds.toFixed(2).padStart(6)} s  max RSS ${(m.maxRssKiB / 1024).toFixed(0).padStart(5)} MiB`);
          keepBest(sinkBest, c.name, m);
        } finally {
          await sink.close();
        }
      }
    }
  } finally {
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
  }
  const mib = bytes / 1048576;
  console.log(`\n${mib.toFixed(0)} MiB wheel, ${cpus().length} cores, best time / worst peak memory of ${RUNS} run(s) each`);
  for (const [label, table] of [['stand-in index (hashes and stores)', best], ['sink (reads and drops)', sinkBest]] as const) {
    console.log(label);
    for (const [name, m] of table) console.log(`  ${name.padEnd(12)} ${m.seconds.toFixed(2).padStart(6)} s  ${(mib / m.seconds).toFixed(0).padStart(5)} MiB/s  peak RSS ${(m.maxRssKiB / 1024).toFixed(0).padStart(5)} MiB`);
    console.log(`  time distsum/twine: ${(table.get('distsum')!.seconds / table.get('twine 4.0.2')!.seconds).toFixed(2)}  (goal <= 1.00)`);
  }
  const peak = Math.max(best.get('distsum')!.maxRssKiB, sinkBest.get('distsum')!.maxRssKiB);
  console.log(`distsum peak memory: ${(peak / 1024).toFixed(0)} MiB  (goal < 100 MiB)`);
}

/** An upload endpoint that reads the whole body, drops it, and answers 200. */
async function startSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (received += c.length));
    req.on('end', () => res.end('OK'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/legacy/`,
    received: () => received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

await main();
