import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkManifests, releaseFingerprint, releasesInScope } from '../../src/monitor/manifests.ts';
import type { TextFetch } from '../../src/monitor/fetchtext.ts';
import type { Entry } from '../../src/log/entry.ts';
import type { ProjectState } from '../../src/monitor/state.ts';
import type { Watch } from '../../src/monitor/watches.ts';
import { fakeDigest } from './support/synthetic-index.ts';

const HOUR = 3_600_000;
const ADDED = Date.UTC(2025, 0, 1);
const now = () => new Date(ADDED + 10 * HOUR);
const OPTS = { graceMs: 24 * HOUR, recheckMs: HOUR };

const e = (filename: string, version: string, tag = filename): Entry => ({ project: 'demo', version, filename, size: 10, sha256: fakeDigest(tag), blake2b256: fakeDigest(`b2 ${tag}`) });
const WHEEL = e('demo-1.0-py3-none-any.whl', '1.0');
const SDIST = e('demo-1.0.tar.gz', '1.0');
const OLD = e('demo-0.9.tar.gz', '0.9');

function state(): ProjectState {
  return {
    files: new Map([[WHEEL.filename, '1.0'], [SDIST.filename, '1.0'], [OLD.filename, '0.9']]),
    versions: new Map([['1.0', ADDED + HOUR], ['0.9', ADDED - HOUR]]),
    polled: ADDED + 2 * HOUR,
  };
}
const watch = (over: Partial<Watch> = {}): Watch => ({ project: 'demo', manifest: 'https://pub.example/{name}-{version}.hashes.txt', added: new Date(ADDED).toISOString(), ...over });

function manifest(files: Entry[], project = 'demo', version = '1.0'): string {
  const lines = ['# distsum release manifest v1', `# project: ${project}`, `# version: ${version}`];
  for (const f of files) lines.push(`# size (${f.filename}) = ${f.size}`, `SHA256 (${f.filename}) = ${f.sha256}`, `BLAKE2b-256 (${f.filename}) = ${f.blake2b256}`);
  return lines.join('\n') + '\n';
}

function site(files: Record<string, string | Buffer>): { fetch: TextFetch; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: async (url) => {
      asked.push(url);
      const body = files[url];
      return body === undefined ? { found: false, reason: `${url} answered HTTP 404` } : { found: true, body: Buffer.from(body), url };
    },
  };
}
const URL10 = 'https://pub.example/demo-1.0.hashes.txt';

test('only releases first seen after the watch was added are in scope (all of them with allVersions)', () => {
  const logged = [WHEEL, SDIST, OLD, e('demo-1.0.zip', '1.0')];
  assert.deepEqual([...releasesInScope(watch(), state(), logged).keys()], ['1.0']);
  assert.deepEqual(releasesInScope(watch(), state(), logged).get('1.0'), [WHEEL, SDIST]);
  assert.deepEqual([...releasesInScope(watch({ allVersions: true }), state(), logged).keys()].sort(), ['0.9', '1.0']);
});

test('a complete manifest matches; one that omits or misstates a file alerts', async () => {
  const ok = await checkManifests(watch(), state(), [WHEEL, SDIST], { fetchText: site({ [URL10]: manifest([WHEEL, SDIST]) }).fetch, now }, OPTS);
  assert.deepEqual(ok.alerts, []);
  assert.equal(ok.manifests.get('1.0')!.status, 'ok');

  const wrong = { ...SDIST, sha256: fakeDigest('other') };
  const bad = await checkManifests(watch(), state(), [WHEEL, SDIST], { fetchText: site({ [URL10]: manifest([wrong]) }).fetch, now }, OPTS);
  assert.deepEqual(bad.alerts.map((a) => [a.kind, a.filename, a.severity]), [
    ['not-in-manifest', WHEEL.filename, 'critical'],
    ['manifest-mismatch', SDIST.filename, 'critical'],
  ]);
  assert.equal((bad.alerts[1].details.manifest_says as { sha256: string }).sha256, wrong.sha256);
  assert.equal(bad.manifests.get('1.0')!.status, 'problem');
});

