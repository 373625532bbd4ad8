// `npm run bench:follow`: how fast the follower keeps up with an index.
//
// 1. Latency: a follower with a 1 s interval and an --exec hook follows the stand-in index
//    (test/support/index-server.ts); for each of several uploads, the time from the upload until
//    the file is in a signed checkpoint and until the hook has run (the alert of deleting it again).
// 2. Backfill: a synthetic index of 50,000 projects (two files each), in its own process, answering
//    at once and with a per-request delay (an index's latency). The index alone: every page fetched
//    and parsed with the client the follower uses, at its concurrency, once before and once after
//    the follower (the machine is shared: bracketing the follower cancels a slow drift of the load);
//    then the follower's first round into a fresh log. "Limited by the index" means the follower's
//    rate is at least 0.9 of the index-alone rate (the mean of the two), measured in the same run.
//
//   node --import tsx bench/follow.ts [--projects N] [--delay MS[,MS...]] [--concurrency C] [--uploads K] [--only latency|backfill]
//
// Goal: upload to signed checkpoint and hook under 2 s; backfill rate >= 0.9x the index alone.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createDataDir, openDataDir } from '../src/log/datadir.ts';
import { execChannel } from '../src/monitor/channels.ts';
import { indexClientThread } from '../src/monitor/clientthread.ts';
import { pollsAtOnce, startFollower, type FollowConfig } from '../src/monitor/follow.ts';
import { startIndexServer } from '../test/support/index-server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const PROJECTS = num('--projects', 50_000);
const DELAYS = (args.includes('--delay') ? args[args.indexOf('--delay') + 1] : '0,5').split(',').map(Number);
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
// The backfill goal: the follower's rate over the index-alone rate.
const GOAL_RATIO = 0.9;
const CONCURRENCY = num('--concurrency', 8);
const UPLOADS = num('--uploads', 8);
const WHEELS = ['wheel-0.40.0-py3-none-any.whl', 'poetry_core-1.5.0-py3-none-any.whl', 'setuptools-67.6.1-py3-none-any.whl', 'beautifulsoup4-4.12.3-py3-none-any.whl'].map((f) => join(ROOT, '../shared/fixtures/dists', f));

const work = mkdtempSync(join(tmpdir(), 'distsum-bench-follow-'));
const config = (index: string, over: Partial<FollowConfig> = {}): FollowConfig => ({
  index,
  intervalMs: 1000,
  once: false,
  verifyRate: 0,
  lateAfterMs: 14 * 86_400_000,
  manifestGraceMs: 86_400_000,
  lagAfterMs: 3_600_000,
  concurrency: CONCURRENCY,
  version: '0.1.0',
  ...over,
});

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
}

async function latency(): Promise<void> {
  const idx = await startIndexServer();
  const dir = join(work, 'latency');
  await createDataDir(dir, 'bench.example/follow', new Date());
  const log = await openDataDir(dir, { writer: true, now: () => new Date() });
  const marks = join(work, 'hook');
  const hook = execChannel(`echo "$DISTSUM_ALERT_FILENAME" >> "${marks}"`, 'bench', { env: { PATH: process.env.PATH } });
  const f = startFollower({ log, config: config(`${idx.origin}/simple/`), channels: [hook] });
  await f.ready;
  const reader = await openDataDir(dir, { writer: false, now: () => new Date() });
  const logged: number[] = [];
  const alerted: number[] = [];
  for (let i = 0; i < UPLOADS; i++) {
    const src = WHEELS[i % WHEELS.length];
    // A different file each time: the same wheel under another project's name would clash.
    const copy = join(work, `u${i}`, `benchpkg${i}-1.0-py3-none-any.whl`);
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(join(work, `u${i}`), { recursive: true });
      await fs.copyFile(src, copy);
    });
    // Uploads land at random points of the 1 s interval.
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000));
    const t0 = performance.now();
    await idx.addFile({ path: copy, project: `benchpkg${i}`, version: '1.0' });
    const name = `benchpkg${i}-1.0-py3-none-any.whl`;
    for (;;) {
      const e = await reader.reader.lookupFilename(name);
      if (e !== undefined && (await reader.reader.latestCheckpoint()).size > e.index) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    logged.push(performance.now() - t0);
    // Deleting it raises file-removed: time until the hook has run.
    const t1 = performance.now();
    idx.removeFile(name);
    while (!(existsSync(marks) && readFileSync(marks, 'utf8').includes(name))) await new Promise((r) => setTimeout(r, 5));
    alerted.push(performance.now() - t1);
  }
  await f.stop();
  await reader.close();
  await log.close();
  await idx.close();
  console.log(`latency (interval 1 s, ${UPLOADS} uploads):`);
  console.log(`  upload -> entry in a signed checkpoint: ${stats(logged)}`);
  console.log(`  deletion -> file-removed hook has run:  ${stats(alerted)}`);
  const worst = Math.max(...logged, ...alerted);
  console.log(`  slowest of both: ${worst.toFixed(0)} ms -> goal < 2000 ms ${worst < 2000 ? 'MET' : 'NOT MET'}`);
}

