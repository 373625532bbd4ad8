import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { cacheName, diskCache, isCachePath, logDirName } from '../../src/verify/diskcache.ts';
import { tempDir } from './support/cli.ts';

test('round-trips bytes by relative path, bounded by maxBytes', async (t) => {
  const root = tempDir(t);
  const c = diskCache(root);
  await c.write('tile/0/x001/067.p/5', new Uint8Array([1, 2, 3]));
  assert.deepEqual(await c.read('tile/0/x001/067.p/5', 3), new Uint8Array([1, 2, 3]));
  assert.equal(await c.read('tile/0/x001/067.p/5', 2), undefined, 'larger than allowed');
  assert.equal(await c.read('tile/0/nothing', 100), undefined);
});

test('paths that could leave the cache are ignored', async (t) => {
  const root = join(tempDir(t), 'cache');
  const c = diskCache(root);
  for (const bad of ['../x', '/etc/passwd', 'a/../../b', '', 'a//b', '.hidden', 'a/.', 'x/..']) {
    assert.equal(isCachePath(bad), false, bad);
    await c.write(bad, new Uint8Array([1]));
    assert.equal(await c.read(bad, 10), undefined);
  }
  assert.deepEqual(readdirSync(join(root, '..')), [], 'nothing was written anywhere');
});

test('write failures are ignored: the cache is only an optimization', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'ro'));
  const c = diskCache(join(root, 'ro', 'file-not-dir'));
  await diskCache(join(root, 'ro')).write('file-not-dir', new Uint8Array([1]));
  await c.write('x/y', new Uint8Array([2]));
  assert.equal(await c.read('x/y', 10), undefined);
});

test('a cache without a root holds nothing', async () => {
  const c = diskCache(undefined);
  await c.write('a', new Uint8Array([1]));
  assert.equal(await c.read('a', 10), undefined);
});

test('log directory names are path-safe and differ per key', () => {
  const a = logDirName('example.com/log', 'example.com/log+11111111+AAAA');
  const b = logDirName('example.com/log', 'example.com/log+22222222+BBBB');
  assert.match(a, /^example\.com_log-[0-9a-f]{16}$/);
  assert.notEqual(a, b);
  fc.assert(
    fc.property(fc.string(), fc.string(), (origin, key) => {
      const n = logDirName(origin, key);
      assert.ok(isCachePath(n), n);
      assert.ok(n.length <= 64 + 17);
    }),
  );
  assert.equal(cacheName('x'), '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
});
