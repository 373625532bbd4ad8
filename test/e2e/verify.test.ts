// distsum verify and distsum trust end to end: a log built from the real PyPI fixtures with
// `distsum log init` + `distsum log import --format pypi-json`, served by `distsum log serve` on
// loopback; lock files and the fixture wheels verified against it; release manifests signed with
// the real ssh-keygen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURES, isolatedEnv, runDistsum, startServer, tempDir } from '../verify/support/cli.ts';
import { allowedSignersLine, manifestText, sshKey, sshSign } from '../verify/support/ssh.ts';

interface PypiFile {
  filename: string;
  size?: number;
  digests: { sha256: string; blake2b_256?: string };
}
const pypi = (name: string): PypiFile[] => JSON.parse(readFileSync(join(FIXTURES, 'pypi/json-api', name), 'utf8')).urls;

type Hooks = Parameters<typeof tempDir>[0];

/** A log of every PyPI JSON API fixture, served; returns the env that points distsum verify at it. */
async function fixtureLog(t: Hooks) {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const data = join(dir, 'data');
  const init = await runDistsum(['log', 'init', '--origin', 'e2e.example/pypi', '--data', data], { cwd: dir, env });
  assert.equal(init.code, 0, init.stderr);
  const key = init.stdout.trim();
  const imp = await runDistsum(['log', 'import', '--format', 'pypi-json', '--data', data, join(FIXTURES, 'pypi/json-api')], { cwd: dir, env });
  assert.equal(imp.code, 0, imp.stderr);
  const server = await startServer(t, data);
  const project = join(dir, 'project');
  mkdirSync(project);
  return { dir, data, key, server, project, env: { ...env, DISTSUM_LOG: server.url, DISTSUM_LOG_KEY: key } };
}

function pylock(files: { name: string; version: string; f: PypiFile }[]): string {
  let out = 'lock-version = "1.0"\ncreated-by = "e2e"\n';
  for (const { name, version, f } of files) {
    out += `\n[[packages]]\nname = "${name}"\nversion = "${version}"\n\n[[packages.wheels]]\nname = "${f.filename}"\nurl = "https://files.pythonhosted.org/packages/${f.filename}"\n`;
    out += `hashes = { sha256 = "${f.digests.sha256}"${f.digests.blake2b_256 ? `, blake2b_256 = "${f.digests.blake2b_256}"` : ''} }\n`;
  }
  return out;
}

test('lock files and the fixture wheels verify against a log of the PyPI fixtures', async (t) => {
  const L = await fixtureLog(t);
  const six = pypi('six-1.11.0.json');
  writeFileSync(join(L.project, 'requirements.txt'), `six==1.11.0 \\\n    ${six.map((f) => `--hash=sha256:${f.digests.sha256}`).join(' \\\n    ')}\n`);
  const wheel = pypi('wheel-0.40.0.json').find((f) => f.filename.endsWith('.whl'))!;
  const setuptools = pypi('setuptools-67.6.1.json').find((f) => f.filename.endsWith('.whl'))!;
  writeFileSync(join(L.project, 'pylock.toml'), pylock([{ name: 'wheel', version: '0.40.0', f: wheel }, { name: 'setuptools', version: '67.6.1', f: setuptools }]));

  // Default: every lock file in the current directory.
  const r = await runDistsum(['verify'], { cwd: L.project, env: L.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok: 4 files: 4 ok; log e2e\.example\/pypi at tree size 189$/m);
  assert.match(r.stdout, /wheel-0\.40\.0-py3-none-any\.whl\s+ok\s+-\s+ok/);
  assert.match(r.stdout, /six 1\.11\.0 \(sha256:[0-9a-f]{16}…\)\s+ok\s+-\s+ok/);

  // The fixture wheels, hashed here: three are in the log, beautifulsoup4 is not.
  const w = await runDistsum(['verify', join(FIXTURES, 'dists'), '--json'], { cwd: L.project, env: L.env });
  assert.equal(w.code, 0, w.stderr);
  const j = JSON.parse(w.stdout);
  assert.deepEqual(
    j.files.map((f: { filename: string; verdict: string }) => [f.filename, f.verdict]),
    [
      ['beautifulsoup4-4.12.3-py3-none-any.whl', 'unknown'],
      ['poetry_core-1.5.0-py3-none-any.whl', 'ok'],
      ['setuptools-67.6.1-py3-none-any.whl', 'ok'],
      ['wheel-0.40.0-py3-none-any.whl', 'ok'],
    ],
  );
  assert.equal(j.log.tree_size, 189);
  const strict = await runDistsum(['verify', '--strict', join(FIXTURES, 'dists')], { cwd: L.project, env: L.env });
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /beautifulsoup4-4\.12\.3-py3-none-any\.whl \(.*dists\/beautifulsoup4-4\.12\.3-py3-none-any\.whl\): unknown: log: the log has no entry for it/);

  // The wheels checked against the lock file too.
  const both = await runDistsum(['verify', join(L.project, 'pylock.toml'), join(FIXTURES, 'dists', 'wheel-0.40.0-py3-none-any.whl')], { cwd: L.project, env: L.env });
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /wheel-0\.40\.0-py3-none-any\.whl\s+ok\s+-\s+ok\s+ok/);
  assert.match(both.stdout, /^ok: 2 files/m, 'the lock entry the wheel covers is not listed again');
});

