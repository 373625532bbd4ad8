// Crash safety: an import runs in a child process that is killed with SIGKILL at random moments
// (while starting, resuming, parsing, hashing or committing). After every kill the log must audit
// clean (no half-written tile, no unsigned tree, every checkpoint consistent), hold every entry the
// child acknowledged, and accept the next writer, which resumes where the last commit ended.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { createDataDir, openDataDir } from '../../src/log/datadir.ts';
import { auditLog } from '../../src/log/audit.ts';
import { encodeEntry } from '../../src/log/entry.ts';
import { parseImportLine } from '../../src/log/importline.ts';
import { ORIGIN, SEED, hexOf, tempDir } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD_SOURCE = join(import.meta.dirname, 'crash-child.ts');
const PER_ROUND = 800; // new files per round
const OVERLAP = 100; // files of the previous round claimed again
const BATCH = 40; // claims per commit: many commit points to land a kill in
const KILLS_PER_LOG = 10; // two logs side by side: 20 kills

// How the child commits: as `distsum log import` (SqliteOptions.bulk) or through the WAL.
type Journal = 'bulk' | 'wal';

// Small deterministic PRNG so a failure can be replayed from the printed seed.
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

interface Run {
  acked: number;
  done: boolean;
  killed: boolean;
  stderr: string;
}

/** When to kill: `ms` after spawning, or `ms` after the child's `acks`-th acknowledgement. */
type KillPlan = { after: 'spawn'; ms: number } | { after: 'ack'; acks: number; ms: number } | undefined;

// Runs the child once and kills it as planned (unless it finishes first).
function runChild(script: string, dir: string, input: string, plan: KillPlan, journal: Journal): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, dir, input, String(BATCH), journal], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { acked: 0, done: false, killed: false, stderr: '' };
    let timer: NodeJS.Timeout | undefined;
    let acks = 0;
    const arm = (ms: number) => {
      timer ??= setTimeout(() => {
        run.killed = child.kill('SIGKILL');
      }, ms);
    };
    if (plan?.after === 'spawn') arm(plan.ms);
    const onAck = () => {
      if (plan?.after === 'ack' && acks === plan.acks) arm(plan.ms);
    };
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') onAck();
        else if (line === 'done') run.done = true;
        else if (line.startsWith('ack ')) {
          run.acked = Math.max(run.acked, Number(line.slice(4)));
          acks++;
          onAck();
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) fail(new Error(`child failed (${code}): ${run.stderr}`));
      else done(run);
    });
  });
}

// Checks the log after a crash: a clean audit, and every acknowledged line is logged, unchanged.
async function verify(dir: string, acked: string[], what: string): Promise<number> {
  const log = await openDataDir(dir, { now: () => new Date() });
  try {
    const report = await auditLog(log.store);
    assert.ok(report.ok, `${what}: audit failed: ${report.problems.join('; ')}`);
    const size = (await log.reader.latestCheckpoint()).size;
    const logged = new Map<string, Uint8Array>();
    for (let i = 0; i < size; i += 2000) {
      const got = await log.reader.entries(Array.from({ length: Math.min(2000, size - i) }, (_, k) => i + k));
      for (const e of got) logged.set(e.entry.filename, e.data);
    }
    assert.equal(logged.size, size, `${what}: a file name appears twice`);
    for (const line of acked) {
      const e = parseImportLine(line);
      assert.deepEqual(logged.get(e.filename), encodeEntry(e), `${what}: acknowledged ${e.filename} is not logged`);
    }
    return size;
  } finally {
    await log.close();
  }
}

const line = (i: number) => JSON.stringify({ project: `pkg-${i % 97}`, version: `0.${i}`, filename: `pkg_${i % 97}-0.${i}.tar.gz`, size: i * 7, sha256: hexOf(`crash ${i}`) });

async function crashLoop(t: Parameters<typeof tempDir>[0], script: string, seed: number, journal: Journal): Promise<number> {
  const random = rng(seed);
  const work = tempDir(t, 'distsum-crash-');
  const dir = join(work, 'data');
  await createDataDir(dir, ORIGIN, new Date(), { seed: SEED, token: 't' });
  const acked: string[] = [];
  let kills = 0;
  const modes = new Set<string>();
  let next = 0; // first never-seen line number
  for (let round = 0; kills < KILLS_PER_LOG; round++) {
    // New files, after the tail of the previous round's (already logged or not: both must work).
    const lines = [...Array.from({ length: Math.min(next, OVERLAP) }, (_, k) => line(next - OVERLAP + k)), ...Array.from({ length: PER_ROUND }, (_, k) => line(next + k))];
    next += PER_ROUND;
    const input = join(work, `input-${round}.jsonl`);
    writeFileSync(input, lines.join('\n') + '\n');
    // Mostly during the import (after a random number of committed batches, a few ms into the next
    // one: parsing, hashing or committing); sometimes while the child starts and resumes.
    const plan: KillPlan =
      random() < 0.25
        ? { after: 'spawn', ms: Math.floor(random() * 150) }
        : { after: 'ack', acks: Math.floor(random() * (lines.length / BATCH)), ms: Math.floor(random() * 8) };
    const what = `seed ${seed} round ${round} (kill ${JSON.stringify(plan)})`;
    const r = await runChild(script, dir, input, plan, journal);
    if (r.killed) kills++;
    // The journal the killed writer left the file in (SQLite's header: 1 rollback, 2 WAL).
    modes.add(readFileSync(join(dir, 'log.db')).subarray(18, 20).join());
    acked.push(...lines.slice(0, r.acked));
    await verify(dir, acked, what);
    assert.ok(round < 3 * KILLS_PER_LOG, `${what}: the child keeps finishing before the kill`);
  }
  // Finally an undisturbed run completes everything seen so far.
  const all = Array.from({ length: next }, (_, i) => line(i));
  const input = join(work, 'input-final.jsonl');
  writeFileSync(input, all.join('\n') + '\n');
  const last = await runChild(script, dir, input, undefined, journal);
  assert.ok(last.done && last.acked === next, `seed ${seed}: the final run did not finish: ${last.stderr}`);
  assert.equal(await verify(dir, all, `seed ${seed} final`), next);
  // A bulk import commits through a rollback journal: some kill must have caught it in that mode.
  if (journal === 'bulk') assert.ok(modes.has('1,1'), `seed ${seed}: no kill found the store in rollback-journal mode`);
  else assert.deepEqual([...modes], ['2,2'], `seed ${seed}: the WAL writer left another journal mode`);
  assert.deepEqual([...readFileSync(join(dir, 'log.db')).subarray(18, 20)], [2, 2], `seed ${seed}: the finished import did not return to WAL`);
  return kills;
}

// The child bundled once into plain JavaScript: starting it then costs a plain `node`, not a
// TypeScript loader, so the kills land in the import rather than in start-up. Dependencies stay
// external and resolve through a node_modules link next to the bundle.
async function bundleChild(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = tempDir(t, 'distsum-crash-child-');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const out = join(dir, 'crash-child.mjs');
  await build({ entryPoints: [CHILD_SOURCE], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  return out;
}

test('kill -9 at random moments loses no acknowledged entry and the log resumes cleanly', { timeout: 180_000 }, async (t) => {
  const seed = Date.now() % 100_000;
  const script = await bundleChild(t);
  // One log imported as `distsum log import` does (bulk), one as a follower appends (WAL).
  const kills = await Promise.all([crashLoop(t, script, seed, 'bulk'), crashLoop(t, script, seed + 1, 'wal')]);
  assert.equal(kills[0] + kills[1], 2 * KILLS_PER_LOG);
});
