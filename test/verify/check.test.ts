import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimDiff, finalVerdict, judgeAgainstLock, judgeLog, judgeManifest } from '../../src/verify/check.ts';
import type { Subject } from '../../src/verify/check.ts';
import type { Entry } from '../../src/log/entry.ts';
import type { LockedFile } from '../../src/verify/locks/types.ts';
import type { ProvenEntry } from '../../src/verify/answers.ts';
import type { Manifest } from '../../src/manifest/manifest.ts';

const H = (c: string) => c.repeat(64);
const E: Entry = { project: 'example-pkg', version: '1.2.0', filename: 'example_pkg-1.2.0-py3-none-any.whl', size: 1234, sha256: H('a'), blake2b256: H('b') };
const found = (...es: Entry[]) => ({ status: 'found' as const, entries: es.map((entry, i): ProvenEntry => ({ index: 40 + i, entry, record: new Uint8Array(), checkpoint: { origin: 'o', size: 99, hash: new Uint8Array(32), extensions: [] } })) });
const S = (s: Partial<Subject>): Subject => ({ project: 'example-pkg', source: 'lock:3', kind: 'lock', ...s });

test('claimDiff compares only what both sides give', () => {
  assert.deepEqual(claimDiff({ sha256: H('a') }, { sha256: H('a'), size: 5 }, 'x'), { compared: 1 });
  assert.deepEqual(claimDiff({ size: 4 }, { size: 5 }, 'the log'), { diff: 'size 4, the log says 5', compared: 0 });
  assert.equal(claimDiff({ sha256: H('a'), blake2b_256: H('c') }, { sha256: H('a'), blake2b_256: H('b') }, 'm').diff, `blake2b-256 ${H('c')}, m says ${H('b')}`);
  assert.deepEqual(claimDiff({}, { sha256: H('a') }, 'x'), { compared: 0 });
});

test('log: a named file agreeing with its proven entry is ok; any differing digest or size is a MISMATCH', () => {
  assert.deepEqual(judgeLog(S({ filename: E.filename, sha256: H('a') }), found(E)), { status: 'ok', index: 40, entry: E });
  const flipped = judgeLog(S({ filename: E.filename, sha256: H('a').slice(0, 63) + 'b' }), found(E));
  assert.equal(flipped.status, 'MISMATCH');
  assert.match(flipped.detail!, /^sha256 a{63}b, log entry 40 says a{64}$/);
  assert.equal(judgeLog(S({ filename: E.filename, sha256: H('a'), size: 1 }), found(E)).status, 'MISMATCH');
  assert.equal(judgeLog(S({ filename: E.filename, blake2b_256: H('c') }), found(E)).status, 'MISMATCH');
  // Another project's file under this name, or another version.
  assert.equal(judgeLog(S({ project: 'other', filename: E.filename, sha256: H('a') }), found(E)).status, 'MISMATCH');
  assert.equal(judgeLog(S({ version: '1.3', filename: E.filename, sha256: H('a') }), found(E)).status, 'MISMATCH');
  assert.equal(judgeLog(S({ version: '1.2', filename: E.filename, sha256: H('a') }), found(E)).status, 'ok', 'PEP 440 equal versions');
});

test('log: nothing comparable, absent and uncached answers are unknown', () => {
  assert.equal(judgeLog(S({ filename: E.filename, md5: H('1').slice(0, 32) }), found(E)).status, 'unknown');
  assert.equal(judgeLog(S({ filename: E.filename, sha256: H('a') }), { status: 'absent' }).status, 'unknown');
  assert.match(judgeLog(S({ sha256: H('a') }), { status: 'uncached' }).detail!, /offline/);
});

test('log: by sha256 the bytes must be recorded for this project', () => {
  assert.equal(judgeLog(S({ sha256: H('a'), version: '1.2.0' }), found(E)).status, 'ok');
  const other = { ...E, project: 'evil', filename: 'evil-1.0-py3-none-any.whl' };
  const r = judgeLog(S({ sha256: H('a') }), found(other));
  assert.equal(r.status, 'MISMATCH');
  assert.match(r.detail!, /evil-1\.0-py3-none-any\.whl of project evil/);
  assert.equal(judgeLog(S({ sha256: H('a') }), found(other, E)).index, 41);
});

const M: Manifest = {
  project: 'Example-Pkg',
  version: '1.2.0',
  files: [
    { filename: E.filename, sha256: H('a'), blake2b_256: H('b'), size: 1234 },
    { filename: 'example_pkg-1.2.0.tar.gz', sha256: H('d'), blake2b_256: H('e') },
  ],
};

