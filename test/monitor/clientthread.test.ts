// The index client in a worker thread against loopback indexes: the same answers and the same
// errors as the index client in this thread (the peer it must be indistinguishable from), the
// concurrency limit held by the thread, downloads streamed chunk by chunk, and a clean close.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIndexClient, type IndexClient } from '../../src/index/client.ts';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from '../../src/index/errors.ts';
import { createSemaphore } from '../../src/index/semaphore.ts';
import { UsageError } from '../../src/errors.ts';
import { ClientThreadError, indexClientThread } from '../../src/monitor/clientthread.ts';
import type { ClientSettings } from '../../src/monitor/clientwire.ts';
import { startIndexServer } from '../support/index-server.ts';
import { startSyntheticIndex } from './support/synthetic-index.ts';

const WHEEL = join(import.meta.dirname, '../../../shared/fixtures/dists/wheel-0.40.0-py3-none-any.whl');
const FAST = { backoff: { maxRetries: 0 }, pageTimeoutMs: 400, idleTimeoutMs: 300 };

type T = { after: (fn: () => void | Promise<void>) => void };

// The client under test and its in-thread peer, with the same settings.
function pair(t: T, settings: ClientSettings): { thread: ReturnType<typeof indexClientThread>; peer: IndexClient } {
  const thread = indexClientThread(settings);
  t.after(() => thread.close());
  const peer = createIndexClient({ ...settings, semaphore: createSemaphore(settings.concurrency) });
  return { thread, peer };
}

// What a promise settles with: the value, or the error's class, message and fields.
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (e) {
    return { error: (e as Error).constructor.name, ...(e as object), message: (e as Error).message };
  }
}

test('pages, conditional requests and the project list come back exactly as the in-thread client reads them', async (t) => {
  const idx = await startSyntheticIndex({ projects: 5, filesPerProject: 3 });
  t.after(() => idx.close());
  const { thread, peer } = pair(t, { indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 2, ...FAST });
  assert.equal(thread.threaded, true);
  assert.deepEqual(thread.urls, peer.urls);
  assert.equal(thread.userAgent, peer.userAgent);
  assert.deepEqual(await thread.getProjectList(), await peer.getProjectList());
  const page = await thread.getProject('proj-3');
  assert.deepEqual(page, await peer.getProject('proj-3'));
  assert.equal(page.notModified, false);
  if (page.notModified) return;
  assert.deepEqual(page.value.files.map((f) => f.filename), idx.files('proj-3').map((f) => f.filename));
  // With the page's validators, the index answers 304.
  const again = await thread.getProject('proj-3', page.validators);
  assert.equal(again.notModified, true);
  assert.deepEqual(again, await peer.getProject('proj-3', page.validators));
});