async function startIndexProcess(delay: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/monitor/support/synthetic-index-main.ts'), String(PROJECTS), String(delay)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
  return { url: line.trim(), stop: () => child.stdin!.end() };
}

// Wall time and CPU time (this process) of `fn`.
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

// The index alone: the list and every page, fetched and parsed through the client the follower
// uses for a backfill (in a thread of its own), with its concurrency and as many pages asked at once.
async function fetchAll(url: string): Promise<void> {
  const client = indexClientThread({ indexUrl: url, version: '0.1.0', concurrency: CONCURRENCY });
  try {
    const list = await client.getProjectList();
    if (list.notModified) throw new Error('unexpected 304');
    const names = list.value.projects.map((p) => p.normalizedName);
    let next = 0;
    await Promise.all(
      Array.from({ length: pollsAtOnce(CONCURRENCY) }, async () => {
        while (next < names.length) await client.getProject(names[next++]);
      }),
    );
  } finally {
    await client.close();
  }
}

async function backfill(delay: number): Promise<void> {
  const index = await startIndexProcess(delay);
  const load0 = loadavg()[0];
  try {
    const before = await timed(() => fetchAll(index.url));
    const dir = join(work, `backfill-${delay}`);
    await createDataDir(dir, 'bench.example/backfill', new Date());
    const log = await openDataDir(dir, { writer: true, now: () => new Date() });
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    const follow = await timed(() => startFollower({ log, config: config(index.url, { once: true }), channels: [] }).done);
    clearInterval(sampler);
    await log.close();
    const after = await timed(() => fetchAll(index.url));
    const st = follow.value;
    if (st.tree_size !== PROJECTS * 2 || st.errors !== 0) throw new Error(`the follower logged ${st.tree_size} files with ${st.errors} errors; expected ${PROJECTS * 2} and none`);
    const rate = (ms: number) => (PROJECTS / ms) * 1000;
    const ceiling = (rate(before.ms) + rate(after.ms)) / 2;
    const ratio = rate(follow.ms) / ceiling;
    const strict = rate(follow.ms) / Math.max(rate(before.ms), rate(after.ms));
    const us = (cpuMs: number) => ((cpuMs * 1000) / PROJECTS).toFixed(0);
    console.log(`backfill (${PROJECTS} projects, ${st.tree_size} files, index delay ${delay} ms, concurrency ${CONCURRENCY}, load average ${load0.toFixed(2)} -> ${loadavg()[0].toFixed(2)}):`);
    console.log(`  index alone, before: ${(before.ms / 1000).toFixed(1)} s = ${rate(before.ms).toFixed(0)} projects/s (CPU ${us(before.cpuMs)} us/project)`);
    console.log(`  follower, fresh log: ${(follow.ms / 1000).toFixed(1)} s = ${rate(follow.ms).toFixed(0)} projects/s, ${((st.tree_size / follow.ms) * 1000).toFixed(0)} entries/s (CPU ${us(follow.cpuMs)} us/project); peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  index alone, after:  ${(after.ms / 1000).toFixed(1)} s = ${rate(after.ms).toFixed(0)} projects/s (CPU ${us(after.cpuMs)} us/project)`);
    console.log(`  follower / index alone: ${ratio.toFixed(2)}x (${strict.toFixed(2)}x of the faster index-alone run) -> goal >= ${GOAL_RATIO}x ${ratio >= GOAL_RATIO ? 'MET' : 'NOT MET'}`);
  } finally {
    index.stop();
  }
}

try {
  if (ONLY !== 'backfill') await latency();
  if (ONLY !== 'latency') for (const d of DELAYS) await backfill(d);
} finally {
  rmSync(work, { recursive: true, force: true });
}
