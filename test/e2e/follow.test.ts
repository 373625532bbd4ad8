// Scenario tests of `distsum log follow` from the outside: the CLI against the stand-in index
// (test/support/index-server.ts) serving real wheels, with python3 hashlib as the digest oracle,
// ssh-keygen signing publisher manifests, a real shell running the alert hook and a loopback
// webhook receiver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startIndexServer, type IndexServer } from '../support/index-server.ts';
import { distsum } from '../monitor/support/cli.ts';
import { allAlerts, allEntries, ofKind, tempDir } from '../monitor/support/log.ts';
import { openDataDir } from '../../src/log/datadir.ts';

const DISTS = join(import.meta.dirname, '../../../shared/fixtures/dists');
const WHEEL = join(DISTS, 'wheel-0.40.0-py3-none-any.whl');
const POETRY = join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl');

/** size, sha256 and BLAKE2b-256 of a file, computed by python3's hashlib (the oracle). */
function oracle(path: string): { size: number; sha256: string; blake2b256: string } {
  const out = execFileSync('python3', ['-c', 'import hashlib,sys\nd=open(sys.argv[1],"rb").read()\nprint(len(d), hashlib.sha256(d).hexdigest(), hashlib.blake2b(d, digest_size=32).hexdigest())', path], { encoding: 'utf8' });
  const [size, sha256, blake2b256] = out.trim().split(' ');
  return { size: Number(size), sha256, blake2b256 };
}

type T = { after: (fn: () => void | Promise<void>) => void };

async function stand(t: T): Promise<{ idx: IndexServer; dir: string; work: string; follow: (...extra: string[]) => ReturnType<typeof distsum> }> {
  const idx = await startIndexServer();
  t.after(() => idx.close());
  const work = tempDir(t, 'distsum-follow-e2e-');
  const dir = join(work, 'data');
  // The follower polls a project at most once per --interval, across runs too: a run that starts
  // sooner than that after the previous one ended polls nothing, so the helper waits it out.
  let lastEnd = 0;
  const follow = async (...extra: string[]) => {
    const wait = lastEnd + 150 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      return await distsum(['log', 'follow', '--index', `${idx.origin}/simple/`, '--all', '--once', '--interval', '100ms', '--data', dir, '--json-api', '--digest-url', `${idx.origin}/files/`, '--retries', '0', ...extra]);
    } finally {
      lastEnd = Date.now();
    }
  };
  return { idx, dir, work, follow };
}

// A file named `name` with other bytes than `src` (the index's file changes under the same name).
function variant(work: string, src: string, name: string, extra: string): string {
  const d = join(work, `v-${extra}`);
  mkdirSync(d, { recursive: true });
  const p = join(d, name);
  writeFileSync(p, Buffer.concat([readFileSync(src), Buffer.from(extra)]));
  return p;
}

test('an upload to the index is logged with the digests of its bytes', async (t) => {
  const { idx, dir, follow } = await stand(t);
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  const r = await follow('--init');
  assert.equal(r.code, 0, r.stderr);
  const want = oracle(WHEEL);
  assert.deepEqual(await allEntries(dir), [{ project: 'wheel', version: '0.40.0', filename: 'wheel-0.40.0-py3-none-any.whl', ...want }]);
  // A second upload appears at the next round.
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0' });
  assert.equal((await follow()).code, 0);
  const entries = await allEntries(dir);
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[1], { project: 'poetry-core', version: '1.5.0', filename: 'poetry_core-1.5.0-py3-none-any.whl', ...oracle(POETRY) });
});

