// `npm run bench:import`: bulk import of synthetic PyPI-shaped entries into a fresh log store by
// `distsum log import` itself: the built CLI (bin/distsum.js, as installed) in a child process,
// whose wall time, CPU time and peak RSS are measured (JSON lines -> parse -> sequencer -> SQLite,
// durable batches). Prints entries/second, peak RSS and on-disk size, and compares with Go's
// reference: a small Go program (bench/import-go) building the same tree in memory with
// golang.org/x/mod/sumdb/tlog.
//
//   npm run bench:import -- [--big] [--entries N] [--batch N] [--input FILE] [--audit] [--no-go] [--keep]
//
// --big imports 10,000,000 entries instead of 1,000,000. --input reuses a JSON-lines file written by
// an earlier run (`node --import tsx bench/import.ts --generate FILE N`). Goal: >= 250,000
// entries/s, RSS < 300 MiB.

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { openDataDir } from '../src/log/datadir.ts';
import { auditLog } from '../src/log/audit.ts';
import { DEFAULT_BATCH } from '../src/log/sequencer.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const N = value('--entries') ?? (flag('--big') ? 10_000_000 : 1_000_000);
const BATCH = value('--batch') ?? DEFAULT_BATCH;
const INPUT = args.includes('--input') ? args[args.indexOf('--input') + 1] : undefined;

// Deterministic pseudo-random stream (xorshift128+): the data must be the same for the Go run.
function rng(seed: number) {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  return () => {
    let t = a;
    const s = b;
    a = s;
    t ^= t << 11;
    t ^= t >>> 8;
    b = t ^ s ^ (s >>> 19);
    return (b >>> 0) / 4294967296;
  };
}

