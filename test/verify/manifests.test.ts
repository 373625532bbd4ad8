import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { manifestFinder } from '../../src/verify/manifests.ts';
import type { SourcedPolicy } from '../../src/config/load.ts';
import { diskCache } from '../../src/verify/diskcache.ts';
import { httpGetter, offlineGetter } from '../../src/verify/fetch.ts';
import type { Getter } from '../../src/verify/fetch.ts';
import { InputError } from '../../src/errors.ts';
import { tempDir } from './support/cli.ts';
import { allowedSignersLine, manifestText, sshKey, sshSign } from './support/ssh.ts';

const H = (c: string) => c.repeat(64);
const FILES = [{ filename: 'example_pkg-1.2.0-py3-none-any.whl', sha256: H('a'), blake2b_256: H('b') }];
const now = () => new Date();

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tempDir(t);
  const rel = join(dir, 'releases');
  mkdirSync(rel);
  const good = sshKey(dir, 'good', 'maintainer');
  sshKey(dir, 'evil');
  writeFileSync(join(dir, 'allowed_signers'), allowedSignersLine('maintainer@example.org', good));
  const manifest = join(rel, 'example_pkg-1.2.0.hashes.txt');
  writeFileSync(manifest, manifestText('example-pkg', '1.2.0', FILES));
  const policy: SourcedPolicy = {
    project: 'example-pkg',
    manifest: `${pathToFileURL(rel).href}/{name}-{version}.hashes.txt`,
    signers: join(dir, 'allowed_signers'),
    identity: 'maintainer@example.org',
    source: join(dir, 'distsum.toml'),
  };
  return { dir, manifest, policy };
}

test('a manifest signed by an allowed key, for the release asked, is ok', async (t) => {
  const { dir, manifest, policy } = setup(t);
  sshSign(dir, 'good', manifest);
  const find = manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now });
  const r = await find(policy, 'example-pkg', '1.2.0');
  assert.equal(r.status, 'ok');
  assert.ok(r.status === 'ok' && r.signature?.principal === 'maintainer@example.org');
  assert.deepEqual(r.status === 'ok' && r.manifest.files.map((f) => f.filename), [FILES[0].filename]);
  // Without --identity any principal listed for the key is accepted.
  const any = await manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now })({ ...policy, identity: undefined }, 'example-pkg', '1.2.0');
  assert.equal(any.status === 'ok' && any.signature?.principal, 'maintainer@example.org');
});

test('a manifest signed by another key is not the publisher\'s', async (t) => {
  const { dir, manifest, policy } = setup(t);
  sshSign(dir, 'evil', manifest);
  const r = await manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now })(policy, 'example-pkg', '1.2.0');
  assert.equal(r.status, 'bad');
  assert.ok(r.status === 'bad' && /not trusted|no principal/.test(r.why), r.status === 'bad' ? r.why : '');
});

test('a missing signature is refused when the policy has signers; not needed without', async (t) => {
  const { policy } = setup(t);
  const find = () => manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now });
  const r = await find()(policy, 'example-pkg', '1.2.0');
  assert.ok(r.status === 'bad' && /has no signature at file:.*\.hashes\.txt\.sig/.test(r.why));
  const plain = await find()({ ...policy, signers: undefined, identity: undefined }, 'example-pkg', '1.2.0');
  assert.equal(plain.status, 'ok');
  assert.equal(plain.status === 'ok' && plain.signature, undefined);
});

test('a manifest of another release is refused; a missing or malformed one is reported', async (t) => {
  const { manifest, policy } = setup(t);
  const nosig = { ...policy, signers: undefined, identity: undefined };
  const find = () => manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now });
  writeFileSync(manifest.replace('1.2.0', '1.3.0'), manifestText('example-pkg', '1.2.0', FILES));
  const other = await find()(nosig, 'example-pkg', '1.3.0');
  assert.ok(other.status === 'bad' && /manifest of example-pkg 1\.2\.0, not example-pkg 1\.3\.0/.test(other.why));
  assert.equal((await find()(nosig, 'example-pkg', '9.9')).status, 'missing');
  writeFileSync(manifest.replace('1.2.0', '2.0'), 'not a manifest\n');
  assert.equal((await find()(nosig, 'example-pkg', '2.0')).status, 'error');
  assert.equal((await find()(nosig, 'example-pkg', undefined)).status, 'error');
  assert.equal((await find()(nosig, 'example-pkg', '../../etc')).status, 'error');
});

test('an unreadable allowed_signers file stops the run (configuration error)', async (t) => {
  const { dir, manifest, policy } = setup(t);
  sshSign(dir, 'good', manifest);
  const find = manifestFinder({ get: httpGetter(), cache: diskCache(undefined), offline: false, now });
  await assert.rejects(find({ ...policy, signers: join(dir, 'nope') }, 'example-pkg', '1.2.0'), InputError);
});

test('https manifests are fetched once per run, cached, and usable offline', async (t) => {
  const dir = tempDir(t);
  const text = manifestText('example-pkg', '1.2.0', FILES);
  const calls: string[] = [];
  const get: Getter = async (url) => {
    calls.push(url);
    return { url, status: 200, body: new TextEncoder().encode(text) };
  };
  const policy: SourcedPolicy = { project: 'example-pkg', manifest: 'https://example.org/{name}-{version}.hashes.txt', source: 'x' };
  const cache = diskCache(join(dir, 'cache'));
  const find = manifestFinder({ get, cache, offline: false, now });
  const [a, b] = await Promise.all([find(policy, 'example-pkg', '1.2.0'), find(policy, 'example-pkg', '1.2.0')]);
  assert.equal(a.status, 'ok');
  assert.equal(b, a);
  assert.deepEqual(calls, ['https://example.org/example_pkg-1.2.0.hashes.txt']);
  const offline = await manifestFinder({ get: offlineGetter(), cache, offline: true, now })(policy, 'example-pkg', '1.2.0');
  assert.equal(offline.status, 'ok');
  const cold = await manifestFinder({ get: offlineGetter(), cache: diskCache(join(dir, 'empty')), offline: true, now })(policy, 'example-pkg', '1.2.0');
  assert.ok(cold.status === 'error' && /offline/.test(cold.why));
});
