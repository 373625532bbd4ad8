import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  digestMismatchAlert,
  fileAddedLateAlert,
  fileRemovedAlert,
  followErrorAlert,
  INDEX_WIDE,
  laggingAlert,
  manifestMismatchAlert,
  MONITOR_ALERT_SEVERITY,
  notInManifestAlert,
  severityOf,
  testAlert,
} from '../../src/monitor/alerts.ts';
import { ALERT_SEVERITY } from '../../src/log/alerts.ts';

const seen = new Date('2025-03-01T00:00:00Z');
const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

test('the log\'s critical kinds keep their severity here', () => {
  for (const k of ['hash-changed', 'not-in-manifest', 'manifest-mismatch']) assert.equal(MONITOR_ALERT_SEVERITY[k], ALERT_SEVERITY[k]);
  assert.equal(severityOf('something-new'), 'warning');
  assert.equal(severityOf('digest-mismatch'), 'critical');
});

test('dedup keys: the same condition has the same key, another condition another', () => {
  const e1 = followErrorAlert('demo', 'HTTP 500', 'u', new Date(1000), seen);
  const e2 = followErrorAlert('demo', 'HTTP 502', 'u', new Date(1000), new Date(seen.getTime() + 5000));
  const e3 = followErrorAlert('demo', 'HTTP 500', 'u', new Date(9000), seen);
  assert.equal(e1.dedupKey, e2.dedupKey);
  assert.notEqual(e1.dedupKey, e3.dedupKey);
  assert.equal(fileRemovedAlert('demo', 'demo-1.0.tar.gz', '1.0', 'u', seen).dedupKey, fileRemovedAlert('demo', 'demo-1.0.tar.gz', undefined, 'v', new Date()).dedupKey);
  const m1 = digestMismatchAlert('demo', '1.0', 'f.whl', 'url', { blake2b_256: a }, { blake2b_256: b }, 'u', seen);
  const m2 = digestMismatchAlert('demo', '1.0', 'f.whl', 'url', { blake2b_256: a }, { blake2b_256: a.replace('a', 'c') }, 'u', seen);
  const m3 = digestMismatchAlert('demo', '1.0', 'f.whl', 'bytes', { blake2b_256: a }, { blake2b_256: b }, 'u', seen);
  assert.equal(new Set([m1.dedupKey, m2.dedupKey, m3.dedupKey]).size, 3);
  const src = { url: 'https://pub/m', sha256: a };
  assert.notEqual(notInManifestAlert('demo', '1.0', 'f.whl', { sha256: a }, src, seen).dedupKey, notInManifestAlert('demo', '1.0', 'f.whl', { sha256: a }, { ...src, sha256: b }, seen).dedupKey);
  assert.equal(manifestMismatchAlert('demo', '1.0', 'f.whl', { sha256: a }, { sha256: b }, src, seen).severity, 'critical');
});

test('alerts say what happened in one line and carry their evidence', () => {
  const late = fileAddedLateAlert('demo', '1.0', 'demo-1.0-cp313-cp313-win_amd64.whl', { size: 5, sha256: a }, { releaseStart: new Date('2025-01-01T00:00:00Z'), appeared: seen }, 14 * 86_400_000, 'u', seen);
  assert.equal(late.details.summary, 'demo-1.0-cp313-cp313-win_amd64.whl appeared in demo 1.0 59.0 days after the release\'s first file');
  assert.deepEqual(late.details.claimed, { size: 5, sha256: a, blake2b_256: null });
  assert.equal(late.details.threshold_days, 14);
  const lag = laggingAlert(new Date(seen.getTime() - 3 * 3_600_000), 12, seen);
  assert.equal(lag.project, INDEX_WIDE);
  assert.match(String(lag.details.summary), /for 180 minutes \(12 projects pending\)/);
  assert.equal(testAlert(seen).kind, 'test-alert');
  assert.equal(testAlert(seen).severity, 'info');
});