test('--verify-bytes: an index serving other bytes than it claims is a digest-mismatch, not an entry', async (t) => {
  const { idx, dir, work, follow } = await stand(t);
  const stored = await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0' });
  // Behind the index's back, same size: its listing still claims the wheel's digests.
  const bytes = readFileSync(WHEEL);
  bytes[bytes.length - 1] ^= 0xff;
  const other = join(work, 'tampered.whl');
  writeFileSync(other, bytes);
  writeFileSync(stored.path, bytes);
  const r = await follow('--init', '--verify-bytes', '--json');
  assert.equal(r.code, 1, r.stderr);
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(got.map((a) => [a.kind, a.filename, a.details.against]), [['digest-mismatch', 'wheel-0.40.0-py3-none-any.whl', 'bytes']]);
  assert.equal(got[0].details.found.sha256, oracle(other).sha256);
  assert.equal(got[0].details.claimed.sha256, oracle(WHEEL).sha256);
  assert.deepEqual((await allEntries(dir)).map((e) => e.filename), ['poetry_core-1.5.0-py3-none-any.whl']);
});

test('bytes changed at the index give exactly one hash-changed', async (t) => {
  const { idx, dir, work, follow } = await stand(t);
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  assert.equal((await follow('--init')).code, 0);
  const evil = variant(work, WHEEL, 'wheel-0.40.0-py3-none-any.whl', 'evil');
  await idx.addFile({ path: evil, project: 'wheel', version: '0.40.0' });
  const r1 = await follow('--json');
  assert.equal(r1.code, 1, r1.stderr);
  const lines = r1.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].kind, 'hash-changed');
  assert.equal(lines[0].severity, 'critical');
  assert.equal(lines[0].filename, 'wheel-0.40.0-py3-none-any.whl');
  assert.equal(lines[0].details.claimed.sha256, oracle(evil).sha256);
  assert.equal(lines[0].details.logged.sha256, oracle(WHEEL).sha256);
  // The same change, seen again: nothing new.
  const r2 = await follow('--json');
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.stdout, '');
  assert.equal(ofKind(await allAlerts(dir), 'hash-changed').length, 1);
  assert.equal((await allEntries(dir))[0].sha256, oracle(WHEEL).sha256);
});