test('manifest: listed and equal is ok; other bytes MISMATCH; unlisted not-in-manifest', () => {
  const ok = { status: 'ok' as const, url: 'u', manifest: M };
  assert.deepEqual(judgeManifest(S({ filename: E.filename, sha256: H('a') }), ok), { status: 'ok', url: 'u' });
  assert.equal(judgeManifest(S({ filename: E.filename, sha256: H('f') }), ok).status, 'MISMATCH');
  assert.equal(judgeManifest(S({ filename: 'example_pkg-1.2.0-cp312-none-any.whl', sha256: H('a') }), ok).status, 'not-in-manifest');
  assert.equal(judgeManifest(S({ sha256: H('d') }), ok).status, 'ok', 'found by digest when the lock has no file name');
  assert.equal(judgeManifest(S({ sha256: H('9') }), ok).status, 'not-in-manifest');
});

test('manifest: a manifest that is not the publisher\'s is a MISMATCH; a missing one an error', () => {
  assert.deepEqual(judgeManifest(S({ sha256: H('a') }), { status: 'bad', url: 'u', why: 'bad signature' }), { status: 'MISMATCH', detail: 'bad signature', url: 'u' });
  assert.equal(judgeManifest(S({ sha256: H('a') }), { status: 'missing', url: 'u' }).status, 'error');
  assert.equal(judgeManifest(S({ sha256: H('a') }), { status: 'error', why: 'offline' }).status, 'error');
});

const L = (l: Partial<LockedFile>): LockedFile => ({ name: 'example-pkg', hashes: {}, source: { path: 'req.txt', line: 7 }, ...l });

test('lock: a downloaded file must match one pinned entry', () => {
  const file = S({ kind: 'file', filename: E.filename, sha256: H('a'), blake2b_256: H('b'), size: 1234 });
  const pinned = L({ filename: E.filename, hashes: { sha256: H('a') } });
  assert.deepEqual(judgeAgainstLock(file, [pinned]), { check: { status: 'ok', source: 'req.txt:7' }, matched: pinned });
  assert.equal(judgeAgainstLock(file, [L({ filename: E.filename, hashes: { sha256: H('c') } })]).check.status, 'MISMATCH');
  // Hash-only entries (requirements): any of the project's hashes.
  const two = [L({ hashes: { sha256: H('c') } }), L({ hashes: { sha256: H('a') }, source: { path: 'req.txt', line: 8 } })];
  assert.equal(judgeAgainstLock(file, two).check.source, 'req.txt:8');
  assert.match(judgeAgainstLock(file, [L({ hashes: { sha256: H('c') } })]).check.detail!, /none of the 1 hashes/);
  assert.match(judgeAgainstLock(file, [L({ name: 'other', hashes: { sha256: H('a') } })]).check.detail!, /do not pin example-pkg/);
  assert.equal(judgeAgainstLock(file, [L({ hashes: { sha512: H('a') + H('a') } })]).check.status, 'error');
});

test('final verdicts: worst check wins; unknown fails only when strict or required', () => {
  const ok = { status: 'ok' as const };
  const unknown = { status: 'unknown' as const };
  assert.deepEqual(finalVerdict({ log: ok }, false), { verdict: 'ok', failed: false });
  assert.deepEqual(finalVerdict({ log: unknown }, false), { verdict: 'unknown', failed: false });
  assert.deepEqual(finalVerdict({ log: unknown }, true), { verdict: 'unknown', failed: true });
  assert.deepEqual(finalVerdict({ log: unknown, manifest: ok }, true), { verdict: 'ok', failed: false }, 'the publisher vouches for it');
  assert.deepEqual(finalVerdict({ log: unknown, manifest: ok, requireLog: true }, false), { verdict: 'unknown', failed: true });
  assert.deepEqual(finalVerdict({ log: ok, manifest: { status: 'not-in-manifest' } }, false), { verdict: 'not-in-manifest', failed: true });
  assert.deepEqual(finalVerdict({ log: { status: 'MISMATCH' }, manifest: { status: 'not-in-manifest' } }, false), { verdict: 'MISMATCH', failed: true });
  assert.deepEqual(finalVerdict({ log: ok, lock: { status: 'MISMATCH' } }, false), { verdict: 'MISMATCH', failed: true });
  assert.deepEqual(finalVerdict({ log: ok, manifest: { status: 'error' } }, false), { verdict: 'error', failed: true });
  assert.deepEqual(finalVerdict({}, false), { verdict: 'unknown', failed: false }, '--no-log without a policy');
});
