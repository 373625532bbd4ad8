// `distsum log serve --follow URL`: one process serves the log and fills it from an index.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ensureBuilt, SHARED } from '../support/cli.ts';
import { startIndexServer } from '../support/index-server.ts';

const WHEEL = join(SHARED, 'fixtures/dists/wheel-0.40.0-py3-none-any.whl');

test('serve --follow logs what the index serves and reports the follower in /api/v1/status', async (t) => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'distsum-serve-follow-'));
  const index = await startIndexServer();
  t.after(async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await index.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });

  const child = spawn(process.execPath, [BIN, 'log', 'serve', '--init', '--data', join(dir, 'data'), '--port', '0', '--follow', `${index.origin}/simple/`, '--interval', '1s'], {
    env: { ...process.env, DISTSUM_ORIGIN: 'example.test/follow' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));

  const deadline = Date.now() + 20_000;
  let base: string | undefined;
  while (!base && Date.now() < deadline) {
    base = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1];
    if (!base) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(base, `server did not start: ${stderr}`);

  let entry: { sha256?: string; index?: number } | undefined;
  while (Date.now() < deadline) {
    const r = await fetch(`${base}/lookup/wheel-0.40.0-py3-none-any.whl`);
    if (r.status === 200) {
      entry = (await r.json()) as typeof entry;
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(entry, `the follower never logged the wheel: ${stderr}`);
  const sha256 = createHash('sha256').update(readFileSync(WHEEL)).digest('hex');
  assert.ok(JSON.stringify(entry).includes(sha256), JSON.stringify(entry));

  const status = (await (await fetch(`${base}/api/v1/status`)).json()) as Record<string, unknown>;
  assert.match(JSON.stringify(status), new RegExp(index.origin.replace(/[.:/]/g, '.')), JSON.stringify(status));

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

test('serve --follow refuses --read-only and --workers', async (t) => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'distsum-serve-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, 'log', 'serve', '--init', '--data', dir, '--port', '0', '--read-only', '--follow', 'http://127.0.0.1:9/simple/'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 2, stderr);
  assert.match(stderr, /--follow/);
});
