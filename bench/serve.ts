// npm run bench:serve — `distsum log serve` under load, against Debian's nginx in the same run.
// Builds (or reuses) a log of PyPI-shaped entries (1,000,000 by default) with the import path of
// `distsum log import`, starts the server from the same code as the CLI (bundled with esbuild, as
// the release build is), and nginx serving the same full level-0 tiles as static files. wrk (64
// connections) then fetches random full tiles from both, random entry bundles and random lookups
// from distsum. Prints requests/s, p99 latency, errors and peak RSS per target, and the tile ratio
// to nginx. Goals: tiles >= 0.7x nginx, lookup p99 < 5 ms, no errors, flat memory.
//
//   npm run bench:serve -- [--duration 60] [--entries 1000000] [--connections 64] [--workers N]
//                          [--cache-mib 256] [--only tiles,entries,lookup] [--data DIR] [--keep]
//
// --duration is seconds per target (default 60; e.g. --duration 5 for a quick run). --data reuses
// (or creates and keeps) a log directory, which skips the import on later runs. --only runs some
// targets (tiles always include nginx). Needs the Debian packages wrk and nginx (nginx-light is
// enough).

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { build } from 'esbuild';
import { createDataDir, openDataDir } from '../src/log/datadir.ts';
import { runImport } from '../src/log/import.ts';
import { jsonLinesChunks } from '../src/log/importthread.ts';
import { TILE_WIDTH, entriesPath, tilePath } from '../src/tlog/tile.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, def: number) => {
  const v = value(name);
  if (v === undefined) return def;
  if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw new Error(`${name} needs a positive integer`);
  return Number(v);
};
const DURATION = num('--duration', 60);
const ENTRIES = num('--entries', 1_000_000);
const CONNECTIONS = num('--connections', 64);
// wrk runs on the same machine with two threads: by default one server process (and one nginx
// worker) per core left over, so the load generator does not steal the server's cores. On 2 cores
// that is 1; `--workers 2` oversubscribes them (measured: more req/s, a longer p99 tail).
const WORKERS = num('--workers', Math.max(1, availableParallelism() - 1));
const CACHE_MIB = num('--cache-mib', 256);
const ONLY = new Set((value('--only') ?? 'tiles,entries,lookup').split(','));
const WARMUP = Math.max(2, Math.min(10, Math.round(DURATION / 6)));
const SAMPLE_PATHS = 50_000;

// The bundled server lives under node_modules so that its external packages resolve.
const bundlePath = join(ROOT, 'node_modules/.cache/distsum-bench/serve.mjs');

const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing: apt-get install -y ${pkg}`);
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function logSize(dir: string): Promise<number> {
  if (!existsSync(join(dir, 'log.db'))) return -1;
  const l = await openDataDir(dir, { now: () => new Date() });
  try {
    return (await l.reader.latestCheckpoint()).size;
  } finally {
    await l.close();
  }
}

// The log: PyPI-shaped JSON lines from bench/import.ts's generator, appended like `distsum log import`.
async function buildLog(dir: string, work: string): Promise<void> {
  const input = join(work, 'input.jsonl');
  let t = performance.now();
  const gen = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/import.ts'), '--generate', input, String(ENTRIES)], { stdio: 'inherit' });
  if (gen.status !== 0) throw new Error('generating the input (bench/import.ts --generate) failed');
  console.log(`generated ${ENTRIES.toLocaleString('en')} entries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await createDataDir(dir, 'bench.example/log', new Date());
  const log = await openDataDir(dir, { writer: true, now: () => new Date() });
  try {
    await runImport((b) => log.writer!.appendBatch(b), jsonLinesChunks(createReadStream(input, { highWaterMark: 1 << 20 }), input, log.writer!.keySeed), {
      strict: false,
      onProblem: (p) => {
        throw new Error(`${p.where}: ${p.message}`);
      },
    });
  } finally {
    await log.close();
  }
  rmSync(input, { force: true });
  console.log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

