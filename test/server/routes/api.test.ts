// The JSON read API: projects (normalized names, paging), alerts (filters, paging), status.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FOLLOWER_META_KEY } from '../../../src/server/options.ts';
import { bodyJson, ORIGIN, T0, entry, logFixture, manyEntries, sha256hex } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';

let f: Fixture;

before(async () => {
  f = await logFixture();
  await f.append(manyEntries('alpha-pkg', 7));
  await f.append(manyEntries('beta', 2));
  // The index serves other bytes under a logged name: refused, a hash-changed alert.
  await f.append([entry('alpha-pkg', '1.0', 'alpha_pkg-1.0-0.tar.gz', 100, 'tampered')]);
  await f.open.writer!.addAlerts([
    { kind: 'file-removed', severity: 'warning', project: 'beta', filename: 'beta-1.0-0.tar.gz', created: T0.toISOString(), details: { why: 'gone' }, dedupKey: 'r1' },
    { kind: 'file-added-late', severity: 'warning', project: 'beta', created: T0.toISOString(), details: {}, dedupKey: 'r2' },
  ]);
});
after(() => f.close());

const json = async (p: string) => {
  const r = await f.request(p);
  return { status: r.status, body: await bodyJson(r), headers: r.headers };
};

test('a project by any spelling of its name: every file with hashes, index and first seen', async () => {
  const r = await json('/api/v1/projects/Alpha_Pkg');
  assert.equal(r.status, 200);
  assert.equal(r.body.project, 'alpha-pkg');
  assert.equal(r.body.files.length, 7);
  assert.equal(r.body.next_after, null);
  assert.deepEqual(r.body.files[0], {
    project: 'alpha-pkg',
    version: '1.0',
    filename: 'alpha_pkg-1.0-0.tar.gz',
    size: 100,
    sha256: sha256hex('alpha_pkg-1.0-0.tar.gz'),
    blake2b_256: sha256hex('b2alpha_pkg-1.0-0.tar.gz'),
    index: 0,
    first_seen: T0.toISOString(),
  });
  assert.deepEqual(r.body.files.map((x: { index: number }) => x.index), [0, 1, 2, 3, 4, 5, 6]);
});

test('project pages: limit and after walk the files exactly once', async () => {
  const seen: number[] = [];
  let after = -1;
  for (let pages = 0; pages < 10; pages++) {
    const r = await json(`/api/v1/projects/alpha-pkg?limit=3&after=${after}`);
    seen.push(...r.body.files.map((x: { index: number }) => x.index));
    if (r.body.next_after === null) break;
    after = r.body.next_after;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
});

test('projects: unknown is 404, bad names and parameters are 400', async () => {
  assert.equal((await json('/api/v1/projects/nope')).status, 404);
  for (const p of ['/api/v1/projects/-bad-', `/api/v1/projects/${'a'.repeat(300)}`, '/api/v1/projects/a%20b', '/api/v1/projects/alpha?limit=0', '/api/v1/projects/alpha?limit=100000', '/api/v1/projects/alpha?after=x']) {
    const r = await json(p);
    assert.equal(r.status, 400, p);
    assert.equal(typeof r.body.error, 'string');
  }
});

test('alerts: all, filtered, paged', async () => {
  const all = await json('/api/v1/alerts');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.alerts.map((a: { kind: string }) => a.kind), ['hash-changed', 'file-removed', 'file-added-late']);
  const hc = all.body.alerts[0];
  assert.equal(hc.severity, 'critical');
  assert.equal(hc.project, 'alpha-pkg');
  assert.equal(hc.filename, 'alpha_pkg-1.0-0.tar.gz');
  assert.equal(hc.resolved_at, null);
  assert.equal(hc.details.logged.sha256, sha256hex('alpha_pkg-1.0-0.tar.gz'));
  assert.equal(hc.details.claimed.sha256, sha256hex('alpha_pkg-1.0-0.tar.gztampered'));
  assert.equal('dedupKey' in hc, false);
  assert.deepEqual((await json('/api/v1/alerts?project=Beta')).body.alerts.map((a: { kind: string }) => a.kind), ['file-removed', 'file-added-late']);
  assert.deepEqual((await json('/api/v1/alerts?kind=file-removed')).body.alerts.length, 1);
  assert.deepEqual((await json('/api/v1/alerts?filename=beta-1.0-0.tar.gz')).body.alerts.length, 1);
  const p1 = await json('/api/v1/alerts?limit=2');
  assert.equal(p1.body.alerts.length, 2);
  const p2 = await json(`/api/v1/alerts?limit=2&after=${p1.body.next_after}`);
  assert.deepEqual(p2.body.alerts.map((a: { kind: string }) => a.kind), ['file-added-late']);
  assert.equal(p2.body.next_after, null);
  await f.open.writer!.resolveAlert(all.body.alerts[1].id);
  const open = await json('/api/v1/alerts?open=1');
  assert.deepEqual(open.body.alerts.map((a: { kind: string }) => a.kind), ['hash-changed', 'file-added-late']);
  for (const p of ['/api/v1/alerts?kind=BAD KIND', '/api/v1/alerts?limit=0', '/api/v1/alerts?limit=1001', '/api/v1/alerts?after=-1', '/api/v1/alerts?open=perhaps', `/api/v1/alerts?filename=${'x'.repeat(2000)}`]) {
    assert.equal((await json(p)).status, 400, p);
  }
});

test('status: origin, key, size, checkpoint, writer, follower state', async () => {
  const r = await json('/api/v1/status');
  assert.equal(r.status, 200);
  assert.equal(r.body.origin, ORIGIN);
  assert.equal(r.body.verifier_key, f.open.info.verifierKey);
  assert.equal(r.body.size, 9);
  assert.equal(r.body.checkpoint.size, 9);
  assert.match(r.body.checkpoint.note, /^test\.example\/log\n9\n/);
  assert.equal(r.body.writable, true);
  assert.equal(r.body.follower, null);
  await f.open.store.readWrite((tx) => tx.setMeta(FOLLOWER_META_KEY, JSON.stringify({ serial: 42, lag_seconds: 3 })));
  assert.deepEqual((await json('/api/v1/status')).body.follower, { serial: 42, lag_seconds: 3 });
});
