// `npm run bench:follow`: how fast the follower keeps up with an index.
//
// 1. Latency: a follower with a 1 s interval and an --exec hook follows the stand-in index
//    (test/support/index-server.ts); for each of several uploads, the time from the upload until
//    the file is in a signed checkpoint and until the hook has run (the alert of deleting it again).
// 2. Backfill: a synthetic index of 50,000 projects (two files each), in its own process. First the
//    index alone: every page fetched and parsed with the same client and concurrency (the ceiling);
//    then the follower's first round into a fresh log. "Limited by the index" means the second is
//    close to the first.
//
//   node --import tsx bench/follow.ts [--projects N] [--delay MS] [--concurrency C] [--uploads K]
//
// Goal: upload to signed checkpoint and hook under 2 s; backfill rate near the index's.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createDataDir, openDataDir } from '../src/log/datadir.ts';
import { createIndexClient } from '../src/index/client.ts';
import { createSemaphore } from '../src/index/semaphore.ts';
import { execChannel } from '../src/monitor/channels.ts';
import { startFollower, type FollowConfig } from '../src/monitor/follow.ts';
import { startIndexServer } from '../test/support/index-server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const PROJECTS = num('--projects', 50_000);
const DELAY = num('--delay', 0);
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
}

async function startIndexProcess(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/monitor/support/synthetic-index-main.ts'), String(PROJECTS), String(DELAY)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
  return { url: line.trim(), stop: () => child.stdin!.end() };
}

async function backfill(): Promise<void> {
  const index = await startIndexProcess();
  try {
    // The ceiling: the index alone, through the same client at the same concurrency.
    const client = createIndexClient({ indexUrl: index.url, version: '0.1.0', semaphore: createSemaphore(CONCURRENCY) });
    const t0 = performance.now();
    const list = await client.getProjectList();
    if (list.notModified) throw new Error('unexpected 304');
    const names = list.value.projects.map((p) => p.normalizedName);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY * 4 }, async () => {
        while (next < names.length) await client.getProject(names[next++]);
      }),
    );
    const fetchMs = performance.now() - t0;

    const dir = join(work, 'backfill');
    await createDataDir(dir, 'bench.example/backfill', new Date());
    const log = await openDataDir(dir, { writer: true, now: () => new Date() });
    const t1 = performance.now();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    const f = startFollower({ log, config: config(index.url, { once: true }), channels: [] });
    const st = await f.done;
    clearInterval(sampler);
    const followMs = performance.now() - t1;
    await log.close();
    console.log(`backfill (${PROJECTS} projects, ${st.tree_size} files, index delay ${DELAY} ms, concurrency ${CONCURRENCY}):`);
    console.log(`  index alone (fetch + parse every page): ${(fetchMs / 1000).toFixed(1)} s = ${((PROJECTS / fetchMs) * 1000).toFixed(0)} projects/s`);
    console.log(`  follower first round into a fresh log:  ${(followMs / 1000).toFixed(1)} s = ${((PROJECTS / followMs) * 1000).toFixed(0)} projects/s, ${((st.tree_size / followMs) * 1000).toFixed(0)} entries/s`);
    console.log(`  follower / index time: ${(followMs / fetchMs).toFixed(2)}; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    index.stop();
  }
}

try {
  await latency();
  await backfill();
} finally {
  rmSync(work, { recursive: true, force: true });
}
