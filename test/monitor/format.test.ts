import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertLine, alertRecord, alertSummary } from '../../src/monitor/format.ts';
import { hashChangedAlert } from '../../src/log/alerts.ts';
import type { StoredAlert } from '../../src/store/store.ts';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

test('hash-changed (raised by the log, without a summary) gets one built from its details', () => {
  const logged = { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', size: 10, sha256: a };
  const alert = { ...hashChangedAlert(logged, 7, { ...logged, sha256: b, size: 11 }, 'https://index/simple/demo/', new Date('2025-01-01T00:00:00Z')), id: 3 };
  assert.equal(alertSummary(alert), `demo-1.0.tar.gz: the index now serves sha256 ${b}, size 11; the log recorded sha256 ${a}, size 10 at entry 7`);
  assert.equal(alertLine(alert), `2025-01-01T00:00:00.000Z CRITICAL hash-changed #3 demo demo-1.0.tar.gz: ${alertSummary(alert)}`);
});

test('index-wide alerts and hostile text', () => {
  const x: StoredAlert = { id: 1, kind: 'follow-error', severity: 'warning', project: '', created: 't', details: { summary: 'bad\u001b]0;pwned\u0007\nsecond line\u2028x' }, dedupKey: 'k' };
  assert.equal(alertLine(x), 't WARNING follow-error #1 (index): bad ]0;pwned second line x');
  const rec = alertRecord({ ...x, resolvedAt: 'later' }, 'origin');
  assert.equal(rec.resolved_at, 'later');
  assert.equal(rec.filename, null);
  assert.equal(rec.project, '');
  assert.equal(alertSummary({ ...x, details: {} }), 'follow-error: (index)');
});