// Random request paths (one per line) for wrk, and the nginx document root with the full tiles.
async function prepare(dir: string, work: string, size: number): Promise<{ tiles: string; bundles: string; lookups: string; www: string }> {
  const l = await openDataDir(dir, { now: () => new Date() });
  const www = join(work, 'www');
  try {
    const full = Math.floor(size / TILE_WIDTH);
    for (let n = 0; n < full; n++) {
      const p = join(www, tilePath({ level: 0, n, width: TILE_WIDTH }));
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, (await l.reader.tile(0, n, TILE_WIDTH))!);
    }
    const pick = (k: number) => Array.from({ length: SAMPLE_PATHS }, () => Math.floor(Math.random() * k));
    const tiles = pick(full).map((n) => '/' + tilePath({ level: 0, n, width: TILE_WIDTH }));
    const bundles = pick(full).map((n) => '/' + entriesPath(n, TILE_WIDTH));
    const lookups = (await l.reader.entries(pick(size).slice(0, 20_000))).map((e) => '/lookup/' + encodeURIComponent(e.entry.filename));
    const write = (name: string, lines: string[]) => (writeFileSync(join(work, name), lines.join('\n') + '\n'), join(work, name));
    return { tiles: write('tiles.txt', tiles), bundles: write('bundles.txt', bundles), lookups: write('lookups.txt', lookups), www };
  } finally {
    await l.close();
  }
}

// Each wrk thread formats every request once, at start: formatting one per request in Lua cost the
// load generator CPU that, on a small machine, it takes from the server it measures.
const WRK_SCRIPT = `
local requests = {}
init = function(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do requests[#requests + 1] = wrk.format("GET", line) end
  math.randomseed(math.floor(os.clock() * 1000000) + #tostring({}))
end
request = function() return requests[math.random(#requests)] end
done = function(summary, latency, requests)
  io.write(string.format('\\n{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency.max, summary.bytes))
end
`;

interface WrkResult {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
}

function runWrk(script: string, port: number, paths: string, seconds: number): Promise<WrkResult> {
  return new Promise((res, rej) => {
    const child = spawn('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, `http://127.0.0.1:${port}`], {
      env: { ...process.env, BENCH_PATHS: paths },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
      if (code !== 0 || line === undefined) rej(new Error(`wrk failed: ${out.trim()}`));
      else res(JSON.parse(line) as WrkResult);
    });
  });
}

// Resident memory of a process and all its descendants (cluster workers, nginx workers), in bytes.
function treeRss(pid: number): { rss: number; anon: number } {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  let anon = 0;
  const walk = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+([0-9]+) kB/.exec(status)?.[1] ?? 0) * 1024;
      anon += Number(/RssAnon:\s+([0-9]+) kB/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      return;
    }
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return { rss: total, anon };
}

async function measure(name: string, script: string, port: number, paths: string, pid: number) {
  await runWrk(script, port, paths, WARMUP);
  // RSS counts the pages of the store's memory map too (page cache, shared and reclaimable), so the
  // anonymous part, the process's own memory, is tracked beside it.
  const first = treeRss(pid);
  let peak = first.rss;
  let peakAnon = first.anon;
  const sample = () => {
    const m = treeRss(pid);
    peak = Math.max(peak, m.rss);
    peakAnon = Math.max(peakAnon, m.anon);
    return m;
  };
  const timer = setInterval(sample, 250);
  try {
    const r = await runWrk(script, port, paths, DURATION);
    const last = sample();
    const errors = r.connect + r.read + r.write + r.status + r.timeout;
    return {
      name,
      rps: r.requests / (r.duration_us / 1e6),
      p50: r.p50_us / 1000,
      p99: r.p99_us / 1000,
      errors,
      before: first.rss,
      peak,
      after: last.rss,
      anon: { before: first.anon, peak: peakAnon, after: last.anon },
    };
  } finally {
    clearInterval(timer);
  }
}