test('one flipped hex digit in a lock file fails, naming the file and line', async (t) => {
  const L = await fixtureLog(t);
  const wheel = pypi('wheel-0.40.0.json').find((f) => f.filename.endsWith('.whl'))!;
  const d = wheel.digests.sha256;
  const flipped = { ...wheel, digests: { ...wheel.digests, sha256: d.slice(0, 10) + (d[10] === '0' ? '1' : '0') + d.slice(11) } };
  const lock = join(L.project, 'pylock.toml');
  writeFileSync(lock, pylock([{ name: 'wheel', version: '0.40.0', f: flipped }]));
  const r = await runDistsum(['verify', 'pylock.toml'], { cwd: L.project, env: L.env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /wheel-0\.40\.0-py3-none-any\.whl\s+MISMATCH\s+-\s+MISMATCH/);
  const line = r.stderr.split('\n').find((l) => l.includes('MISMATCH'))!;
  assert.ok(line.includes(`${lock}:`), line);
  assert.ok(line.includes(`sha256 ${flipped.digests.sha256}, log entry`), line);

  // A flipped hash in a requirements file (no file name) is not in the log: unknown, failing with --strict.
  const six = pypi('six-1.11.0.json')[0].digests.sha256;
  writeFileSync(join(L.project, 'requirements.txt'), `six==1.11.0 --hash=sha256:${six.slice(0, 63)}${six[63] === 'f' ? 'e' : 'f'}\n`);
  const req = await runDistsum(['verify', '--strict', 'requirements.txt'], { cwd: L.project, env: L.env });
  assert.equal(req.code, 1);
  assert.ok(req.stderr.includes(`${join(L.project, 'requirements.txt')}:1): unknown`), req.stderr);
});

test('a real poetry.lock fixture: read, every file looked up, unknown ones fail only with --strict', async (t) => {
  const L = await fixtureLog(t);
  const lock = join(FIXTURES, 'locks/poetry.lock/osv-scalibr-fixture__multiple-packages.v2.lock');
  const r = await runDistsum(['verify', lock, '--json'], { cwd: L.project, env: L.env });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.files.length > 5);
  assert.ok(j.files.every((f: { verdict: string; log: { status: string } }) => f.verdict === 'unknown' && f.log.status === 'unknown'));
  assert.equal((await runDistsum(['verify', '--strict', lock], { cwd: L.project, env: L.env })).code, 1);
});

test('offline: after one online run, verification works from the cache with the server gone', async (t) => {
  const L = await fixtureLog(t);
  const dists = join(FIXTURES, 'dists');
  const online = await runDistsum(['verify', dists, '--json'], { cwd: L.project, env: L.env });
  assert.equal(online.code, 0, online.stderr);
  await L.server.stop();
  const offline = await runDistsum(['verify', '--offline', dists, '--json'], { cwd: L.project, env: L.env });
  assert.equal(offline.code, 0, offline.stderr);
  const verdicts = (out: string) => JSON.parse(out).files.map((f: { verdict: string }) => f.verdict);
  assert.deepEqual(verdicts(offline.stdout), verdicts(online.stdout));
  // Without --offline the dead server is an error the user can act on (exit 2), not a crash.
  const down = await runDistsum(['verify', dists], { cwd: L.project, env: L.env });
  assert.equal(down.code, 2);
  assert.match(down.stderr, /^distsum: cannot fetch http:\/\/127\.0\.0\.1:[0-9]+\/checkpoint: ECONNREFUSED$/m);
});

