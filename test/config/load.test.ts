import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectConfig, loadConfig, mergeConfig, readConfigFile, userConfigPath } from '../../src/config/load.ts';
import { parseConfig } from '../../src/config/config.ts';
import { userDirs } from '../../src/config/xdg.ts';
import { InputError } from '../../src/errors.ts';

function temp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'distsum-load-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('finds the nearest distsum.toml upward, stopping at a repository root', async (t) => {
  const d = temp(t);
  const repo = join(d, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'a', 'b'), { recursive: true });
  writeFileSync(join(d, 'distsum.toml'), '# outside the repository\n');
  assert.equal(await findProjectConfig(join(repo, 'a', 'b')), undefined, 'must not escape the repository');
  writeFileSync(join(repo, 'distsum.toml'), '');
  assert.equal(await findProjectConfig(join(repo, 'a', 'b')), join(repo, 'distsum.toml'));
  writeFileSync(join(repo, 'a', 'distsum.toml'), '');
  assert.equal(await findProjectConfig(join(repo, 'a', 'b')), join(repo, 'a', 'distsum.toml'));
});

test('the search stops at the home directory', async (t) => {
  const d = temp(t);
  const home = join(d, 'home');
  mkdirSync(join(home, 'p'), { recursive: true });
  writeFileSync(join(d, 'distsum.toml'), '');
  assert.equal(await findProjectConfig(join(home, 'p'), home), undefined);
  assert.equal(await findProjectConfig(join(home, 'p')), join(d, 'distsum.toml'));
});

test('readConfigFile: undefined when missing; InputError when too large', async (t) => {
  const d = temp(t);
  assert.equal(await readConfigFile(join(d, 'nope.toml')), undefined);
  writeFileSync(join(d, 'big.toml'), '#'.repeat((1 << 20) + 1));
  await assert.rejects(readConfigFile(join(d, 'big.toml')), (e: unknown) => e instanceof InputError && /larger than/.test(e.message));
});

test('[log] comes whole from the project file when it sets url or key; env overrides both', () => {
  const user = parseConfig('[log]\nurl = "https://user.example"\nkey = "userkey"\n[trust.a]\nmanifest = "https://u/{name}"\n[trust.b]\nmanifest = "https://u/{name}"\n', '/home/u/.config/distsum/config.toml');
  const project = parseConfig('[log]\nurl = "https://proj.example"\n[verify]\nstrict = true\n[trust.b]\nmanifest = "https://p/{name}"\n', '/p/distsum.toml');
  const m = mergeConfig(user, project, {});
  assert.deepEqual(m.log, { url: 'https://proj.example' }, 'no key from another file');
  assert.deepEqual(m.logSource, { url: '/p/distsum.toml' });
  assert.equal(m.strict, true);
  assert.equal(m.trust.get('a')!.source, '/home/u/.config/distsum/config.toml');
  assert.equal(m.trust.get('b')!.manifest, 'https://p/{name}');
  assert.deepEqual(m.files, ['/p/distsum.toml', '/home/u/.config/distsum/config.toml']);

  const u = mergeConfig(user, parseConfig('', '/p/distsum.toml'), { DISTSUM_LOG_KEY: 'envkey' });
  assert.deepEqual(u.log, { url: 'https://user.example', key: 'envkey' });
  assert.deepEqual(u.logSource, { url: '/home/u/.config/distsum/config.toml', key: 'DISTSUM_LOG_KEY' });
  assert.equal(u.strict, false);
  const e = mergeConfig(undefined, undefined, { DISTSUM_LOG: 'https://env.example', DISTSUM_LOG_KEY: 'k' });
  assert.deepEqual(e.log, { url: 'https://env.example', key: 'k' });
});

test('loadConfig reads the project file near the inputs and the user file', async (t) => {
  const d = temp(t);
  const env = { HOME: join(d, 'home'), XDG_CONFIG_HOME: join(d, 'cfg') };
  const dirs = userDirs(env);
  mkdirSync(dirs.config, { recursive: true });
  writeFileSync(userConfigPath(dirs), '[trust.x]\nmanifest = "https://x/{version}"\n');
  mkdirSync(join(d, 'proj', '.git'), { recursive: true });
  writeFileSync(join(d, 'proj', 'distsum.toml'), '[log]\nurl = "https://log.example"\nkey = "k"\n');
  const c = await loadConfig({ startDir: join(d, 'proj'), dirs, env, home: env.HOME });
  assert.deepEqual(c.log, { url: 'https://log.example', key: 'k' });
  assert.ok(c.trust.has('x'));
  await assert.rejects(loadConfig({ startDir: d, dirs, env, explicit: join(d, 'missing.toml') }), /does not exist/);
});
