import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { digestFile, READ_CHUNK } from '../../src/digest/file.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { pythonDigests, tempDir } from './oracle.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures');

interface PypiRelease {
  urls: { filename: string; size: number; url: string; digests: { sha256: string; blake2b_256?: string; md5: string } }[];
}

test('the real wheels hash to what pypi.org recorded (sha256, blake2b_256, md5, size)', async () => {
  const recorded = new Map<string, PypiRelease['urls'][number]>();
  const api = join(FIXTURES, 'pypi/json-api');
  for (const f of readdirSync(api)) {
    for (const u of (JSON.parse(readFileSync(join(api, f), 'utf8')) as PypiRelease).urls) recorded.set(u.filename, u);
  }
  let checked = 0;
  for (const name of readdirSync(join(FIXTURES, 'dists'))) {
    const d = await digestFile(join(FIXTURES, 'dists', name), { md5: true });
    const r = recorded.get(name);
    if (r) {
      assert.equal(d.size, r.size, name);
      assert.equal(d.sha256, r.digests.sha256, name);
      assert.equal(d.blake2b_256, r.digests.blake2b_256, name);
      assert.equal(d.md5, r.digests.md5, name);
      // files.pythonhosted.org paths are the blake2b_256 split 2/2/60: a second record of it.
      assert.match(r.url, new RegExp(`/packages/${d.blake2b_256.slice(0, 2)}/${d.blake2b_256.slice(2, 4)}/${d.blake2b_256.slice(4)}/`));
      checked++;
    }
  }
  assert.equal(checked, 3, 'poetry-core, setuptools and wheel have JSON API records');
});

test('beautifulsoup4: sha256 and the blake2b URL path recorded in the fixtures README', async () => {
  const readme = readFileSync(join(FIXTURES, 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith('| beautifulsoup4-4.12.3-py3-none-any.whl'));
  assert.ok(row, 'README row for beautifulsoup4');
  const sha = /sha256 ([0-9a-f]{64})/.exec(row)![1];
  const [, a, b, c] = /URL path ([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]+)/.exec(row)!;
  const d = await digestFile(join(FIXTURES, 'dists/beautifulsoup4-4.12.3-py3-none-any.whl'));
  assert.equal(d.sha256, sha);
  assert.ok(d.blake2b_256.startsWith(a + b + c), `${d.blake2b_256} starts with ${a}${b}${c}`);
  assert.equal(d.size, 147925);
});

test('random files agree with python3 hashlib, across read-chunk boundaries', async () => {
  const { dir, cleanup } = tempDir('distsum-digestfile-');
  try {
    const sizes = [0, 1, READ_CHUNK - 1, READ_CHUNK, READ_CHUNK + 1, 3 * READ_CHUNK + 7];
    const paths = sizes.map((n, i) => {
      const p = join(dir, `f${i}`);
      writeFileSync(p, randomBytes(n));
      return p;
    });
    const py = pythonDigests(paths);
    for (let i = 0; i < paths.length; i++) {
      let reported = 0;
      let calls = 0;
      const d = await digestFile(paths[i], {
        md5: true,
        onBytes: (n) => {
          reported += n;
          calls++;
        },
      });
      assert.deepEqual(d, py[i], `size ${sizes[i]}`);
      assert.equal(reported, sizes[i]);
      assert.equal(calls, Math.ceil(sizes[i] / READ_CHUNK), 'one progress call per chunk read');
    }
  } finally {
    cleanup();
  }
});

test('missing files and directories are UsageErrors naming the path', async () => {
  const { dir, cleanup } = tempDir('distsum-digestfile-');
  try {
    const missing = join(dir, 'nope.whl');
    await assert.rejects(digestFile(missing), (e: unknown) => e instanceof UsageError && e.message.includes(missing) && /no such file/.test(e.message));
    mkdirSync(join(dir, 'sub'));
    await assert.rejects(digestFile(join(dir, 'sub')), (e: unknown) => e instanceof UsageError && /is a directory/.test(e.message));
  } finally {
    cleanup();
  }
});

test('a file that grows while it is read is an InputError, not wrong digests', async () => {
  const { dir, cleanup } = tempDir('distsum-digestfile-');
  try {
    const p = join(dir, 'growing.whl');
    writeFileSync(p, randomBytes(READ_CHUNK * 2));
    let once = false;
    const grow = () => {
      if (!once) appendFileSync(p, 'more');
      once = true;
    };
    await assert.rejects(digestFile(p, { onBytes: grow }), (e: unknown) => e instanceof InputError && /changed while it was being hashed/.test(e.message));
  } finally {
    cleanup();
  }
});

test('an AbortSignal stops the read', async () => {
  const { dir, cleanup } = tempDir('distsum-digestfile-');
  try {
    const p = join(dir, 'big.whl');
    writeFileSync(p, randomBytes(READ_CHUNK * 4));
    const ac = new AbortController();
    let chunks = 0;
    await assert.rejects(
      digestFile(p, {
        signal: ac.signal,
        onBytes: () => {
          chunks++;
          ac.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(chunks, 1, 'stopped after the chunk during which it was aborted');
    await assert.rejects(digestFile(p, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  } finally {
    cleanup();
  }
});
