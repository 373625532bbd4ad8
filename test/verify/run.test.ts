import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { verifyInputs, subjectLabel } from '../../src/verify/run.ts';
import type { VerifyDeps } from '../../src/verify/run.ts';
import { newLogClient } from '../../src/verify/logclient.ts';
import { diskCache } from '../../src/verify/diskcache.ts';
import { lookupCache } from '../../src/verify/lookupcache.ts';
import { checkpointStore } from '../../src/verify/state.ts';
import { manifestFinder } from '../../src/verify/manifests.ts';
import { httpGetter } from '../../src/verify/fetch.ts';
import type { Getter, Poster } from '../../src/verify/fetch.ts';
import { FetchError } from '../../src/verify/fetch.ts';
import { LogMisbehaviourError } from '../../src/verify/misbehaviour.ts';
import { InputError, SecurityError } from '../../src/errors.ts';
import type { Entry } from '../../src/log/entry.ts';
import { entry, logKey, memLog, memServer } from './support/memlog.ts';
import { tempDir } from './support/cli.ts';
import { manifestText } from './support/ssh.ts';

const KEY = logKey(5);
const BASE = 'http://127.0.0.1:9';

/** sha256, blake2b-256 and size of a file, from python3's hashlib (the oracle). */
function pyDigests(path: string): { sha256: string; blake2b_256: string; size: number } {
  const r = spawnSync('python3', ['-c', 'import hashlib,sys,os;d=open(sys.argv[1],"rb").read();print(hashlib.sha256(d).hexdigest(),hashlib.blake2b(d,digest_size=32).hexdigest(),len(d))', path], { encoding: 'utf8' });
  const [sha256, blake2b_256, size] = r.stdout.trim().split(' ');
  return { sha256, blake2b_256, size: Number(size) };
}

function wheel(dir: string, name: string, content: string): { path: string; entry: Entry } {
  const path = join(dir, name);
  writeFileSync(path, content);
  const d = pyDigests(path);
  const [project, version] = name.split('-');
  return { path, entry: { project: project.replace(/_/g, '-'), version, filename: name, size: d.size, sha256: d.sha256, blake2b256: d.blake2b_256 } };
}

async function deps(dir: string, get: Getter, extra: Partial<VerifyDeps> = {}, post?: Poster): Promise<VerifyDeps> {
  const client = newLogClient({ url: BASE, verifierKey: KEY.verifierKey, get, post, cache: diskCache(join(dir, 'cache')), lookups: lookupCache(join(dir, 'cache', 'lookups')), state: checkpointStore(join(dir, 'state'), () => new Date()), offline: false, concurrency: 4 });
  await client.start();
  return { client, policies: new Map(), findManifest: manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now: () => new Date() }), strict: false, concurrency: 4, ...extra };
}

