// distsum trust add|list|remove end to end: where policies are written, what is refused, and that
// the user's file keeps everything else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, runDistsum, tempDir } from '../verify/support/cli.ts';
import { allowedSignersLine, sshKey } from '../verify/support/ssh.ts';

const TEMPLATE = 'https://example.org/releases/{name}-{version}.hashes.txt';

test('add writes the nearest distsum.toml (found upward), list shows it, remove takes it out', async (t) => {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'sub', 'dir'), { recursive: true });
  const original = '# Our settings.\n[log]\nurl = "https://log.example.org"  # the log\n\n[tool.x]\ny = [1, 2]\n';
  writeFileSync(join(repo, 'distsum.toml'), original);
  const cwd = join(repo, 'sub', 'dir');
  const add = await runDistsum(['trust', 'add', 'Example.Pkg', '--manifest', TEMPLATE, '--require-log'], { cwd, env });
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, `trust policy for example-pkg written to ${join(repo, 'distsum.toml')}\n`);
  assert.equal(readFileSync(join(repo, 'distsum.toml'), 'utf8'), `${original}\n[trust.example-pkg]\nmanifest = "${TEMPLATE}"\nrequire_log = true\n`);

  // Replacing keeps the table where it is and drops the fields not given again.
  const again = await runDistsum(['trust', 'add', 'example_pkg', '--manifest', TEMPLATE.replace('releases', 'r')], { cwd, env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(join(repo, 'distsum.toml'), 'utf8'), `${original}\n[trust.example-pkg]\nmanifest = "${TEMPLATE.replace('releases', 'r')}"\n`);

  const list = await runDistsum(['trust', 'list'], { cwd, env });
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^PROJECT\s+MANIFEST\s+SIGNERS\s+FROM\nexample-pkg\s+https:\/\/example\.org\/r\/\{name\}-\{version\}\.hashes\.txt\s+-\s+\S+distsum\.toml\n$/);

  const rm = await runDistsum(['trust', 'remove', 'EXAMPLE-PKG'], { cwd, env });
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(readFileSync(join(repo, 'distsum.toml'), 'utf8'), original);
});

test('with no distsum.toml, add creates one here; --user writes the user config', async (t) => {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const cwd = join(dir, 'p');
  mkdirSync(join(cwd, '.git'), { recursive: true });
  assert.equal((await runDistsum(['trust', 'add', 'a', '--manifest', TEMPLATE], { cwd, env })).code, 0);
  assert.ok(existsSync(join(cwd, 'distsum.toml')));
  const user = await runDistsum(['trust', 'add', 'b', '--manifest', TEMPLATE, '--user'], { cwd, env });
  assert.equal(user.code, 0, user.stderr);
  const userFile = join(dir, 'xdg-config', 'distsum', 'config.toml');
  assert.equal(readFileSync(userFile, 'utf8'), `[trust.b]\nmanifest = "${TEMPLATE}"\n`);
  const list = JSON.parse((await runDistsum(['trust', 'list', '--json'], { cwd, env })).stdout);
  assert.deepEqual(list.policies.map((p: { project: string; source: string }) => [p.project, p.source]), [
    ['a', join(cwd, 'distsum.toml')],
    ['b', userFile],
  ]);
  assert.equal((await runDistsum(['trust', 'remove', 'b'], { cwd, env })).code, 2, 'not in the project file');
  assert.equal((await runDistsum(['trust', 'remove', 'b', '--user'], { cwd, env })).code, 0);
});

test('signers are checked when added and written relative to the config file', async (t) => {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const cwd = join(dir, 'p');
  mkdirSync(join(cwd, 'keys'), { recursive: true });
  writeFileSync(join(cwd, 'keys', 'allowed_signers'), allowedSignersLine('dev@example.org', sshKey(dir, 'k')));
  writeFileSync(join(cwd, 'keys', 'broken'), 'this is not an allowed_signers line\n');
  const ok = await runDistsum(['trust', 'add', 'x', '--manifest', TEMPLATE, '--signers', 'keys/allowed_signers', '-I', 'dev@example.org'], { cwd, env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(readFileSync(join(cwd, 'distsum.toml'), 'utf8'), /^signers = "keys\/allowed_signers"\nidentity = "dev@example\.org"$/m);
  const broken = await runDistsum(['trust', 'add', 'y', '--manifest', TEMPLATE, '--signers', 'keys/broken'], { cwd, env });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /keys\/broken/);
  const missing = await runDistsum(['trust', 'add', 'y', '--manifest', TEMPLATE, '--signers', 'keys/none'], { cwd, env });
  assert.equal(missing.code, 2);
});

test('bad input is refused before anything is written', async (t) => {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const cwd = join(dir, 'p');
  mkdirSync(join(cwd, '.git'), { recursive: true });
  const cases: [string[], RegExp][] = [
    [['trust', 'add', 'x', '--manifest', 'http://example.org/{name}'], /loopback/],
    [['trust', 'add', 'x', '--manifest', 'https://e.org/{project}'], /unknown placeholder/],
    [['trust', 'add', 'x y', '--manifest', TEMPLATE], /not a project name/],
    [['trust', 'add', 'x', '--manifest', TEMPLATE, '-I', 'me'], /--identity needs --signers/],
    [['trust', 'add', 'x'], /--manifest/],
    [['trust', 'remove', 'x'], /no distsum\.toml/],
  ];
  for (const [args, why] of cases) {
    const r = await runDistsum(args, { cwd, env });
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, why);
  }
  assert.ok(!existsSync(join(cwd, 'distsum.toml')));
  writeFileSync(join(cwd, 'distsum.toml'), '[trust]\nx = { manifest = "https://e.org/{name}" }\n');
  const inline = await runDistsum(['trust', 'add', 'x', '--manifest', TEMPLATE], { cwd, env });
  assert.equal(inline.code, 2);
  assert.match(inline.stderr, /change it by hand/);
  assert.equal(readFileSync(join(cwd, 'distsum.toml'), 'utf8'), '[trust]\nx = { manifest = "https://e.org/{name}" }\n');
});