const WORDS = ['py', 'django', 'flask', 'async', 'data', 'tools', 'client', 'sdk', 'api', 'lib', 'utils', 'cloud', 'test', 'json', 'http', 'ml', 'net', 'core', 'plugin', 'ext'];
const PLATFORMS = ['py3-none-any', 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp312-cp312-win_amd64', 'cp310-cp310-macosx_11_0_arm64'];

/** Writes N JSON lines shaped like PyPI's files: projects with releases of an sdist and wheels. */
async function writeInput(path: string, n: number): Promise<void> {
  const r = rng(20240601);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const hex = (bytes: number) => createHash('sha256').update(String(r())).digest('hex').slice(0, bytes * 2);
  let written = 0;
  let p = 0;
  let buf = '';
  while (written < n) {
    const name = `${WORDS[Math.floor(r() * WORDS.length)]}-${WORDS[Math.floor(r() * WORDS.length)]}-${p++}`;
    const under = name.replace(/-/g, '_');
    const releases = 1 + Math.floor(r() * 8);
    for (let v = 0; v < releases && written < n; v++) {
      const version = `${Math.floor(r() * 5)}.${v}.${Math.floor(r() * 10)}`;
      const files = [`${under}-${version}.tar.gz`, ...PLATFORMS.slice(0, 1 + Math.floor(r() * PLATFORMS.length)).map((t) => `${under}-${version}-${t}.whl`)];
      for (const filename of files) {
        if (written >= n) break;
        buf += JSON.stringify({ project: name, version, filename, size: Math.floor(r() * 5e6), sha256: hex(32), blake2b_256: hex(32), upload_time: '2024-01-01T00:00:00' }) + '\n';
        written++;
        if (buf.length > 1 << 20) {
          if (!out.write(buf)) await once(out, 'drain');
          buf = '';
        }
      }
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

function dirSize(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

const mib = (b: number) => (b / 1048576).toFixed(0) + ' MiB';

/** Builds bench/import-go (installing Go and x/mod from Debian when missing); undefined if impossible. */
function goBinary(work: string): string | undefined {
  const have = () => spawnSync('go', ['version']).status === 0 && existsSync('/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog');
  if (!have()) {
    console.log('installing golang-go and golang-golang-x-mod-dev with apt-get ...');
    spawnSync('apt-get', ['install', '-y', 'golang-go', 'golang-golang-x-mod-dev'], { stdio: 'ignore' });
    if (!have()) return undefined;
  }
  const bin = join(work, 'tlogbench');
  // Debian's layout: GOPATH mode over /usr/share/gocode, no module proxy, no network.
  const r = spawnSync('go', ['build', '-o', bin, '.'], {
    cwd: join(ROOT, 'bench/import-go'),
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', GOCACHE: join(work, 'gocache'), GOPROXY: 'off' },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.log(`go build failed: ${r.stderr.trim()}`);
    return undefined;
  }
  return bin;
}

// Loaded into the CLI's process with -r: writes its peak RSS and CPU time where the bench reads them.
const USAGE_PRELOAD = `process.on('exit', () => {
  const u = process.resourceUsage();
  require('node:fs').writeFileSync(process.env.DISTSUM_BENCH_USAGE, JSON.stringify({ maxRSS: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
});
`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'distsum-bench-import-'));
  try {
    let input = INPUT;
    if (input === undefined) {
      input = join(work, 'input.jsonl');
      const t0 = performance.now();
      const gen = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--generate', input, String(N)], { stdio: 'inherit' });
      if (gen.status !== 0) throw new Error('generating the input failed');
      console.log(`input: ${N.toLocaleString('en')} entries, ${mib(statSync(input).size)} of JSON lines (${((performance.now() - t0) / 1000).toFixed(1)} s to generate)`);
    } else {
      console.log(`input: ${input}, ${mib(statSync(input).size)} of JSON lines`);
    }

    const cli = join(ROOT, 'bin/distsum.js');
    if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run npm run build (npm run bench:import does)');
    const dir = join(work, 'data');
    const init = spawnSync(process.execPath, [cli, 'log', 'init', '--origin', 'bench.example/log', '--data', dir], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`distsum log init failed: ${init.stderr.trim()}`);
    const preload = join(work, 'usage.cjs');
    writeFileSync(preload, USAGE_PRELOAD);
    const usageFile = join(work, 'usage.json');
    const start = performance.now();
    const run = await new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
      const child = spawn(process.execPath, ['-r', preload, cli, 'log', 'import', input!, '--data', dir, '--batch', String(BATCH), '--json'], {
        env: { ...process.env, DISTSUM_BENCH_USAGE: usageFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', fail);
      child.on('close', (code) => done({ code, out, err }));
    });
    // The whole command: start-up, opening the store, the import, and closing the store.
    const secs = (performance.now() - start) / 1000;
    if (run.code !== 0) throw new Error(`distsum log import failed (exit ${run.code}): ${run.err.trim()}`);
    const summary = JSON.parse(run.out) as { appended: number; tree_size?: number; size?: number };
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRSS: number; cpu: number };
    const rate = summary.appended / secs;
    const peak = usage.maxRSS;
    console.log(`distsum log import: ${summary.appended.toLocaleString('en')} entries in ${secs.toFixed(2)} s = ${Math.round(rate).toLocaleString('en')} entries/s (the whole command; batches of ${BATCH}, synchronous=FULL)`);
    console.log(`  CPU time ${usage.cpu.toFixed(2)} s (${Math.round(summary.appended / usage.cpu).toLocaleString('en')} entries per CPU-second; wall-clock differs when other processes share the cores)`);
    console.log(`  peak RSS ${mib(peak)}, on disk ${mib(dirSize(dir))}`);
    console.log(`  goal >= 250,000 entries/s: ${rate >= 250_000 ? 'met' : 'NOT met'}; RSS < 300 MiB: ${peak < 300 * 1048576 ? 'met' : 'NOT met'}`);

    if (flag('--audit')) {
      const a0 = performance.now();
      const l = await openDataDir(dir, { now: () => new Date() });
      const r = await auditLog(l.store);
      await l.close();
      console.log(`audit: ${r.ok ? 'ok' : 'FAILED ' + r.problems.join('; ')} in ${((performance.now() - a0) / 1000).toFixed(1)} s`);
    }

    if (!flag('--no-go')) {
      const bin = goBinary(work);
      if (!bin) console.log('go: not available; skipped the comparison');
      else {
        const r = spawnSync(bin, [input], { encoding: 'utf8', maxBuffer: 1 << 20 });
        if (r.status !== 0) console.log(`go: failed: ${r.stderr.trim()}`);
        else {
          const res = JSON.parse(r.stdout) as { entries: number; seconds: number; hashSeconds: number; root: string };
          const goRate = res.entries / res.seconds;
          const goHashRate = res.entries / res.hashSeconds;
          const same = res.root === Buffer.from(await rootOf(dir)).toString('base64');
          console.log(`go x/mod tlog, same input, in memory (parse + format + StoredHashes, no storage): ${Math.round(goRate).toLocaleString('en')} entries/s; StoredHashes alone ${Math.round(goHashRate).toLocaleString('en')} entries/s`);
          console.log(`  distsum / go = ${(rate / goRate).toFixed(2)} (end to end), ${(rate / goHashRate).toFixed(2)} (vs hashing alone); same root hash: ${same ? 'yes' : 'NO'}`);
        }
      }
    }
  } finally {
    if (!flag('--keep')) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

async function rootOf(dir: string): Promise<Uint8Array> {
  const l = await openDataDir(dir, { now: () => new Date() });
  try {
    return (await l.reader.latestCheckpoint()).hash;
  } finally {
    await l.close();
  }
}

if (args[0] === '--generate') await writeInput(args[1], Number(args[2]));
else await main();
