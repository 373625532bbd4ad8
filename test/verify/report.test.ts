import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countVerdicts, failureLines, resultJson, resultTable, summaryLine } from '../../src/verify/report.ts';
import type { VerifyResult, FileResult } from '../../src/verify/run.ts';

const H = 'a'.repeat(64);
const row = (over: Partial<FileResult>): FileResult => ({
  label: 'x-1.0-py3-none-any.whl',
  subject: { project: 'x', version: '1.0', filename: 'x-1.0-py3-none-any.whl', sha256: H, source: 'uv.lock:12', kind: 'lock' },
  verdict: 'ok',
  failed: false,
  log: { status: 'ok', index: 3 },
  ...over,
});

const V: VerifyResult = {
  ok: false,
  results: [
    row({}),
    row({ label: 'y', verdict: 'MISMATCH', failed: true, log: { status: 'MISMATCH', detail: 'sha256 a, log entry 9 says b', index: 9 } }),
    row({ label: 'z', verdict: 'not-in-manifest', failed: true, manifest: { status: 'not-in-manifest', detail: 'not listed', url: 'https://m' } }),
    row({ label: 'w', verdict: 'unknown', log: { status: 'unknown', detail: 'no entry' } }),
  ],
  warnings: ['uv.lock: a git dependency has no hashes'],
  locks: [{ path: 'uv.lock', format: 'uv', files: 4 }],
  checkpoint: { origin: 'log.example', size: 77, hash: new Uint8Array(32), extensions: [] },
};

test('verdicts are counted', () => {
  assert.deepEqual(countVerdicts(V.results), { ok: 1, unknown: 1, MISMATCH: 1, 'not-in-manifest': 1, error: 0 });
});

test('the table shows each check; LOCK only when a lock check was made', () => {
  const t = resultTable(V);
  assert.deepEqual(t.headers, ['FILE', 'LOG', 'MANIFEST', 'RESULT']);
  assert.deepEqual(t.rows[2], ['z', 'ok', 'not-in-manifest', 'not-in-manifest']);
  const withLock = resultTable({ ...V, results: [row({ lock: { status: 'ok' } })] });
  assert.deepEqual(withLock.headers, ['FILE', 'LOG', 'MANIFEST', 'LOCK', 'RESULT']);
  assert.deepEqual(withLock.rows[0], ['x-1.0-py3-none-any.whl', 'ok', '-', 'ok', 'ok']);
});

test('failure lines name the file, where it came from and why', () => {
  assert.deepEqual(failureLines(V), [
    'y (uv.lock:12): MISMATCH: log: sha256 a, log entry 9 says b',
    'z (uv.lock:12): not-in-manifest: manifest: not listed',
  ]);
});

test('the summary line counts and names the log size', () => {
  assert.equal(summaryLine(V, 'log.example'), 'FAILED: 4 files: 1 ok, 1 unknown, 1 MISMATCH, 1 not-in-manifest; log log.example at tree size 77');
  assert.equal(summaryLine({ ...V, ok: true, results: [row({})], checkpoint: undefined }, undefined), 'ok: 1 file: 1 ok; no log checked');
});

test('JSON has every file with its checks, nulls for what was not checked', () => {
  const j = resultJson(V, { origin: 'log.example', url: 'https://log.example' }) as any;
  assert.deepEqual(j.log, { origin: 'log.example', url: 'https://log.example', tree_size: 77, root_hash: 'A'.repeat(43) + '=' });
  assert.equal(j.ok, false);
  assert.deepEqual(j.summary, { files: 4, ok: 1, unknown: 1, MISMATCH: 1, 'not-in-manifest': 1, error: 0 });
  assert.deepEqual(j.files[1].log, { status: 'MISMATCH', detail: 'sha256 a, log entry 9 says b', index: 9 });
  assert.deepEqual(j.files[2].manifest, { status: 'not-in-manifest', detail: 'not listed', url: 'https://m', signer: null });
  assert.equal(j.files[0].lock, null);
  assert.equal(j.files[0].source, 'uv.lock:12');
  assert.equal(resultJson(V, undefined).log, null);
});
