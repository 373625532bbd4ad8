// `distsum log serve` as a command: help, option errors, the start-up errors a user meets (no log,
// locked log, bad token) as one line with exit code 2, first start creating the log, and graceful
// exit 0 on SIGINT and SIGTERM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataDir } from '../../src/log/datadir.ts';
import { runServe, startServe } from '../server/support/process.ts';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'distsum-serve-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('--help explains the routes, options and environment', async () => {
  const r = await runServe(['--help']);
  assert.equal(r.code, 0);
  for (const s of ['/checkpoint', '/tile/entries/<N>', '/lookup/sha256/<hex>', 'POST /api/v1/entries', '--workers', '--read-only', '--init', 'DISTSUM_ADMIN_TOKEN', 'Examples:']) {
    assert.ok(r.stdout.includes(s), s);
  }
});

test('bad options and missing logs are usage errors (exit 2, one line)', async () => {
  const port = await runServe(['--port', '70000']);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--port.*port number/);
  const missing = await runServe(['--data', join(tmp, 'nothing-here'), '--port', '0']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /^distsum: no log data directory at .*nothing-here \(run distsum log init/);
});

test('first start creates the log (origin from DISTSUM_ORIGIN); SIGINT exits 0', async () => {
  const dir = join(tmp, 'first');
  const s = await startServe(['--data', dir, '--init', '--port', '0'], { DISTSUM_ORIGIN: 'env.example/log', DISTSUM_ADMIN_TOKEN: '' });
  assert.match(s.stderr(), /created log env\.example\/log in .*first; verifier key: env\.example\/log\+/);
  assert.match(await (await fetch(`${s.url}/checkpoint`)).text(), /^env\.example\/log\n0\n/);
  assert.equal(await s.stop('SIGINT'), 0);
  assert.match(s.stderr(), /SIGINT: shutting down/);
  // --origin implies --init and is ignored once the log exists.
  const again = await startServe(['--data', dir, '--origin', 'other.example/log', '--port', '0']);
  assert.doesNotMatch(again.stderr(), /created/);
  assert.match(again.stderr(), /serving log env\.example\/log/);
  assert.equal(await again.stop('SIGTERM'), 0);
});

test('a log locked by another writer, or a weak token, stops the start with exit 2', async () => {
  const dir = join(tmp, 'locked');
  const first = await startServe(['--data', dir, '--origin', 'lock.example/log', '--port', '0']);
  assert.equal(await first.stop(), 0);
  const writer = await openDataDir(dir, { writer: true, now: () => new Date() });
  try {
    const r = await runServe(['--data', dir, '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^distsum: another distsum process is writing this log .*writer\.lock is locked/);
    const ro = await startServe(['--data', dir, '--port', '0', '--read-only']);
    assert.match(ro.stderr(), /read-only/);
    assert.equal(await ro.stop(), 0);
  } finally {
    await writer.close();
  }
  const weak = await runServe(['--data', dir, '--port', '0'], { DISTSUM_ADMIN_TOKEN: 'abc' });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /DISTSUM_ADMIN_TOKEN must be at least 16 characters/);
});
