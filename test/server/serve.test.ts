// The single-process server: created on first start, serving, graceful shutdown that finishes a
// write in progress, and one-line start-up errors (port in use, no log, writer lock, token).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { runServer } from '../../src/server/serve.ts';
import { listen } from '../../src/server/listen.ts';
import { openDataDir } from '../../src/log/datadir.ts';
import { UsageError } from '../../src/errors.ts';
import { WriterLockedError } from '../../src/store/errors.ts';
import { bodyJson, TOKEN, fixtureOptions, sha256hex } from './support/fixture.ts';
import type { ServeOptions } from '../../src/server/options.ts';

function tempDir(): { dir: string; cleanup: () => void } {
  const tmp = mkdtempSync(join(tmpdir(), 'distsum-serve-'));
  return { dir: join(tmp, 'data'), cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

function options(dir: string, over: Partial<ServeOptions> = {}, lines: string[] = []): ServeOptions {
  return fixtureOptions(dir, { now: () => new Date(), log: (l) => lines.push(l), init: { origin: 'first.example/log' }, adminToken: TOKEN, ...over });
}

test('creates the log on first start, serves it, and stops cleanly', async () => {
  const { dir, cleanup } = tempDir();
  const lines: string[] = [];
  try {
    const h = await runServer(options(dir, {}, lines));
    assert.match(lines[0], /^distsum: created log first\.example\/log in .*; verifier key: first\.example\/log\+[0-9a-f]{8}\+/);
    assert.match(lines[1], /^distsum: serving log first\.example\/log \(0 entries\) at http:\/\/127\.0\.0\.1:\d+\/$/);
    const cp = await (await fetch(`${h.url}/checkpoint`)).text();
    assert.match(cp, /^first\.example\/log\n0\n47DEQpj8HBSa\+\/TImW\+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n/);
    await h.close();
    await h.done;
    await h.close(); // idempotent
    // The writer lock is free again, and a second start reuses the log without creating it.
    const again: string[] = [];
    const h2 = await runServer(options(dir, {}, again));
    assert.equal(again.length, 1);
    await h2.close();
  } finally {
    cleanup();
  }
});

test('SIGTERM-style close during a write: the write is answered and durable', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const h = await runServer(options(dir));
    const body = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ project: 'g', version: '1', filename: `g-1-${i}.tar.gz`, size: i, sha256: sha256hex(String(i)) })));
    // Send half the body, begin the shutdown while the request is in progress, then the rest.
    const req = request(`${h.url}/api/v1/entries`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(body.length) } });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 1000));
    await new Promise((r) => setTimeout(r, 300));
    const closing = h.close();
    await new Promise((r) => setTimeout(r, 100));
    req.end(body.slice(1000));
    const r = await answer;
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).tree_size, 2000);
    await closing;
    const l = await openDataDir(dir, { writer: true, now: () => new Date() });
    assert.equal((await l.reader.latestCheckpoint()).size, 2000);
    await l.close();
  } finally {
    cleanup();
  }
});

test('start-up errors are one line and leave nothing locked', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(runServer(options(dir, { init: undefined })), (e: unknown) => e instanceof UsageError && /no log data directory at .*data/.test(e.message));
    await (await runServer(options(dir))).close();
    const blocker = await listen((_q, s) => s.end(), '127.0.0.1', 0);
    await assert.rejects(runServer(options(dir, { port: blocker.port })), /already in use/);
    await blocker.stop(100);
    const writer = await openDataDir(dir, { writer: true, now: () => new Date() });
    await assert.rejects(runServer(options(dir)), WriterLockedError);
    // Read-only serving works beside another writer and sees its commits.
    const ro = await runServer(options(dir, { readOnly: true }));
    const post = await fetch(`${ro.url}/api/v1/entries`, { method: 'POST', body: '[]', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(post.status, 405);
    assert.match(await (await fetch(`${ro.url}/checkpoint`)).text(), /^first\.example\/log\n0\n/);
    await writer.writer!.append([{ entry: { project: 'w', version: '1', filename: 'w-1.tar.gz', size: 1, sha256: sha256hex('w') }, source: 'test' }]);
    let seen = '';
    for (let i = 0; i < 40 && !/\n1\n/.test(seen); i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await (await fetch(`${ro.url}/checkpoint`)).text();
    }
    assert.match(seen, /^first\.example\/log\n1\n/, 'the read-only server sees the other writer\'s checkpoint');
    assert.equal((await bodyJson(await fetch(`${ro.url}/lookup/w-1.tar.gz`))).index, 0);
    await ro.close();
    await writer.close();
    await assert.rejects(runServer(options(dir, { adminToken: 'short' })), /at least 16 characters/);
    const h = await runServer(options(dir, { adminToken: undefined }));
    // Without DISTSUM_ADMIN_TOKEN the data directory's token is the one (here: the test token given at init).
    const r = await fetch(`${h.url}/api/v1/entries`, { method: 'POST', body: '[]', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    await h.close();
    await assert.rejects(runServer(options(dir, { workers: 0 })), UsageError);
  } finally {
    cleanup();
  }
});