test('downloaded files are hashed and checked against the log; other bytes are a MISMATCH', async (t) => {
  const dir = tempDir(t);
  const wh = join(dir, 'wheelhouse');
  mkdirSync(wh);
  const a = wheel(wh, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const b = wheel(wh, 'beta-2.0-py3-none-any.whl', 'beta bytes');
  const c = wheel(wh, 'gamma-3.0-py3-none-any.whl', 'gamma bytes');
  const log = memLog(KEY.signerKey, [a.entry, { ...b.entry, sha256: a.entry.sha256 }]);
  const r = await verifyInputs({ locks: [], dists: [a.path, b.path, c.path] }, await deps(dir, memServer(BASE, log)));
  assert.deepEqual(r.results.map((x) => [x.label, x.log?.status, x.verdict, x.failed]), [
    ['alpha-1.0-py3-none-any.whl', 'ok', 'ok', false],
    ['beta-2.0-py3-none-any.whl', 'MISMATCH', 'MISMATCH', true],
    ['gamma-3.0-py3-none-any.whl', 'unknown', 'unknown', false],
  ]);
  assert.equal(r.ok, false);
  assert.equal(r.checkpoint?.size, 2);
});

test('lock entries without file names are looked up by sha256; strict fails unknown ones', async (t) => {
  const dir = tempDir(t);
  const a = wheel(dir, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const log = memLog(KEY.signerKey, [a.entry]);
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `alpha==1.0 --hash=sha256:${a.entry.sha256} --hash=sha256:${'0'.repeat(64)}\n`);
  const srv = memServer(BASE, log);
  const r = await verifyInputs({ locks: [req], dists: [] }, await deps(dir, srv));
  assert.deepEqual(r.results.map((x) => [x.subject.source, x.verdict]), [[`${req}:1`, 'ok'], [`${req}:1`, 'unknown']]);
  assert.equal(r.ok, true);
  assert.equal(srv.hits.get('lookup/sha256'), 2);
  const strict = await verifyInputs({ locks: [req], dists: [] }, await deps(dir, srv, { strict: true }));
  assert.equal(strict.ok, false);
  assert.equal(subjectLabel(r.results[1].subject), `alpha 1.0 (sha256:${'0'.repeat(16)}…)`);
});

test('downloaded files with a lock: checked against it; lock entries they cover are not repeated', async (t) => {
  const dir = tempDir(t);
  const a = wheel(dir, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const stray = wheel(dir, 'stray-1.0-py3-none-any.whl', 'stray');
  const log = memLog(KEY.signerKey, [a.entry, stray.entry]);
  const req = join(dir, 'requirements.txt');
  writeFileSync(req, `alpha==1.0 --hash=sha256:${a.entry.sha256} --hash=sha256:${'1'.repeat(64)}\n`);
  const r = await verifyInputs({ locks: [req], dists: [a.path, stray.path] }, await deps(dir, memServer(BASE, log)));
  assert.deepEqual(r.results.map((x) => [x.label, x.lock?.status, x.verdict]), [
    ['alpha-1.0-py3-none-any.whl', 'ok', 'ok'],
    ['stray-1.0-py3-none-any.whl', 'MISMATCH', 'MISMATCH'],
    [`alpha 1.0 (sha256:${'1'.repeat(16)}…)`, undefined, 'unknown'],
  ]);
  assert.match(r.results[1].lock!.detail!, /do not pin stray/);
});

test('a trust policy brings in the publisher\'s manifest', async (t) => {
  const dir = tempDir(t);
  const a = wheel(dir, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const extra = wheel(dir, 'alpha-1.0-cp312-none-any.whl', 'extra');
  const rel = join(dir, 'rel');
  mkdirSync(rel);
  writeFileSync(join(rel, 'alpha-1.0.hashes.txt'), manifestText('alpha', '1.0', [{ filename: a.entry.filename, sha256: a.entry.sha256, blake2b_256: a.entry.blake2b256! }]));
  const log = memLog(KEY.signerKey, [a.entry]);
  const policies = new Map([['alpha', { project: 'alpha', manifest: `${pathToFileURL(rel).href}/{name}-{version}.hashes.txt`, source: 'test' }]]);
  const r = await verifyInputs({ locks: [], dists: [a.path, extra.path] }, await deps(dir, memServer(BASE, log), { policies }));
  assert.deepEqual(r.results.map((x) => [x.log?.status, x.manifest?.status, x.verdict]), [
    ['ok', 'ok', 'ok'],
    ['unknown', 'not-in-manifest', 'not-in-manifest'],
  ]);
});

test('a failed lookup is that file\'s error; a misbehaving log stops the run', async (t) => {
  const dir = tempDir(t);
  const a = wheel(dir, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const b = wheel(dir, 'beta-1.0-py3-none-any.whl', 'beta bytes');
  const log = memLog(KEY.signerKey, [a.entry, b.entry]);
  const honest = memServer(BASE, log);
  const flaky: Getter = async (url, max) => {
    if (url.includes('beta')) throw new FetchError(`cannot fetch ${url}: ECONNRESET`);
    return honest(url, max);
  };
  const r = await verifyInputs({ locks: [], dists: [a.path, b.path] }, await deps(dir, flaky));
  assert.deepEqual(r.results.map((x) => x.verdict), ['ok', 'error']);
  assert.match(r.results[1].log!.detail!, /ECONNRESET/);

  const lying = memServer(BASE, log, {
    tamper: (path, res) => (path.startsWith('lookup/') ? { ...res, body: new TextEncoder().encode(Buffer.from(res.body).toString().replace(/index 1\\n/, 'index 0\\n')) } : res),
  });
  await assert.rejects(verifyInputs({ locks: [], dists: [b.path] }, await deps(tempDir(t), lying)), LogMisbehaviourError);
});

test('lock entries with file names are looked up in batches; a lying batch stops the run', async (t) => {
  const dir = tempDir(t);
  const files = Array.from({ length: 150 }, (_, i) => entry(i, `pkg-${i}`));
  const log = memLog(KEY.signerKey, files.slice(0, 149));
  const lock = join(dir, 'pylock.toml');
  let text = 'lock-version = "1.0"\ncreated-by = "test"\n';
  for (const e of files) text += `\n[[packages]]\nname = "${e.project}"\nversion = "${e.version}"\n\n[[packages.wheels]]\nname = "${e.filename}"\nhashes = { sha256 = "${e.sha256}" }\n`;
  writeFileSync(lock, text);
  const srv = memServer(BASE, log);
  const d = await deps(dir, srv, {}, srv.post);
  const r = await verifyInputs({ locks: [lock], dists: [] }, d);
  assert.deepEqual(r.results.map((x) => x.verdict), [...Array(149).fill('ok'), 'unknown']);
  assert.equal(srv.hits.get('lookup'), undefined, 'no single lookups');
  assert.deepEqual(srv.batches.map((b) => b.length).sort(), [100, 50].sort());

  const liar = memServer(BASE, log, { tamperBatch: (_n, j) => ({ ...j, results: j.results.slice(1) }) });
  await assert.rejects(verifyInputs({ locks: [lock], dists: [] }, await deps(tempDir(t), liar, {}, liar.post)), (e: unknown) => e instanceof LogMisbehaviourError && e.report.kind === 'bad-answer');
});

test('the client may still be starting while the inputs are read; its failure is reported first', async (t) => {
  const dir = tempDir(t);
  const a = wheel(dir, 'alpha-1.0-py3-none-any.whl', 'alpha bytes');
  const log = memLog(KEY.signerKey, [a.entry]);
  const srv = memServer(BASE, log);
  const client = newLogClient({ url: BASE, verifierKey: KEY.verifierKey, get: srv, post: srv.post, cache: diskCache(undefined), lookups: lookupCache(undefined), state: checkpointStore(join(dir, 'state'), () => new Date()), offline: false, concurrency: 4 });
  const base = { client, policies: new Map(), findManifest: manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now: () => new Date() }), strict: false, concurrency: 4 };
  const r = await verifyInputs({ locks: [], dists: [a.path] }, { ...base, started: client.start() });
  assert.deepEqual(r.results.map((x) => x.verdict), ['ok']);
  assert.equal(r.checkpoint?.size, 1);

  const failed = Promise.reject(new SecurityError('the log misbehaved'));
  failed.catch(() => {});
  await assert.rejects(verifyInputs({ locks: [join(dir, 'missing.txt')], dists: [] }, { ...base, started: failed }), (e: unknown) => e instanceof SecurityError);
  await assert.rejects(verifyInputs({ locks: [], dists: [a.path] }, { ...base, started: failed }), (e: unknown) => e instanceof SecurityError);
  await assert.rejects(verifyInputs({ locks: [join(dir, 'missing.txt')], dists: [] }, { ...base, started: Promise.resolve() }), (e: unknown) => e instanceof InputError && !(e instanceof SecurityError));
});