function waitForLine(child: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start: ${err}`)), 60_000);
    child.stderr!.on('data', (d) => {
      err += d;
      if (re.test(err)) {
        clearTimeout(timer);
        res();
      }
    });
    child.on('exit', (code) => rej(new Error(`${what} exited (${code}): ${err}`)));
  });
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  need('nginx', 'nginx-light');
  const work = mkdtempSync(join(tmpdir(), 'distsum-bench-serve-'));
  chmodSync(work, 0o755); // nginx workers run as another user
  const dataDir = resolve(value('--data') ?? join(work, 'data'));
  let server: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  try {
    let size = await logSize(dataDir);
    if (size < 0) {
      await buildLog(dataDir, work);
      size = await logSize(dataDir);
    } else console.log(`reusing the log in ${dataDir}`);
    console.log(`log: ${size.toLocaleString('en')} entries; ${DURATION} s per target after ${WARMUP} s of warm-up, ${CONNECTIONS} connections, ${WORKERS} server processes, ${CACHE_MIB} MiB cache each`);
    console.log(`load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} cores`);
    const files = await prepare(dataDir, work, size);
    const script = join(work, 'random.lua');
    writeFileSync(script, WRK_SCRIPT);

    // The server from the CLI's code, bundled like the release build.
    const bundle = bundlePath;
    const entry = join(work, 'serve-entry.ts');
    writeFileSync(entry, `import { serveMain } from ${JSON.stringify(join(ROOT, 'src/cli/serve.ts'))};\nprocess.exitCode = await serveMain(process.argv.slice(2));\n`);
    await build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });

    const port = await freePort();
    server = spawn(process.execPath, [bundle, '--data', dataDir, '--port', String(port), '--workers', String(WORKERS), '--cache-mib', String(CACHE_MIB)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await waitForLine(server, /serving log/, 'distsum log serve');

    const nport = await freePort();
    mkdirSync(join(work, 'nginx-tmp'));
    writeFileSync(
      join(work, 'nginx.conf'),
      `worker_processes ${WORKERS};
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 65;
  open_file_cache max=20000 inactive=120s;
  client_body_temp_path ${work}/nginx-tmp; proxy_temp_path ${work}/nginx-tmp; fastcgi_temp_path ${work}/nginx-tmp;
  uwsgi_temp_path ${work}/nginx-tmp; scgi_temp_path ${work}/nginx-tmp;
  types { } default_type application/octet-stream;
  server {
    listen 127.0.0.1:${nport};
    root ${files.www};
    location /tile/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
`,
    );
    nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-e', join(work, 'nginx-error.log')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    if (nginx.exitCode !== null) throw new Error(`nginx did not start: ${readFileSync(join(work, 'nginx-error.log'), 'utf8')}`);

    const results: Awaited<ReturnType<typeof measure>>[] = [];
    const run = async (name: string, p: number, paths: string, pid: number) => {
      const r = await measure(name, script, p, paths, pid);
      results.push(r);
      return r;
    };
    const nginxTiles = ONLY.has('tiles') ? await run('nginx    GET /tile/0/<N>', nport, files.tiles, nginx.pid!) : undefined;
    const tiles = ONLY.has('tiles') ? await run('distsum  GET /tile/0/<N>', port, files.tiles, server.pid!) : undefined;
    if (ONLY.has('entries')) await run('distsum  GET /tile/entries/<N>', port, files.bundles, server.pid!);
    const lookup = ONLY.has('lookup') ? await run('distsum  GET /lookup/<filename>', port, files.lookups, server.pid!) : undefined;

    console.log('');
    console.log('target                           requests/s   p50 ms   p99 ms  errors   RSS start/peak/end (anonymous start/peak/end)');
    for (const r of results) {
      console.log(
        `${r.name.padEnd(32)} ${Math.round(r.rps).toLocaleString('en').padStart(10)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)}   ${mib(r.before)} / ${mib(r.peak)} / ${mib(r.after)} (${mib(r.anon.before)} / ${mib(r.anon.peak)} / ${mib(r.anon.after)})`,
      );
    }
    console.log('');
    if (tiles && nginxTiles) {
      const ratio = tiles.rps / nginxTiles.rps;
      console.log(`tiles: distsum / nginx = ${ratio.toFixed(2)} (goal >= 0.7: ${ratio >= 0.7 ? 'met' : 'NOT met'})`);
    }
    if (lookup) console.log(`lookup p99 = ${lookup.p99.toFixed(2)} ms at ${CONNECTIONS} connections (goal < 5 ms: ${lookup.p99 < 5 ? 'met' : 'NOT met'})`);
    console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    const errors = results.reduce((s, r) => s + r.errors, 0);
    console.log(`errors: ${errors} (goal 0: ${errors === 0 ? 'met' : 'NOT met'})`);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    if (flag('--keep')) console.log(`kept ${work}`);
    else {
      rmSync(work, { recursive: true, force: true });
      rmSync(bundlePath, { force: true });
    }
  }
}

await main();