test('configuration from distsum.toml; a log without a key is refused', async (t) => {
  const L = await fixtureLog(t);
  const { DISTSUM_LOG: _u, DISTSUM_LOG_KEY: _k, ...env } = L.env;
  const noLog = await runDistsum(['verify', join(FIXTURES, 'dists')], { cwd: L.project, env });
  assert.equal(noLog.code, 2);
  assert.match(noLog.stderr, /no log configured/);
  writeFileSync(join(L.project, 'distsum.toml'), `# our log\n[log]\nurl = "${L.server.url}"\n`);
  const keyless = await runDistsum(['verify', join(FIXTURES, 'dists')], { cwd: L.project, env });
  assert.equal(keyless.code, 2);
  assert.match(keyless.stderr, /has no key configured/);
  writeFileSync(join(L.project, 'distsum.toml'), `# our log\n[log]\nurl = "${L.server.url}"\nkey = "${L.key}"\n`);
  const ok = await runDistsum(['verify', join(FIXTURES, 'dists')], { cwd: L.project, env });
  assert.equal(ok.code, 0, ok.stderr);
  const other = await runDistsum(['verify', '--log-key', 'e2e.example/pypi+00000000+AQ==', join(FIXTURES, 'dists')], { cwd: L.project, env });
  assert.equal(other.code, 2);
  // Flags override the configuration.
  writeFileSync(join(L.project, 'distsum.toml'), '[log]\nurl = "https://nowhere.invalid"\nkey = "nowhere.invalid+00000000+AQ=="\n');
  const flags = await runDistsum(['verify', '--log-url', L.server.url, '--log-key', L.key, join(FIXTURES, 'dists')], { cwd: L.project, env });
  assert.equal(flags.code, 0, flags.stderr);
  assert.match(flags.stdout, /log e2e\.example\/pypi at tree size 189/);
});

test('trust policies: a manifest signed by the publisher passes, one signed by another key fails', async (t) => {
  const L = await fixtureLog(t);
  const keys = join(L.dir, 'keys');
  mkdirSync(keys);
  const good = sshKey(keys, 'maintainer');
  sshKey(keys, 'attacker');
  writeFileSync(join(L.project, 'allowed_signers'), allowedSignersLine('maintainers@wheel.example', good));
  const releases = join(L.dir, 'releases');
  mkdirSync(releases);
  const files = pypi('wheel-0.40.0.json').map((f) => ({ filename: f.filename, sha256: f.digests.sha256, blake2b_256: f.digests.blake2b_256! }));
  const manifest = join(releases, 'wheel-0.40.0.hashes.txt');
  writeFileSync(manifest, manifestText('wheel', '0.40.0', files));
  sshSign(keys, 'maintainer', manifest);
  writeFileSync(join(L.project, 'distsum.toml'), '# project config\n[tool.other]\nkeep = "me" # really\n');

  const add = await runDistsum(
    ['trust', 'add', 'Wheel', '--manifest', `${pathToFileURL(releases).href}/{name}-{version}.hashes.txt`, '--signers', 'allowed_signers', '--identity', 'maintainers@wheel.example'],
    { cwd: L.project, env: L.env },
  );
  assert.equal(add.code, 0, add.stderr);
  const toml = readFileSync(join(L.project, 'distsum.toml'), 'utf8');
  assert.ok(toml.startsWith('# project config\n[tool.other]\nkeep = "me" # really\n\n[trust.wheel]\n'), toml);
  assert.match(toml, /^signers = "allowed_signers"$/m);

  const list = await runDistsum(['trust', 'list', '--json'], { cwd: L.project, env: L.env });
  assert.equal(JSON.parse(list.stdout).policies[0].project, 'wheel');

  const whl = join(FIXTURES, 'dists', 'wheel-0.40.0-py3-none-any.whl');
  const ok = await runDistsum(['verify', whl, '--json'], { cwd: L.project, env: L.env });
  assert.equal(ok.code, 0, ok.stderr);
  const f = JSON.parse(ok.stdout).files[0];
  assert.equal(f.manifest.status, 'ok');
  assert.match(f.manifest.signer, /^maintainers@wheel\.example \(SHA256:/);

  // Manifests only, without the log.
  const noLog = await runDistsum(['verify', '--no-log', whl], { cwd: L.project, env: L.env });
  assert.equal(noLog.code, 0, noLog.stderr);
  assert.match(noLog.stdout, /wheel-0\.40\.0-py3-none-any\.whl\s+-\s+ok\s+ok\n/);
  assert.match(noLog.stdout, /; no log checked$/m);

  // The attacker re-signs the same manifest with their key: not the publisher's.
  const copy = join(keys, 'copy.txt');
  writeFileSync(copy, readFileSync(manifest));
  sshSign(keys, 'attacker', copy);
  writeFileSync(`${manifest}.sig`, readFileSync(`${copy}.sig`));
  const bad = await runDistsum(['verify', whl], { cwd: L.project, env: L.env });
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /wheel-0\.40\.0-py3-none-any\.whl\s+ok\s+MISMATCH\s+MISMATCH/);
  assert.match(bad.stderr, /manifest: .*is not trusted|manifest: no principal/);

  const rm = await runDistsum(['trust', 'remove', 'wheel'], { cwd: L.project, env: L.env });
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(readFileSync(join(L.project, 'distsum.toml'), 'utf8'), '# project config\n[tool.other]\nkeep = "me" # really\n');
  assert.equal((await runDistsum(['trust', 'remove', 'wheel'], { cwd: L.project, env: L.env })).code, 2);
  assert.deepEqual(readdirSync(L.project).sort(), ['allowed_signers', 'distsum.toml']);
});
