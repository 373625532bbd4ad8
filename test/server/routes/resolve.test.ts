// POST /api/v1/alerts/<id>/resolve: the admin marks an alert dealt with, over HTTP, while the server
// (and its follower) keep the writer lock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, TOKEN, bodyJson, logFixture } from '../support/fixture.ts';

const alerts = [
  { kind: 'file-removed', severity: 'warning' as const, project: 'beta', filename: 'beta-1.0.tar.gz', created: T0.toISOString(), details: {}, dedupKey: 'a' },
  { kind: 'file-added-late', severity: 'warning' as const, project: 'beta', created: T0.toISOString(), details: {}, dedupKey: 'b' },
];
const auth = { authorization: `Bearer ${TOKEN}` };

test('the admin resolves an open alert once; it then lists as resolved', async (t) => {
  const f = await logFixture();
  t.after(() => f.close());
  const [id] = await f.open.writer!.addAlerts(alerts);
  const r = await f.request(`/api/v1/alerts/${id}/resolve`, { method: 'POST', headers: auth });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await bodyJson(r), { id, resolved: true });
  const again = await f.request(`/api/v1/alerts/${id}/resolve`, { method: 'POST', headers: auth });
  assert.equal(again.status, 404);
  assert.match((await bodyJson(again)).error, /is not open/);
  const open = await bodyJson(await f.request('/api/v1/alerts?open=1'));
  assert.deepEqual(open.alerts.map((a: { kind: string }) => a.kind), ['file-added-late']);
  const listed = await bodyJson(await f.request('/api/v1/alerts'));
  assert.equal(listed.alerts[0].resolved_at, T0.toISOString());
});

test('without the admin token: 401 with a challenge; bad ids 400; unknown ids 404; read-only servers 405', async (t) => {
  const f = await logFixture();
  t.after(() => f.close());
  const [id] = await f.open.writer!.addAlerts(alerts);
  const none = await f.request(`/api/v1/alerts/${id}/resolve`, { method: 'POST' });
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  const wrong = await f.request(`/api/v1/alerts/${id}/resolve`, { method: 'POST', headers: { authorization: 'Bearer not-the-token-at-all' } });
  assert.equal(wrong.status, 401);
  for (const bad of ['0', '-1', 'abc', '1e3', '9'.repeat(20)]) {
    assert.equal((await f.request(`/api/v1/alerts/${bad}/resolve`, { method: 'POST', headers: auth })).status, 400, bad);
  }
  assert.equal((await f.request('/api/v1/alerts/999/resolve', { method: 'POST', headers: auth })).status, 404);
  assert.equal((await f.request(`/api/v1/alerts/${id}/resolve`, { headers: auth })).status, 404);
  // The alert is still open after all that.
  assert.equal((await bodyJson(await f.request('/api/v1/alerts?open=1'))).alerts.length, 2);
  const ro = await logFixture({ readOnly: true });
  t.after(() => ro.close());
  assert.equal((await ro.request('/api/v1/alerts/1/resolve', { method: 'POST', headers: auth })).status, 405);
});
