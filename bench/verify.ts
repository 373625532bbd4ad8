// npm run bench:verify — `distsum verify` as a user runs it (the command bundled with esbuild, as the
// release build is, in its own process), against `distsum log serve` on loopback:
//   1. a lock file of 2,000 files against a 1,000,000-entry log, with a cold cache and empty state
//      (every lookup fetched and verified, the first checkpoint trusted) and with a warm cache
//      (answers re-verified from the cache; only the checkpoint fetched);
//   2. a 1 GiB wheelhouse: distsum verify (hashing sha256 + BLAKE2b-256 of every file, then the log)
//      against GNU `sha256sum` of the same files, in the same run, page cache warm for both.
// Goals: the lock in under 1 s cold; the wheelhouse within 1.2x of sha256sum.
//
//   npm run bench:verify -- [--entries 1000000] [--files 2000] [--gib 1] [--runs 3] [--keep]
//                           [--data DIR] [--no-wheelhouse] [--cpu-prof DIR]
// --keep keeps the work directory; --data DIR works in DIR and keeps the log there (DIR/data), so
// the next run with the same --entries reuses it instead of building it again; --cpu-prof DIR
// writes V8 profiles of every verify run. One untimed cold run first warms the just started
// server (its tile trees and code), as a long-running log server is.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { createDataDir, openDataDir } from '../src/log/datadir.ts';
import type { Entry } from '../src/log/entry.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, def: number): number => {
  const v = value(name);
  if (v === undefined) return def;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || Number(v) <= 0) throw new Error(`${name} needs a positive number`);
  return Number(v);
};
const ENTRIES = num('--entries', 1_000_000);
const FILES = num('--files', 2000);
const GIB = num('--gib', 1);
const RUNS = num('--runs', 3);
const KEEP = args.includes('--keep');
const REUSE = value('--data');
const WHEELHOUSE = !args.includes('--no-wheelhouse');
const PROFILE = value('--cpu-prof');

const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Deterministic pseudo-random numbers (xorshift32), so every run builds the same log.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function hex64(r: () => number): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += Math.floor(r() * 4294967296).toString(16).padStart(8, '0');
  return s;
}

/** Entry i of the synthetic log: PyPI-shaped names, an sdist and wheels per release. */
function syntheticEntry(i: number, r: () => number): Entry {
  const project = `bench-project-${Math.floor(i / 6)}`;
  const version = `1.${Math.floor((i % 6) / 3)}.0`;
  const kinds = ['tar.gz', 'py3-none-any.whl', 'cp312-cp312-manylinux_2_17_x86_64.whl'];
  const kind = kinds[i % 3];
  const under = project.replace(/-/g, '_');
  const filename = kind === 'tar.gz' ? `${under}-${version}.tar.gz` : `${under}-${version}-${kind}`;
  return { project, version, filename, size: 1000 + Math.floor(r() * 5e6), sha256: hex64(r), blake2b256: hex64(r) };
}

/** The synthetic log's entries without building it (for a log reused with --data). */
function allEntries(): Entry[] {
  const r = rng(20240601);
  return Array.from({ length: ENTRIES }, (_, i) => syntheticEntry(i, r));
}

async function buildLog(dir: string): Promise<{ key: string; entries: Entry[] }> {
  if (existsSync(join(dir, 'log.db'))) {
    console.log(`log: reusing ${dir} (${ENTRIES.toLocaleString('en')} entries)`);
    return { key: readFileSync(join(dir, 'note.pub'), 'utf8').trim(), entries: allEntries() };
  }
  const key = await createDataDir(dir, 'bench.example/log', new Date());
  const log = await openDataDir(dir, { writer: true, now: () => new Date(), maxBatch: 100_000 });
  const r = rng(20240601);
  const entries: Entry[] = [];
  const t0 = performance.now();
  try {
    for (let start = 0; start < ENTRIES; start += 100_000) {
      const batch: Entry[] = [];
      for (let i = start; i < Math.min(ENTRIES, start + 100_000); i++) batch.push(syntheticEntry(i, r));
      entries.push(...batch);
      await log.writer!.append(batch.map((entry) => ({ entry, source: 'bench' })));
    }
  } finally {
    await log.close();
  }
  console.log(`log: ${ENTRIES.toLocaleString('en')} entries built in ${secs(performance.now() - t0)}`);
  return { key, entries };
}