test('every failure arrives as the same error, class and fields, as from the in-thread client', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  const json = { 'content-type': 'application/vnd.pypi.simple.v1+json' };
  idx.script('/simple/limited/', { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' });
  idx.script('/simple/elsewhere/', { status: 302, headers: { location: 'http://127.0.0.2:9/simple/elsewhere/' } });
  idx.script('/simple/broken/', { headers: json, body: '{"meta": ' });
  idx.script('/simple/huge/', { headers: json, body: Buffer.alloc(5000, 0x20) });
  idx.script('/simple/silent/', { hang: true });
  const { thread, peer } = pair(t, { indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 2, ...FAST, limits: { maxPageBytes: 1000 } });
  const cases: Array<[string, new (...a: never[]) => Error]> = [
    ['missing', IndexHttpError],
    ['limited', IndexHttpError],
    ['elsewhere', IndexRedirectError],
    ['broken', IndexFormatError],
    ['huge', IndexTooLargeError],
    ['silent', IndexNetworkError],
    ['../etc', UsageError],
  ];
  for (const [name, cls] of cases) {
    const [mine, theirs] = await Promise.all([outcome(thread.getProject(name)), outcome(peer.getProject(name))]);
    await assert.rejects(thread.getProject(name), cls, name);
    assert.deepEqual(mine, theirs, name);
  }
  const limited = await thread.getProject('limited').catch((e: unknown) => e);
  assert.ok(limited instanceof IndexHttpError);
  assert.deepEqual([limited.status, limited.retryAfterMs], [429, 7000]);
  const silent = await thread.getProject('silent').catch((e: unknown) => e);
  assert.ok(silent instanceof IndexNetworkError && silent.timedOut);
});

test('the thread holds the concurrency limit however many requests it is given', async (t) => {
  const idx = await startSyntheticIndex({ projects: 40, delayMs: 10 });
  t.after(() => idx.close());
  const thread = indexClientThread({ indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 3, ...FAST });
  t.after(() => thread.close());
  const pages = await Promise.all(Array.from({ length: 40 }, (_, i) => thread.getProject(`proj-${i}`)));
  assert.equal(pages.filter((p) => !p.notModified).length, 40);
  assert.equal(idx.maxInFlight(), 3);
});

test('downloads and the JSON API work through the thread; a chunk the caller refuses fails the download with its own error', async (t) => {
  const idx = await startIndexServer();
  t.after(() => idx.close());
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  const { thread, peer } = pair(t, { indexUrl: `${idx.origin}/simple/`, version: '0.0.0-test', concurrency: 2, jsonApi: true, ...FAST });
  const page = await thread.getProject('wheel');
  assert.ok(!page.notModified);
  const url = page.value.files[0].url;

  const bytes = readFileSync(WHEEL);
  const sha = createHash('sha256');
  let chunks = 0;
  const got = await thread.downloadFile(url, async (c) => {
    assert.ok(c instanceof Uint8Array);
    chunks++;
    // The next chunk waits for this one.
    await new Promise((r) => setTimeout(r, 1));
    sha.update(c);
  });
  assert.equal(got.size, bytes.length);
  assert.equal(sha.digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  assert.ok(chunks >= 1);

  const mine = new Error('disk full');
  await assert.rejects(
    thread.downloadFile(url, () => {
      throw mine;
    }),
    (e) => e === mine,
  );
  await assert.rejects(thread.downloadFile(url, () => undefined, { expectedSize: 10 }), IndexTooLargeError);

  assert.deepEqual(await thread.getJsonApi('wheel'), await peer.getJsonApi('wheel'));
  assert.deepEqual(await outcome(thread.getJsonApi('nothing')), await outcome(peer.getJsonApi('nothing')));
});

test('close() rejects what still waits and every later request; without a script the client runs in this thread', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  idx.script('/simple/silent/', { hang: true });
  const thread = indexClientThread({ indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 1, backoff: { maxRetries: 0 } });
  assert.ok(!(await thread.getProject('proj-0')).notModified);
  const waiting = thread.getProject('silent').catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 50));
  await thread.close();
  assert.ok((await waiting) instanceof ClientThreadError);
  await assert.rejects(thread.getProject('proj-0'), ClientThreadError);
  await thread.close();

  const local = indexClientThread({ indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 1 }, null);
  assert.equal(local.threaded, false);
  assert.ok(!(await local.getProject('proj-0')).notModified);
  await local.close();
  // Bad settings are refused at once, as by the in-thread client.
  assert.throws(() => indexClientThread({ indexUrl: 'ftp://x.example/', version: '0.0.0-test', concurrency: 1 }), UsageError);
});

test('from a bundle, the thread script is client-worker.js beside it, or none when the bundle lacks it', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const { clientWorkerScript } = await import('../../src/monitor/clientthread.ts');
  const dist = mkdtempSync(join(tmpdir(), 'distsum-dist-'));
  t.after(() => rmSync(dist, { recursive: true, force: true }));
  const chunk = pathToFileURL(join(dist, 'chunk-ABC.js')).href;
  assert.equal(clientWorkerScript(chunk), null);
  writeFileSync(join(dist, 'client-worker.js'), '');
  assert.equal(clientWorkerScript(chunk)?.url.href, pathToFileURL(join(dist, 'client-worker.js')).href);
  // From source: client-worker.ts, loaded through tsx.
  assert.equal(clientWorkerScript()?.url.protocol, 'data:');
});

test('a thread that dies fails what waits and every later request with a ClientThreadError, not an index error', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  const crashing = { url: new URL('data:text/javascript,' + encodeURIComponent("import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('boom'); });\n")), execArgv: [] };
  const thread = indexClientThread({ indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 1 }, crashing);
  t.after(() => thread.close());
  await assert.rejects(thread.getProject('proj-0'), (e) => e instanceof ClientThreadError && /failed: boom/.test(e.message));
  await assert.rejects(thread.getProjectList(), ClientThreadError);
  const unstartable = indexClientThread({ indexUrl: idx.simpleUrl, version: '0.0.0-test', concurrency: 1 }, { url: new URL('file:///nonexistent/client-worker.js'), execArgv: [] });
  await assert.rejects(unstartable.getProject('proj-0'), ClientThreadError);
  await unstartable.close();
});
