// The follow loop against a synthetic index: backfill, serial diffs, polls, restarts in the middle
// of a backfill, alerts raised exactly once, hostile answers turned into follow-error alerts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSyntheticIndex, fakeDigest } from './support/synthetic-index.ts';
import { allAlerts, allEntries, followOnce, newDataDir, ofKind, startTestFollower, testConfig, memoryChannel } from './support/log.ts';
import { openDataDir } from '../../src/log/datadir.ts';
import { FOLLOW_PREFIX } from '../../src/monitor/state.ts';
import { STATUS_KEY } from '../../src/monitor/follow.ts';

test('a first round backfills every file the index lists, with the digests it gives', async (t) => {
  const idx = await startSyntheticIndex({ projects: 30, filesPerProject: 3 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const r = await followOnce(dir, testConfig(idx.simpleUrl, {}));
  assert.equal(r.newAlerts.length, 0);
  const entries = await allEntries(dir);
  assert.equal(entries.length, 90);
  for (let i = 0; i < 30; i++) {
    for (const f of idx.files(`proj-${i}`)) {
      const e = entries.find((x) => x.filename === f.filename);
      assert.ok(e, f.filename);
      assert.deepEqual(e, { project: `proj-${i}`, version: f.version, filename: f.filename, size: f.size, sha256: f.sha256, blake2b256: f.blake2b256 });
    }
  }
  assert.equal(r.status.state, 'stopped');
  assert.ok(r.status.caught_up !== null);
});

test('later rounds fetch only the projects whose serial changed', async (t) => {
  const idx = await startSyntheticIndex({ projects: 20 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  const before = new Map(idx.hits);
  idx.addFile('proj-7', { filename: 'proj_7-9.0-py3-none-any.whl', version: '9.0', size: 5, sha256: fakeDigest('n1'), blake2b256: fakeDigest('n1b') });
  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  const fetched = [...idx.hits].filter(([p, n]) => p.startsWith('/simple/proj-') && n !== (before.get(p) ?? 0)).map(([p]) => p);
  assert.deepEqual(fetched, ['/simple/proj-7/']);
  assert.equal(r.newAlerts.length, 0);
  const entries = await allEntries(dir);
  assert.equal(entries.length, 41);
  assert.equal(entries[40].filename, 'proj_7-9.0-py3-none-any.whl');
});

test('a changed digest raises exactly one hash-changed, however often it is served', async (t) => {
  const idx = await startSyntheticIndex({ projects: 3 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  const victim = idx.files('proj-1')[0];
  const original = victim.sha256;
  idx.changeFile('proj-1', victim.filename, fakeDigest('evil'));
  const r1 = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(r1.newAlerts.length, 1);
  // Served again (new serial, same bytes): no new alert.
  idx.addFile('proj-1', { filename: 'proj_1-2.0.tar.gz', version: '2.0', size: 1, sha256: fakeDigest('x'), blake2b256: fakeDigest('xb') });
  const r2 = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(r2.newAlerts.length, 0);
  const alerts = await allAlerts(dir);
  const hc = ofKind(alerts, 'hash-changed');
  assert.equal(hc.length, 1);
  assert.equal(hc[0].filename, victim.filename);
  assert.equal((hc[0].details.logged as { sha256: string }).sha256, original);
  assert.equal((hc[0].details.claimed as { sha256: string }).sha256, fakeDigest('evil'));
  // The log keeps the first digest.
  assert.equal((await allEntries(dir)).find((e) => e.filename === victim.filename)!.sha256, original);
});

test('a file added to a month-old release raises file-added-late; one in a new release does not', async (t) => {
  const idx = await startSyntheticIndex({ projects: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  // Release 1.0 of the synthetic projects was uploaded in January 2024.
  idx.addFile('proj-0', { filename: 'proj_0-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', version: '1.0', size: 9, sha256: fakeDigest('late'), blake2b256: fakeDigest('lateb') });
  idx.addFile('proj-1', { filename: 'proj_1-3.0-py3-none-any.whl', version: '3.0', size: 9, sha256: fakeDigest('fresh'), blake2b256: fakeDigest('freshb') });
  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(r.newAlerts.length, 1);
  const late = ofKind(await allAlerts(dir), 'file-added-late');
  assert.equal(late.length, 1);
  assert.equal(late[0].filename, 'proj_0-1.0-cp312-cp312-manylinux_2_17_x86_64.whl');
  assert.equal(late[0].version, '1.0');
  assert.equal(late[0].severity, 'warning');
});

test('a project that disappears raises file-removed for each of its files, once', async (t) => {
  const idx = await startSyntheticIndex({ projects: 4 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  const gone = idx.files('proj-2').map((f) => f.filename).sort();
  idx.removeProject('proj-2');
  await followOnce(dir, testConfig(idx.simpleUrl));
  await followOnce(dir, testConfig(idx.simpleUrl));
  const removed = ofKind(await allAlerts(dir), 'file-removed');
  assert.deepEqual(removed.map((a) => a.filename).sort(), gone);
});

test('a follower stopped in the middle of a backfill resumes without losing or repeating anything', async (t) => {
  const idx = await startSyntheticIndex({ projects: 600, delayMs: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const chan = memoryChannel();
  const { log, f } = await startTestFollower(dir, testConfig(idx.simpleUrl, { once: false }), { channels: [chan] });
  await f.ready;
  while (f.state().polled < 150) await new Promise((r) => setTimeout(r, 10));
  await f.stop();
  const firstPolled = f.state().polled;
  await log.close();
  assert.ok(firstPolled < 600, `stopped after ${firstPolled} projects`);
  const mid = await allEntries(dir);
  assert.equal(mid.length, firstPolled * 2);

  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(r.status.polled, 600 - firstPolled);
  const entries = await allEntries(dir);
  assert.equal(entries.length, 1200);
  assert.equal(new Set(entries.map((e) => e.filename)).size, 1200);
  // Every project page was fetched exactly once across both runs.
  for (let i = 0; i < 600; i++) assert.equal(idx.hits.get(`/simple/proj-${i}/`), 1, `proj-${i}`);
  assert.equal((await allAlerts(dir)).length, 0);
  assert.equal(chan.sent.length, 0);
});

test('a large backfill shares commits across projects and keeps to the concurrency limit', async (t) => {
  const idx = await startSyntheticIndex({ projects: 600, delayMs: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const r = await followOnce(dir, testConfig(idx.simpleUrl, { concurrency: 3 }));
  assert.equal(r.status.polled, 600);
  const entries = await allEntries(dir);
  assert.equal(entries.length, 1200);
  assert.equal(new Set(entries.map((e) => e.filename)).size, 1200);
  // Each project's files stay together, in page order.
  for (let i = 0; i < 1200; i += 2) assert.equal(entries[i].project, entries[i + 1].project);
  assert.equal(idx.maxInFlight(), 3);
  // Every commit signs a checkpoint: one per project would be 600.
  const log = await openDataDir(dir, { writer: false, now: () => new Date() });
  t.after(() => log.close());
  const checkpoints = await log.reader.checkpoints(0, 10_000);
  assert.ok(checkpoints.length <= 30, `${checkpoints.length} commits for 600 projects`);
  assert.equal(checkpoints.at(-1)!.size, 1200);
});

test('a hostile answer in a large round is a follow-error for its project alone', async (t) => {
  const idx = await startSyntheticIndex({ projects: 300 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  idx.script('/simple/proj-7/', { headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' }, body: '{"meta": {"api-version": "1.1"}, "files": [', times: 1 });
  idx.script('/simple/proj-8/', { status: 404 });
  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  const entries = await allEntries(dir);
  assert.equal(entries.length, 596);
  assert.ok(!entries.some((e) => e.project === 'proj-7' || e.project === 'proj-8'));
  const errs = ofKind(await allAlerts(dir), 'follow-error');
  assert.deepEqual(errs.map((a) => a.project), ['proj-7']);
  assert.match(String(errs[0].details.error), /^http:\/\/127\.0\.0\.1:\d+\/simple\/proj-7\/: /);
  assert.equal(r.newAlerts.length, 1);
  assert.equal(r.status.caught_up, null);
  // The next round polls proj-7 again (and proj-8, which is gone, is no longer known).
  const r2 = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal((await allEntries(dir)).length, 598);
  assert.equal(r2.newAlerts.length, 0);
  assert.notEqual(r2.status.caught_up, null);
});

test('a store failure in the middle of a backfill ends the follower with it; the next start loses nothing', async (t) => {
  const idx = await startSyntheticIndex({ projects: 400, delayMs: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const log = await openDataDir(dir, { writer: true, now: () => new Date() });
  const writer = log.writer!;
  let appends = 0;
  const failing = {
    ...log,
    writer: {
      ...writer,
      append: (claims: Parameters<typeof writer.append>[0]) => (++appends === 2 ? Promise.reject(new Error('disk I/O error')) : writer.append(claims)),
    },
  };
  const { startFollower } = await import('../../src/monitor/follow.ts');
  const f = startFollower({ log: failing, config: testConfig(idx.simpleUrl), channels: [] });
  await assert.rejects(f.done, /disk I\/O error/);
  assert.equal(f.state().state, 'failed');
  await log.close();
  const mid = await allEntries(dir);
  assert.ok(mid.length < 800, `${mid.length} entries before the failure`);

  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  const entries = await allEntries(dir);
  assert.equal(entries.length, 800);
  assert.equal(new Set(entries.map((e) => e.filename)).size, 800);
  assert.deepEqual(entries.slice(0, mid.length), mid);
  assert.equal((await allAlerts(dir)).length, 0);
  assert.equal(r.status.state, 'stopped');
});

test('alerts of a large round stopped half-way are each recorded and delivered once across the restart', async (t) => {
  const idx = await startSyntheticIndex({ projects: 300, delayMs: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  const gone = Array.from({ length: 300 }, (_, i) => idx.files(`proj-${i}`).map((f) => f.filename)).flat().sort();
  for (let i = 0; i < 300; i++) idx.removeProject(`proj-${i}`);
  const first = memoryChannel();
  const { log, f } = await startTestFollower(dir, testConfig(idx.simpleUrl, { once: false }), { channels: [first] });
  await f.ready;
  while (f.state().polled < 60) await new Promise((r) => setTimeout(r, 5));
  await f.stop();
  await log.close();
  assert.ok(first.sent.length < 600, `${first.sent.length} delivered before the stop`);
  const second = memoryChannel();
  await followOnce(dir, testConfig(idx.simpleUrl), { channels: [second] });
  const removed = ofKind(await allAlerts(dir), 'file-removed');
  assert.deepEqual(removed.map((a) => a.filename).sort(), gone);
  assert.deepEqual([...first.sent, ...second.sent].map((a) => a.filename).sort(), gone);
});

test('the follower records its state in the store for the server to show', async (t) => {
  const idx = await startSyntheticIndex({ projects: 5 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(idx.simpleUrl));
  const log = await openDataDir(dir, { writer: false, now: () => new Date() });
  t.after(() => log.close());
  const raw = await log.store.readOnly((tx) => tx.getMeta(STATUS_KEY));
  const st = JSON.parse(raw!);
  assert.equal(st.index, idx.simpleUrl);
  assert.equal(st.mode, 'all');
  assert.equal(st.known_projects, 5);
  assert.equal(st.tree_size, 10);
  assert.equal(typeof (await log.store.readOnly((tx) => tx.getMeta(`${FOLLOW_PREFIX}global`))), 'string');
});

test('a log follows exactly one index', async (t) => {
  const a = await startSyntheticIndex({ projects: 1 });
  const b = await startSyntheticIndex({ projects: 1 });
  t.after(() => a.close());
  t.after(() => b.close());
  const dir = await newDataDir(t);
  await followOnce(dir, testConfig(a.simpleUrl));
  await assert.rejects(followOnce(dir, testConfig(b.simpleUrl)), /follows .*127\.0\.0\.1.*exactly one index/);
});

test('an index without serials is polled project by project, each at most once per interval', async (t) => {
  const idx = await startSyntheticIndex({ projects: 10, serials: false });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const cfg = testConfig(idx.simpleUrl, { maxPollsPerRound: 4 });
  assert.equal((await followOnce(dir, cfg)).status.polled, 4);
  assert.equal((await followOnce(dir, cfg)).status.polled, 4);
  // Two left that were never polled; the others were polled less than an interval ago.
  assert.equal((await followOnce(dir, cfg)).status.polled, 2);
  assert.equal((await followOnce(dir, cfg)).status.polled, 0);
  assert.equal((await allEntries(dir)).length, 20);
  for (let i = 0; i < 10; i++) assert.equal(idx.hits.get(`/simple/proj-${i}/`), 1);
});

// Hostile answers for one project page: each must become a follow-error for that project, with
// nothing of it logged, while the other project is logged as usual; no crash, no hang.
const JSON_TYPE = { 'content-type': 'application/vnd.pypi.simple.v1+json' };
function page(files: unknown[], name = 'proj-0'): string {
  return JSON.stringify({ meta: { 'api-version': '1.1' }, name, files });
}
const goodFile = (over: Record<string, unknown>) => ({
  filename: 'proj_0-1.0-py3-none-any.whl',
  url: 'http://127.0.0.1/files/proj_0-1.0-py3-none-any.whl',
  hashes: { sha256: 'a'.repeat(64) },
  size: 10,
  ...over,
});
const HOSTILE: Array<[string, import('./support/synthetic-index.ts').Scripted]> = [
  ['malformed JSON', { headers: JSON_TYPE, body: '{"meta": {"api-version": "1.1"}, "files": [' }],
  ['wrong content type', { headers: { 'content-type': 'application/octet-stream' }, body: page([goodFile({})]) }],
  ['gigantic page', { headers: JSON_TYPE, body: Buffer.alloc(300_000, 0x20) }],
  ['redirect to another host', { status: 302, headers: { location: 'http://127.0.0.2:9/simple/proj-0/' } }],
  ['digest that is not hex', { headers: JSON_TYPE, body: page([goodFile({ hashes: { sha256: 'g'.repeat(64) } })]) }],
  ['path traversal in a file name', { headers: JSON_TYPE, body: page([goodFile({ filename: '../../etc/proj_0-1.0.tar.gz' })]) }],
  ['HTML injection in a file name', { headers: JSON_TYPE, body: page([goodFile({ filename: 'proj_0-1.0"><script>alert(1)</script>.whl' })]) }],
  ['HTML injection in an HTML page', { headers: { 'content-type': 'text/html' }, body: '<a href="http://127.0.0.1/files/x.whl#sha256=' + 'a'.repeat(64) + '"><img src=x onerror=alert(1)>.whl</a>' }],
  ['a page for another project', { headers: JSON_TYPE, body: page([goodFile({})], 'other') }],
  ['a server that never answers', { hang: true }],
  ['a server error', { status: 500, body: 'oops' }],
  ['too many requests', { status: 429, headers: { 'retry-after': '0' }, body: 'slow down' }],
  ['a size that is not a number', { headers: JSON_TYPE, body: page([goodFile({ size: '10' })]) }],
];

for (const [what, answer] of HOSTILE) {
  test(`hostile index: ${what} is a follow-error, never a log entry`, async (t) => {
    const idx = await startSyntheticIndex({ projects: 2 });
    t.after(() => idx.close());
    const dir = await newDataDir(t);
    idx.script('/simple/proj-0/', answer);
    const started = Date.now();
    const r = await followOnce(dir, testConfig(idx.simpleUrl), {
      clientOptions: { pageTimeoutMs: 500, idleTimeoutMs: 300, limits: { maxPageBytes: 100_000 }, backoff: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 10 } },
    });
    assert.ok(Date.now() - started < 10_000);
    const entries = await allEntries(dir);
    assert.deepEqual(entries.map((e) => e.project), ['proj-1', 'proj-1']);
    const errs = ofKind(await allAlerts(dir), 'follow-error');
    assert.equal(errs.length, 1);
    assert.equal(errs[0].project, 'proj-0');
    assert.equal(r.newAlerts.length, 1);
    const msg = String(errs[0].details.error);
    assert.ok(msg.length > 0 && msg.length < 1000 && !/[\n\r]/.test(msg), msg);
    assert.equal(r.status.caught_up, null);
  });
}

test('a failure that persists alerts once; after a recovery, a new failure alerts again', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  idx.script('/simple/proj-0/', { status: 500, times: 4 });
  await followOnce(dir, testConfig(idx.simpleUrl));
  await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(ofKind(await allAlerts(dir), 'follow-error').length, 1);
  await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal((await allEntries(dir)).length, 2);
  idx.addFile('proj-0', { filename: 'proj_0-2.0.tar.gz', version: '2.0', size: 3, sha256: fakeDigest('2'), blake2b256: fakeDigest('2b') });
  idx.script('/simple/proj-0/', { status: 503, times: 2 });
  await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(ofKind(await allAlerts(dir), 'follow-error').length, 2);
});

test('a hostile project list is a follow-error for the index, and nothing is polled', async (t) => {
  const idx = await startSyntheticIndex({ projects: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  idx.script('/simple/', { headers: JSON_TYPE, body: JSON.stringify({ meta: { 'api-version': '1.1' }, projects: [{ name: '../../etc' }] }) });
  const r = await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal(r.status.polled, 0);
  const errs = ofKind(await allAlerts(dir), 'follow-error');
  assert.equal(errs.length, 1);
  assert.equal(errs[0].project, '');
  assert.equal((await allEntries(dir)).length, 0);
});

test('a file URL whose BLAKE2b-256 differs from the claimed digest is a digest-mismatch, not an entry', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const b2 = fakeDigest('claimed b2');
  const urlB2 = fakeDigest('other b2');
  idx.script('/simple/proj-0/', {
    headers: JSON_TYPE,
    body: page([
      { filename: 'proj_0-1.0.tar.gz', url: `${idx.origin}/files/${urlB2.slice(0, 2)}/${urlB2.slice(2, 4)}/${urlB2.slice(4)}/proj_0-1.0.tar.gz`, hashes: { sha256: fakeDigest('s'), blake2b_256: b2 }, size: 5 },
    ]),
  });
  await followOnce(dir, testConfig(idx.simpleUrl));
  assert.equal((await allEntries(dir)).length, 0);
  const mm = ofKind(await allAlerts(dir), 'digest-mismatch');
  assert.equal(mm.length, 1);
  assert.equal(mm[0].severity, 'critical');
  assert.equal(mm[0].details.against, 'url');
  assert.equal((mm[0].details.found as { blake2b_256: string }).blake2b_256, urlB2);
});

test('every new alert reaches the channels once, the log\'s own hash-changed included', async (t) => {
  const idx = await startSyntheticIndex({ projects: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const chan = memoryChannel();
  await followOnce(dir, testConfig(idx.simpleUrl), { channels: [chan] });
  idx.changeFile('proj-0', idx.files('proj-0')[0].filename, fakeDigest('changed'));
  idx.removeProject('proj-1');
  await followOnce(dir, testConfig(idx.simpleUrl), { channels: [chan] });
  await followOnce(dir, testConfig(idx.simpleUrl), { channels: [chan] });
  assert.deepEqual(chan.sent.map((a) => a.kind).sort(), ['file-removed', 'file-removed', 'hash-changed']);
  const stored = await allAlerts(dir);
  assert.deepEqual(chan.sent.map((a) => a.id).sort(), stored.map((a) => a.id).sort());
});

test('follow-lagging once the follower has not caught up for longer than the threshold', async (t) => {
  const idx = await startSyntheticIndex({ projects: 1 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  let clock = Date.UTC(2025, 0, 1);
  const now = () => new Date(clock);
  await followOnce(dir, testConfig(idx.simpleUrl, { lagAfterMs: 3_600_000 }), { now });
  idx.script('/simple/', { status: 500 });
  clock += 30 * 60_000;
  await followOnce(dir, testConfig(idx.simpleUrl, { lagAfterMs: 3_600_000 }), { now });
  assert.equal(ofKind(await allAlerts(dir), 'follow-lagging').length, 0);
  clock += 60 * 60_000;
  await followOnce(dir, testConfig(idx.simpleUrl, { lagAfterMs: 3_600_000 }), { now });
  clock += 60 * 60_000;
  await followOnce(dir, testConfig(idx.simpleUrl, { lagAfterMs: 3_600_000 }), { now });
  const lag = ofKind(await allAlerts(dir), 'follow-lagging');
  assert.equal(lag.length, 1);
  assert.equal(lag[0].details.since, new Date(Date.UTC(2025, 0, 1)).toISOString());
  assert.equal(ofKind(await allAlerts(dir), 'follow-error').length, 1);
});

test('watched projects are checked every round, changed or not, until their manifest appears', async (t) => {
  const idx = await startSyntheticIndex({ projects: 2 });
  t.after(() => idx.close());
  const dir = await newDataDir(t);
  const { saveWatches } = await import('../../src/monitor/watches.ts');
  saveWatches(dir, [{ project: 'proj-1', manifest: 'https://publisher.example/{name}-{version}.hashes.txt', added: new Date(0).toISOString() }]);
  const asked: string[] = [];
  const fetchText = async (url: string) => (asked.push(url), { found: false as const, reason: 'HTTP 404' });
  const cfg = testConfig(idx.simpleUrl, { intervalMs: 100, manifestGraceMs: 0 });
  await followOnce(dir, cfg, { fetchText });
  assert.deepEqual(asked, ['https://publisher.example/proj_1-1.0.hashes.txt']);
  await new Promise((r) => setTimeout(r, 150));
  await followOnce(dir, cfg, { fetchText });
  assert.equal(asked.length, 2);
  // The page itself was fetched once: the project did not change.
  assert.equal(idx.hits.get('/simple/proj-1/'), 1);
  assert.deepEqual(ofKind(await allAlerts(dir), 'manifest-missing').map((a) => [a.project, a.version]), [['proj-1', '1.0']]);
});

test('followConfig gives the CLI defaults', async () => {
  const { followConfig } = await import('../../src/monitor/follow.ts');
  const c = followConfig('https://pypi.org/', { version: '1.0.0' });
  assert.deepEqual(
    [c.intervalMs, c.once, c.verifyRate, c.lateAfterMs, c.manifestGraceMs, c.lagAfterMs, c.concurrency, c.projects],
    [60_000, false, 0, 14 * 86_400_000, 86_400_000, 15 * 60_000, 4, undefined],
  );
  assert.equal(followConfig('https://pypi.org/', { version: '1', intervalMs: 600_000 }).lagAfterMs, 6_000_000);
});