test('a manifest is fetched again only when the release changes, or, unmatched, after recheckMs', async () => {
  const s = state();
  const first = site({ [URL10]: manifest([WHEEL, SDIST]) });
  s.manifests = (await checkManifests(watch(), s, [WHEEL, SDIST], { fetchText: first.fetch, now }, OPTS)).manifests;
  const again = site({});
  assert.equal((await checkManifests(watch(), s, [WHEEL, SDIST], { fetchText: again.fetch, now }, OPTS)).fetched, 0);
  const extra = e('demo-1.0-cp312-cp312-win_amd64.whl', '1.0');
  s.files.set(extra.filename, '1.0');
  const changed = site({ [URL10]: manifest([WHEEL, SDIST]) });
  const r = await checkManifests(watch(), s, [WHEEL, SDIST, extra], { fetchText: changed.fetch, now }, OPTS);
  assert.deepEqual(r.alerts.map((a) => [a.kind, a.filename]), [['not-in-manifest', extra.filename]]);
  assert.notEqual(releaseFingerprint([WHEEL, SDIST]), releaseFingerprint([WHEEL, SDIST, extra]));
  // Unmatched: not fetched again within the hour, fetched after it.
  s.manifests = r.manifests;
  assert.equal((await checkManifests(watch(), s, [WHEEL, SDIST, extra], { fetchText: site({}).fetch, now }, OPTS)).fetched, 0);
  assert.equal((await checkManifests(watch(), s, [WHEEL, SDIST, extra], { fetchText: site({}).fetch, now: () => new Date(now().getTime() + HOUR) }, OPTS)).fetched, 1);
});

test('no manifest: pending, then manifest-missing once the grace period is over', async () => {
  const early = await checkManifests(watch(), state(), [WHEEL], { fetchText: site({}).fetch, now }, OPTS);
  assert.deepEqual(early.alerts, []);
  assert.equal(early.manifests.get('1.0')!.status, 'pending');
  const late = await checkManifests(watch(), state(), [WHEEL], { fetchText: site({}).fetch, now: () => new Date(ADDED + 26 * HOUR) }, OPTS);
  assert.deepEqual(late.alerts.map((a) => [a.kind, a.version, a.dedupKey]), [['manifest-missing', '1.0', 'manifest-missing demo 1.0']]);
  // An unreachable site counts as missing too, never as a crash.
  const down: TextFetch = async () => Promise.reject(new Error('connection refused'));
  const r = await checkManifests(watch(), state(), [WHEEL], { fetchText: down, now: () => new Date(ADDED + 26 * HOUR) }, OPTS);
  assert.match(String(r.alerts[0].details.reason), /connection refused/);
});

test('manifests that cannot be used: garbage, not UTF-8, another release', async () => {
  for (const [body, why] of [
    ['<html>not found</html>', /not a distsum release manifest/],
    [Buffer.from([0x23, 0xff, 0xfe]), /not UTF-8/],
    [manifest([WHEEL], 'other'), /describes other 1\.0/],
    [manifest([WHEEL], 'demo', '2.0'), /describes demo 2\.0/],
  ] as const) {
    const r = await checkManifests(watch(), state(), [WHEEL], { fetchText: site({ [URL10]: body }).fetch, now }, OPTS);
    assert.deepEqual(r.alerts.map((a) => a.kind), ['manifest-invalid']);
    assert.match(String(r.alerts[0].details.reason), why);
  }
});

test('signed manifests: ssh-keygen signatures by an allowed key verify; others are manifest-unverified', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-msig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = (n: string) => (execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, n)]), join(dir, n));
  const good = key('good');
  const evil = key('evil');
  const signers = `me@example.com ${readFileSync(`${good}.pub`, 'utf8')}`;
  const text = manifest([WHEEL, SDIST]);
  const sign = (k: string, body: string) => {
    writeFileSync(join(dir, 'm'), body);
    // ssh-keygen never overwrites a signature file.
    rmSync(join(dir, 'm.sig'), { force: true });
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', k, '-n', 'distsum', join(dir, 'm')]);
    return readFileSync(join(dir, 'm.sig'));
  };
  const w = watch({ signers, identity: 'me@example.com' });
  const run = (files: Record<string, string | Buffer>) => checkManifests(w, state(), [WHEEL, SDIST], { fetchText: site(files).fetch, now }, OPTS);

  assert.deepEqual((await run({ [URL10]: text, [`${URL10}.sig`]: sign(good, text) })).alerts, []);
  const cases: Array<[Record<string, string | Buffer>, RegExp]> = [
    [{ [URL10]: text, [`${URL10}.sig`]: sign(evil, text) }, /not listed in/],
    [{ [URL10]: text }, /no signature/],
    [{ [URL10]: text, [`${URL10}.sig`]: sign(good, text + '# changed\n') }, /does not match/],
    [{ [URL10]: text, [`${URL10}.sig`]: 'not a signature' }, /.+/],
  ];
  for (const [files, why] of cases) {
    const r = await run(files);
    assert.deepEqual(r.alerts.map((a) => [a.kind, a.severity]), [['manifest-unverified', 'critical']]);
    assert.match(String(r.alerts[0].details.reason), why);
  }
  // An unverified manifest's contents are not compared: no not-in-manifest from it.
  const r = await run({ [URL10]: manifest([]), [`${URL10}.sig`]: sign(evil, manifest([])) });
  assert.deepEqual(r.alerts.map((a) => a.kind), ['manifest-unverified']);
});
