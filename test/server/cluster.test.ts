// `serve --workers 2`: worker processes answer reads, writes go through the primary's single
// writer, /metrics covers every process, SIGTERM stops it all cleanly, start-up errors are
// reported once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataDir } from '../../src/log/datadir.ts';
import { TOKEN, bodyJson, sha256hex } from './support/fixture.ts';
import { runServe, startServe } from './support/process.ts';
import type { ServeProcess } from './support/process.ts';
import { listen } from '../../src/server/listen.ts';

let tmp: string;
let dir: string;
let s: ServeProcess;
const env = { DISTSUM_ADMIN_TOKEN: TOKEN, DISTSUM_ORIGIN: 'cluster.example/log' };

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'distsum-cluster-'));
  dir = join(tmp, 'data');
  s = await startServe(['--data', dir, '--init', '--port', '0', '--workers', '2', '--grace', '5'], env);
});
after(async () => {
  await s.stop('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const post = (body: unknown) => fetch(`${s.url}/api/v1/entries`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}` } });
const metric = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"()*/]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

test('workers serve the log and forward appends to the single writer', async () => {
  assert.match(s.stderr(), /with 2 worker processes/);
  // Appends from many connections (spread over both workers) all land, each file once.
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, k) => post(Array.from({ length: 5 }, (_, i) => ({ project: 'c', version: '1', filename: `c-1-${k}-${i}.tar.gz`, size: i, sha256: sha256hex(`${k}/${i}`) })))),
  );
  for (const r of results) assert.equal(r.status, 200);
  const bodies = await Promise.all(results.map(bodyJson));
  const indexes = bodies.flatMap((b) => b.results.map((x: { index: number }) => x.index)).sort((a: number, b: number) => a - b);
  assert.deepEqual(indexes, Array.from({ length: 40 }, (_, i) => i));
  // Every worker sees the new checkpoint at once (the primary tells them about each commit).
  for (let i = 0; i < 6; i++) {
    const cp = await (await fetch(`${s.url}/checkpoint`)).text();
    assert.match(cp, /^cluster\.example\/log\n40\n/);
    assert.equal((await fetch(`${s.url}/lookup/c-1-7-4.tar.gz`)).status, 200);
  }
  const wrong = await fetch(`${s.url}/api/v1/entries`, { method: 'POST', body: '[]', headers: { authorization: 'Bearer not-the-token-at-all' } });
  assert.equal(wrong.status, 401);
});

test('/metrics adds up every process', async () => {
  for (let i = 0; i < 10; i++) await fetch(`${s.url}/tile/0/000.p/40`);
  const text = await (await fetch(`${s.url}/metrics`)).text();
  assert.equal(metric(text, 'distsum_server_processes'), 2);
  assert.equal(metric(text, 'distsum_log_size'), 40);
  assert.equal(metric(text, 'distsum_log_appended_entries_total'), 40);
  assert.equal(metric(text, 'distsum_http_requests_total{route="/tile/*",method="GET",code="200"}'), 10);
  assert.ok(metric(text, 'process_resident_memory_bytes') > 3 * 20e6, 'three processes');
});

// The worker processes of the primary (its children running serve-entry.ts; tsx may add an
// esbuild child of its own), from /proc.
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^[0-9]+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('serve-entry.ts');
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a worker that dies is replaced and the server keeps serving', async () => {
  const before = childrenOf(s.child.pid!);
  assert.equal(before.length, 2);
  process.kill(before[0], 'SIGKILL');
  for (let i = 0; i < 100 && !/starting another/.test(s.stderr()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(s.stderr(), /a server worker exited \(SIGKILL\); starting another/);
  for (let i = 0; i < 100 && childrenOf(s.child.pid!).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  const after = childrenOf(s.child.pid!);
  assert.equal(after.length, 2);
  assert.ok(!after.includes(before[0]));
  for (let i = 0; i < 6; i++) assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
});

test('SIGTERM stops workers and primary cleanly, leaving the log unlocked', async () => {
  const code = await s.stop('SIGTERM');
  assert.equal(code, 0);
  assert.match(s.stderr(), /SIGTERM: shutting down/);
  assert.doesNotMatch(s.stderr().split('SIGTERM')[1], /error|exited/i);
  const l = await openDataDir(dir, { writer: true, now: () => new Date() });
  assert.equal((await l.reader.latestCheckpoint()).size, 40);
  await l.close();
});

test('a port in use is reported once, with exit code 2', async () => {
  const blocker = await listen((_q, r) => r.end(), '127.0.0.1', 0);
  try {
    const r = await runServe(['--data', dir, '--port', String(blocker.port), '--workers', '2'], env);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^distsum: cannot listen on 127\.0\.0\.1:\d+: the address is already in use/);
  } finally {
    await blocker.stop(100);
  }
});