/** Bundles a small program running `distsum log serve` or `distsum verify`, as the release bundles the CLI. */
async function bundle(work: string): Promise<{ serve: string; verify: string }> {
  const serveEntry = join(work, 'serve-entry.ts');
  writeFileSync(serveEntry, `import { serveMain } from ${JSON.stringify(join(ROOT, 'src/cli/serve.ts'))};\nprocess.exitCode = await serveMain(process.argv.slice(2));\n`);
  const verifyEntry = join(work, 'verify-entry.ts');
  writeFileSync(
    verifyEntry,
    `import { Command } from 'commander';
import { processContext } from ${JSON.stringify(join(ROOT, 'src/cli/context.ts'))};
import { registerVerify } from ${JSON.stringify(join(ROOT, 'src/cli/verify.ts'))};
import { DistsumError } from ${JSON.stringify(join(ROOT, 'src/errors.ts'))};
const ctx = processContext();
const program = new Command('distsum').exitOverride();
registerVerify(program, ctx);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof DistsumError) { if (e.message) process.stderr.write('distsum: ' + e.message + '\\n'); process.exitCode = e.exitCode; }
  else { process.stderr.write(String(e) + '\\n'); process.exitCode = 70; }
}
`,
  );
  // Under node_modules so the bundles resolve their external packages as the release build does,
  // and built as scripts/build.mjs builds the release: code splitting (what a command does not need
  // loads only when used), the hashing worker beside the entry points, hash-wasm's ES module
  // bundled down to BLAKE2b.
  const dir = join(ROOT, 'node_modules/.cache/distsum-bench');
  rmSync(dir, { recursive: true, force: true });
  await build(
    bundleOptions({ 'verify-serve': serveEntry, verify: verifyEntry, 'digest-worker': join(ROOT, 'src/digest/worker.ts') }, dir, { absWorkingDir: ROOT }),
  );
  return { serve: join(dir, 'verify-serve.js'), verify: join(dir, 'verify.js') };
}

function startServer(script: string, data: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [script, '--data', data, '--host', '127.0.0.1', '--port', '0', '--grace', '1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((res, rej) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = / at (http:\/\/127\.0\.0\.1:[0-9]+)/.exec(err);
      if (m) res({ url: m[1], child });
    });
    child.on('exit', (code) => rej(new Error(`server exited ${code}: ${err}`)));
  });
}

/** Runs the bundled `distsum verify` with `argv`; returns wall time and output. */
function runVerify(script: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string, profile?: string): { ms: number; code: number | null; stdout: string; stderr: string } {
  const prof = profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...prof, script, 'verify', ...argv], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ms: performance.now() - t0, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function xdg(dir: string): NodeJS.ProcessEnv {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config') };
}

function pylock(entries: Entry[]): string {
  let s = 'lock-version = "1.0"\ncreated-by = "bench"\n';
  for (const e of entries) {
    s += `\n[[packages]]\nname = "${e.project}"\nversion = "${e.version}"\n`;
    const table = e.filename.endsWith('.whl') ? 'wheels' : 'sdist';
    s += table === 'wheels' ? '\n[[packages.wheels]]\n' : '\n[packages.sdist]\n';
    s += `name = "${e.filename}"\nsize = ${e.size}\nhashes = { sha256 = "${e.sha256}", blake2b_256 = "${e.blake2b256}" }\n`;
  }
  return s;
}