test('a wheel added to a month-old release gives file-added-late; a deleted file gives file-removed', async (t) => {
  const { idx, dir, work, follow } = await stand(t);
  const month = new Date(Date.now() - 31 * 86_400_000);
  const sdist = variant(work, WHEEL, 'wheel-0.40.0.tar.gz', 'sdist');
  await idx.addFile({ path: sdist, project: 'wheel', version: '0.40.0', uploadTime: month });
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0', uploadTime: month });
  assert.equal((await follow('--init')).code, 0);
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  const r = await follow();
  assert.equal(r.code, 1);
  assert.match(r.stdout, /WARNING file-added-late #\d+ wheel wheel-0\.40\.0-py3-none-any\.whl: .*3[01]\.\d days after/);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  // Logged all the same: the log records what the index serves.
  assert.equal((await allEntries(dir)).length, 3);

  idx.removeFile('poetry_core-1.5.0-py3-none-any.whl');
  const r2 = await follow();
  assert.equal(r2.code, 1);
  assert.match(r2.stdout, /file-removed #\d+ poetry-core poetry_core-1\.5\.0-py3-none-any\.whl/);
  assert.equal((await follow()).stdout, '');
  const alerts = await allAlerts(dir);
  assert.deepEqual(alerts.map((a) => a.kind), ['file-added-late', 'file-removed']);
});

function sshKey(work: string, name: string): string {
  const key = join(work, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return key;
}

function manifestText(project: string, version: string, files: string[]): string {
  const lines = ['# distsum release manifest v1', `# project: ${project}`, `# version: ${version}`];
  for (const f of files) {
    const d = oracle(f);
    const name = f.split('/').pop()!;
    lines.push(`# size (${name}) = ${d.size}`, `SHA256 (${name}) = ${d.sha256}`, `BLAKE2b-256 (${name}) = ${d.blake2b256}`);
  }
  return lines.join('\n') + '\n';
}

test('watched projects: a manifest that omits a file gives not-in-manifest; a bad signature is an alert, not a crash', async (t) => {
  const { idx, dir, work, follow } = await stand(t);
  const good = sshKey(work, 'publisher');
  const other = sshKey(work, 'intruder');
  const allowed = join(work, 'allowed_signers');
  writeFileSync(allowed, `me@example.com ${readFileSync(`${good}.pub`, 'utf8').trim()}\n`);
  const site = join(work, 'site');
  mkdirSync(site);
  const template = `file://${site}/{name}-{version}.hashes.txt`;
  for (const p of ['wheel', 'poetry-core']) {
    const r = await distsum(['watch', 'add', p, '--manifest', template, '--signers', allowed, '--identity', 'me@example.com', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
  }
  const list = await distsum(['watch', 'list', '--json', '--data', dir]);
  assert.deepEqual(JSON.parse(list.stdout).watches.map((w: { project: string }) => w.project), ['poetry-core', 'wheel']);

  // wheel 0.40.0: a wheel and an sdist on the index, the manifest lists only the wheel (signed).
  const sdist = variant(work, WHEEL, 'wheel-0.40.0.tar.gz', 'sdist');
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  await idx.addFile({ path: sdist, project: 'wheel', version: '0.40.0' });
  writeFileSync(join(site, 'wheel-0.40.0.hashes.txt'), manifestText('wheel', '0.40.0', [WHEEL]));
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', good, '-n', 'distsum', join(site, 'wheel-0.40.0.hashes.txt')]);
  // poetry-core 1.5.0: a complete manifest, signed by a key allowed_signers does not list.
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0' });
  writeFileSync(join(site, 'poetry_core-1.5.0.hashes.txt'), manifestText('poetry-core', '1.5.0', [POETRY]));
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', other, '-n', 'distsum', join(site, 'poetry_core-1.5.0.hashes.txt')]);

  const r = await follow('--init', '--json');
  assert.equal(r.code, 1, r.stderr);
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(got.map((a) => [a.kind, a.project, a.filename]).sort(), [
    ['manifest-unverified', 'poetry-core', null],
    ['not-in-manifest', 'wheel', 'wheel-0.40.0.tar.gz'],
  ]);
  const unverified = got.find((a) => a.kind === 'manifest-unverified');
  assert.equal(unverified.severity, 'critical');
  assert.match(unverified.details.reason, /not listed in|not trusted/);
  // Every file is logged whatever the manifests say, and nothing alerts twice.
  assert.equal((await allEntries(dir)).length, 3);
  assert.equal((await follow('--json')).stdout, '');

  // The publisher fixes nothing but publishes 0.41.0 with a manifest that lists a wrong digest.
  const next = variant(work, WHEEL, 'wheel-0.41.0-py3-none-any.whl', 'next');
  await idx.addFile({ path: next, project: 'wheel', version: '0.41.0' });
  writeFileSync(join(site, 'wheel-0.41.0.hashes.txt'), manifestText('wheel', '0.41.0', [WHEEL]).replaceAll('wheel-0.40.0-py3-none-any.whl', 'wheel-0.41.0-py3-none-any.whl'));
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', good, '-n', 'distsum', join(site, 'wheel-0.41.0.hashes.txt')]);
  const r3 = await follow('--json');
  const got3 = r3.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(got3.map((a) => [a.kind, a.filename]), [['manifest-mismatch', 'wheel-0.41.0-py3-none-any.whl']]);
  assert.equal(got3[0].details.served.sha256, oracle(next).sha256);
  assert.equal(got3[0].details.manifest_says.sha256, oracle(WHEEL).sha256);

  const rm = await distsum(['watch', 'remove', 'poetry-core', '--data', dir]);
  assert.equal(rm.code, 0);
  assert.equal(JSON.parse((await distsum(['watch', 'list', '--json', '--data', dir])).stdout).watches.length, 1);
});

test('a watched release without a manifest alerts manifest-missing only after the grace period', async (t) => {
  const { idx, dir, work, follow } = await stand(t);
  const site = join(work, 'site');
  mkdirSync(site);
  assert.equal((await distsum(['watch', 'add', 'wheel', '--manifest', `file://${site}/{name}-{version}.hashes.txt`, '--data', dir])).code, 0);
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  assert.equal((await follow('--init', '--manifest-grace', '1h')).stdout, '');
  // A release without a manifest is tried again once an interval (100 ms here) has passed.
  const pause = () => new Promise((r) => setTimeout(r, 200));
  await pause();
  const r = await follow('--manifest-grace', '0s');
  assert.match(r.stdout, /WARNING manifest-missing #\d+ wheel 0\.40\.0: no usable manifest for wheel 0\.40\.0/);
  // Published late, and complete: no further alert.
  writeFileSync(join(site, 'wheel-0.40.0.hashes.txt'), manifestText('wheel', '0.40.0', [WHEEL]));
  await pause();
  assert.equal((await follow('--manifest-grace', '0s')).stdout, '');
  assert.deepEqual((await allAlerts(dir)).map((a) => a.kind), ['manifest-missing']);
});

test('alerts reach the hook (in environment variables) and the webhook; --test-alert tries every channel', async (t) => {
  const { idx, work, follow } = await stand(t);
  const received: { headers: Record<string, unknown>; body: string }[] = [];
  let failFirst = 1;
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failFirst-- > 0) {
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => hook.close(() => r())));
  const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/SECRET`;
  const envDir = join(work, 'env');
  mkdirSync(envDir);
  const exec = `env | grep ^DISTSUM_ > "${envDir}/$DISTSUM_ALERT_KIND.env"`;

  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  assert.equal((await follow('--init')).code, 0);
  idx.removeFile('wheel-0.40.0-py3-none-any.whl');
  const r = await follow('--exec', exec, '--webhook', webhook);
  assert.equal(r.code, 1, r.stderr);
  const env = Object.fromEntries(
    readFileSync(join(envDir, 'file-removed.env'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  assert.equal(env.DISTSUM_ALERT_KIND, 'file-removed');
  assert.equal(env.DISTSUM_ALERT_SEVERITY, 'warning');
  assert.equal(env.DISTSUM_ALERT_PROJECT, 'wheel');
  assert.equal(env.DISTSUM_ALERT_FILENAME, 'wheel-0.40.0-py3-none-any.whl');
  assert.equal(env.DISTSUM_LOG_ORIGIN, 'localhost/distsum');
  assert.match(env.DISTSUM_ALERT_ID, /^[0-9]+$/);
  assert.equal(JSON.parse(env.DISTSUM_ALERT_DETAILS).source, `${idx.origin}/simple/wheel/`);
  // The webhook answered 503 once: retried, delivered once.
  assert.equal(received.length, 1);
  const body = JSON.parse(received[0].body);
  assert.equal(body.alert.kind, 'file-removed');
  assert.equal(String(body.alert.id), env.DISTSUM_ALERT_ID);
  assert.equal(received[0].headers['content-type'], 'application/json');

  const ta = await distsum(['log', 'follow', '--test-alert', '--exec', exec, '--webhook', webhook, '--data', join(work, 'data')]);
  assert.equal(ta.code, 0, ta.stderr);
  assert.match(ta.stdout, /INFO test-alert example-project/);
  assert.ok(existsSync(join(envDir, 'test-alert.env')));
  assert.match(readFileSync(join(envDir, 'test-alert.env'), 'utf8'), /DISTSUM_ALERT_TEST=1/);
  assert.equal(received.length, 2);
  // A failing hook is reported and fails the test run, but never crashes it.
  const bad = await distsum(['log', 'follow', '--test-alert', '--exec', 'echo broken >&2; exit 3', '--data', join(work, 'data')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /test alert via exec failed: hook command exited with status 3: broken/);
});

test('distsum log alerts lists, filters and resolves', async (t) => {
  const { idx, dir, follow } = await stand(t);
  await idx.addFile({ path: WHEEL, project: 'wheel', version: '0.40.0' });
  await idx.addFile({ path: POETRY, project: 'poetry-core', version: '1.5.0' });
  assert.equal((await follow('--init')).code, 0);
  idx.removeFile('wheel-0.40.0-py3-none-any.whl');
  idx.removeFile('poetry_core-1.5.0-py3-none-any.whl');
  assert.equal((await follow()).code, 1);
  const all = JSON.parse((await distsum(['log', 'alerts', '--json', '--data', dir])).stdout);
  assert.equal(all.alerts.length, 2);
  assert.equal(all.alerts[0].resolved_at, null);
  const id = all.alerts.find((a: { project: string }) => a.project === 'wheel').id;
  // Resolving works while another process is the log's writer (a follower or server running).
  const writer = await openDataDir(dir, { writer: true, now: () => new Date() });
  try {
    const res = await distsum(['log', 'alerts', 'resolve', String(id), '--data', dir]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `resolved alert #${id}\n`);
    assert.equal((await distsum(['log', 'alerts', 'resolve', String(id), '--data', dir])).code, 2);
  } finally {
    await writer.close();
  }
  const open = JSON.parse((await distsum(['log', 'alerts', '--open', '--json', '--data', dir])).stdout);
  assert.deepEqual(open.alerts.map((a: { project: string }) => a.project), ['poetry-core']);
  const table = await distsum(['log', 'alerts', '--project', 'Wheel', '--data', dir]);
  assert.match(table.stdout, /^ID +SEVERITY +KIND/);
  assert.match(table.stdout, new RegExp(`\\n${id} +warning +file-removed +wheel +wheel-0\\.40\\.0-py3-none-any\\.whl +\\S+ +resolved +wheel-0\\.40\\.0-py3-none-any\\.whl is no longer listed`));
  assert.equal((await distsum(['log', 'alerts', '--kind', 'hash-changed', '--data', dir])).stdout, 'no alerts\n');
});

test('usage errors are one line and exit 2', async (t) => {
  const work = tempDir(t);
  const dir = join(work, 'data');
  const cases: Array<[string[], RegExp]> = [
    [['log', 'follow', '--all', '--data', dir], /--index is required/],
    [['log', 'follow', '--index', 'https://pypi.org/', '--data', dir], /--all, or --projects/],
    [['log', 'follow', '--index', 'https://pypi.org/', '--all', '--projects', 'a', '--data', dir], /either --all or --projects/],
    [['log', 'follow', '--index', 'https://pypi.org/', '--projects', '../etc', '--data', dir], /--projects: .*not a project name/],
    [['log', 'follow', '--index', 'https://pypi.org/', '--all', '--data', dir], /no log at .*--init/],
    [['log', 'follow', '--index', 'http://example.com/', '--all', '--init', '--data', dir], /refusing plain http/],
    [['log', 'follow', '--index', 'https://pypi.org/', '--all', '--verify-bytes', '2', '--data', dir], /not a rate/],
    [['log', 'follow', '--test-alert', '--webhook', 'http://example.com/x', '--data', dir], /must be https/],
    [['watch', 'add', 'x', '--manifest', 'https://example.com/no-version', '--data', dir], /must contain \{version\}/],
    [['watch', 'add', 'x', '--manifest', 'ftp://example.com/{version}', '--data', dir], /must be https, file or loopback http/],
    [['watch', 'add', 'x', '--manifest', 'https://e.com/{version}', '--identity', 'me', '--data', dir], /go together/],
    [['watch', 'remove', 'x', '--data', dir], /not watched/],
    [['log', 'alerts', 'resolve', 'abc', '--data', dir], /not an alert id/],
  ];
  for (const [args, want] of cases) {
    const r = await distsum(args);
    assert.equal(r.code, r.stderr.includes('refusing plain http') ? 3 : 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});


