// `distsum log follow` as a long-running process: new uploads and alerts within seconds at a 1 s
// interval, a clean stop on SIGTERM, and a SIGKILL in the middle of a backfill that loses nothing
// and alerts nothing twice when the follower is started again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIndexServer } from '../support/index-server.ts';
import { startSyntheticIndex } from '../monitor/support/synthetic-index.ts';
import { allAlerts, allEntries, newDataDir, tempDir } from '../monitor/support/log.ts';
import { openDataDir } from '../../src/log/datadir.ts';

const MAIN = join(import.meta.dirname, '../monitor/support/main.ts');
const WHEEL = join(import.meta.dirname, '../../../shared/fixtures/dists/wheel-0.40.0-py3-none-any.whl');
const POETRY = join(import.meta.dirname, '../../../shared/fixtures/dists/poetry_core-1.5.0-py3-none-any.whl');

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// The latest signed tree size, or -1 while the log is still being created.
async function treeSize(dir: string): Promise<number> {
  let log;
  try {
    log = await openDataDir(dir, { writer: false, now: () => new Date() });
  } catch {
    return -1;
  }
  try {
    return (await log.reader.latestCheckpoint()).size;
  } finally {
    await log.close();
  }
}

test('a running follower logs an upload and delivers an alert within seconds, and stops cleanly on SIGTERM', async (t) => {
  const idx = await startIndexServer();
  t.after(() => idx.close());
  const work = tempDir(t);
  const dir = join(work, 'data');
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  const marker = join(work, 'hook-ran');
  const p = run(['log', 'follow', '--index', `${idx.origin}/simple/`, '--all', '--interval', '1s', '--init', '--data', dir, '--exec', `echo "$DISTSUM_ALERT_KIND $DISTSUM_ALERT_FILENAME" >> "${marker}"`]);
  t.after(() => p.child.kill('SIGKILL'));
  await until('the backfill', async () => (await treeSize(dir)) === 1);

  const t0 = Date.now();
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0' });
  await until('the new upload in a signed checkpoint', async () => (await treeSize(dir)) === 2);
  const logged = Date.now() - t0;

  idx.removeFile('wheel-0.40.0-py3-none-any.whl');
  await until('the hook', () => existsSync(marker));
  assert.equal(readFileSync(marker, 'utf8'), 'file-removed wheel-0.40.0-py3-none-any.whl\n');
  assert.match(p.stdout(), /WARNING file-removed #1 wheel wheel-0\.40\.0-py3-none-any\.whl/);
  assert.ok(logged < 5000, `logged after ${logged} ms`);

  p.child.kill('SIGTERM');
  const exit = await p.exited;
  assert.equal(exit.code, 0, p.stderr());
  assert.match(p.stderr(), /stopping after the projects in hand/);
  assert.equal((await allAlerts(dir)).length, 1);
});

test('a follower killed with SIGKILL during a backfill resumes: nothing lost, nothing twice', async (t) => {
  const idx = await startSyntheticIndex({ projects: 2000, delayMs: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const args = ['log', 'follow', '--index', idx.simpleUrl, '--all', '--once', '--data', dir, '--digest-url', `${idx.origin}/files/`];
  const first = run(args);
  t.after(() => first.child.kill('SIGKILL'));
  await until('part of the backfill', async () => (await treeSize(dir)) >= 600, 60_000);
  first.child.kill('SIGKILL');
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL');
  const mid = await treeSize(dir);
  assert.ok(mid < 4000, `killed at ${mid} entries`);

  const second = run(args);
  const done = await second.exited;
  assert.equal(done.code, 0, second.stderr());
  const entries = await allEntries(dir);
  assert.equal(entries.length, 4000);
  const want = new Set<string>();
  for (let i = 0; i < 2000; i++) for (const f of idx.files(`proj-${i}`)) want.add(`${f.filename} ${f.sha256}`);
  assert.deepEqual(new Set(entries.map((e) => `${e.filename} ${e.sha256}`)), want);
  assert.equal((await allAlerts(dir)).length, 0);
  // Only work the first run had not saved is repeated: no project page is fetched a third time.
  for (let i = 0; i < 2000; i++) {
    const n = idx.hits.get(`/simple/proj-${i}/`) ?? 0;
    assert.ok(n >= 1 && n <= 2, `proj-${i} fetched ${n} times`);
  }
});