async function main(): Promise<void> {
  for (const cmd of ['sha256sum']) if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing (coreutils)`);
  const work = REUSE ?? mkdtempSync(join(tmpdir(), 'distsum-bench-verify-'));
  mkdirSync(work, { recursive: true });
  let server: ChildProcess | undefined;
  try {
    const { key, entries } = await buildLog(join(work, 'data'));
    const scripts = await bundle(work);
    const s = await startServer(scripts.serve, join(work, 'data'));
    server = s.child;
    const logEnv = { DISTSUM_LOG: s.url, DISTSUM_LOG_KEY: key };

    // 1. The lock file: FILES entries spread over the whole log.
    const r = rng(7);
    const picked = new Set<number>();
    while (picked.size < Math.min(FILES, entries.length)) picked.add(Math.floor(r() * entries.length));
    const project = join(work, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'pylock.toml'), pylock([...picked].sort((a, b) => a - b).map((i) => entries[i])));
    // A log server is a long-running process: one untimed run first builds the tile trees the
    // proofs need and warms its code, as earlier clients would have.
    const first = runVerify(scripts.verify, ['pylock.toml'], { ...xdg(join(work, 'home-first')), ...logEnv }, project);
    if (first.code !== 0) throw new Error(`verify failed (${first.code}): ${first.stderr}`);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const env = { ...xdg(join(work, `home-${run}`)), ...logEnv };
      const c = runVerify(scripts.verify, ['pylock.toml'], env, project, PROFILE && join(PROFILE, 'cold'));
      if (c.code !== 0) throw new Error(`verify failed (${c.code}): ${c.stderr}`);
      if (!c.stdout.includes(`ok: ${picked.size} files: ${picked.size} ok`)) throw new Error(`unexpected result: ${c.stdout.split('\n').slice(-2).join(' ')}`);
      cold.push(c.ms);
      const w = runVerify(scripts.verify, ['pylock.toml'], env, project, PROFILE && join(PROFILE, 'warm'));
      if (w.code !== 0) throw new Error(`warm verify failed: ${w.stderr}`);
      warm.push(w.ms);
    }
    const noop = runVerify(scripts.verify, ['--help'], {}, project);
    console.log(`lock: ${picked.size} files (pylock.toml) against ${ENTRIES.toLocaleString('en')} entries, ${RUNS} runs, each a new process:`);
    console.log(`  cold cache, empty state: median ${secs(median(cold))} (all: ${cold.map(secs).join(', ')})  goal < 1 s: ${median(cold) < 1000 ? 'met' : 'NOT met'}`);
    console.log(`  warm cache:              median ${secs(median(warm))} (all: ${warm.map(secs).join(', ')})`);
    console.log(`  (process start and module load alone, \`verify --help\`: ${secs(noop.ms)}; the untimed first run, against the just started server: ${secs(first.ms)})`);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const lookups = metrics.split('\n').filter((l) => l.startsWith('distsum_http_requests_total{route="/lookup'));
    console.log(`  lookup requests the server answered (all runs): ${lookups.map((l) => l.replace('distsum_http_requests_total', '')).join(', ')}`);
    console.log(`  load average during the runs: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
    if (!WHEELHOUSE) return;

    // 2. The wheelhouse: GIB GiB in 16 MiB files of random bytes.
    const wh = join(work, 'wheelhouse');
    mkdirSync(wh, { recursive: true });
    const fileBytes = 16 << 20;
    const count = Math.max(1, Math.round((GIB * 1024 * 1024 * 1024) / fileBytes));
    const buf = Buffer.alloc(1 << 20);
    for (let i = 0; i < count; i++) {
      const fd = openSync(join(wh, `wheelhouse_pkg_${i}-1.0.0-py3-none-any.whl`), 'w');
      for (let off = 0; off < fileBytes; off += buf.length) writeSync(fd, randomFillSync(buf));
      closeSync(fd);
    }
    const files = readdirSync(wh).map((f) => join(wh, f));
    spawnSync('cat', files, { stdio: ['ignore', 'ignore', 'ignore'] }); // page cache warm for both
    const shaTimes: number[] = [];
    const verifyTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const sha = spawnSync('sha256sum', files, { stdio: ['ignore', 'ignore', 'inherit'] });
      if (sha.status !== 0) throw new Error('sha256sum failed');
      shaTimes.push(performance.now() - t0);
      const env = { ...xdg(join(work, 'home-wh')), ...logEnv };
      const v = runVerify(scripts.verify, [wh], env, project);
      if (v.code !== 0) throw new Error(`wheelhouse verify failed (${v.code}): ${v.stderr}`);
      verifyTimes.push(v.ms);
    }
    const ratio = Math.min(...verifyTimes) / Math.min(...shaTimes);
    console.log(`wheelhouse: ${count} files, ${(count * fileBytes) / 2 ** 30} GiB, best of ${RUNS}:`);
    console.log(`  sha256sum:      ${secs(Math.min(...shaTimes))} (all: ${shaTimes.map(secs).join(', ')})`);
    console.log(`  distsum verify: ${secs(Math.min(...verifyTimes))} (all: ${verifyTimes.map(secs).join(', ')}; sha256 + BLAKE2b-256 of every file, then the log)`);
    console.log(`  ratio ${ratio.toFixed(2)}x sha256sum  goal <= 1.2x: ${ratio <= 1.2 ? 'met' : 'NOT met'}`);
  } finally {
    server?.kill('SIGTERM');
    if (server) await new Promise((r) => server!.once('exit', r));
    if (KEEP) console.log(`kept ${work}`);
    else if (REUSE !== undefined) {
      // Only what this run made beside the log: DIR may hold other things.
      for (const d of readdirSync(work)) {
        if (['project', 'wheelhouse', 'serve-entry.ts', 'verify-entry.ts'].includes(d) || /^home-(wh|first|[0-9]+)$/.test(d)) rmSync(join(work, d), { recursive: true, force: true });
      }
    } else rmSync(work, { recursive: true, force: true });
  }
}

await main();
