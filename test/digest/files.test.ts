import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { build } from 'esbuild';
import { digestFiles, largestFirst } from '../../src/digest/files.ts';
import { UsageError } from '../../src/errors.ts';
import { pythonDigests, tempDir } from './oracle.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function makeFiles(dir: string, sizes: number[]): string[] {
  return sizes.map((n, i) => {
    const p = join(dir, `f${i}.whl`);
    writeFileSync(p, randomBytes(n));
    return p;
  });
}

test('worker pool: digests match python3 hashlib, in argument order, with progress summing to the total', async () => {
  const { dir, cleanup } = tempDir('distsum-files-');
  try {
    // Sizes out of order so that largest-first scheduling finishes files out of argument order.
    const sizes = [10, 3 << 20, 0, 9 << 20, 1, (1 << 20) + 3, 17 << 20, 5000];
    const paths = makeFiles(dir, sizes);
    let progress = 0;
    const got = await digestFiles(paths, { md5: true, concurrency: 2, inlineBelow: 0, onBytes: (n) => (progress += n) });
    assert.deepEqual(got, pythonDigests(paths));
    assert.equal(progress, sizes.reduce((a, b) => a + b, 0));
  } finally {
    cleanup();
  }
});

test('inline path (one thread, or little data) gives the same digests, md5 only when asked', async () => {
  const { dir, cleanup } = tempDir('distsum-files-');
  try {
    const paths = makeFiles(dir, [7, 70_000, 2 << 20]);
    const want = pythonDigests(paths).map(({ md5: _md5, ...rest }) => rest);
    assert.deepEqual(await digestFiles(paths, { concurrency: 1 }), want);
    assert.deepEqual(await digestFiles(paths), want, 'below inlineBelow');
    assert.deepEqual(await digestFiles([]), []);
  } finally {
    cleanup();
  }
});

test('a missing path fails before hashing starts, naming it', async () => {
  const { dir, cleanup } = tempDir('distsum-files-');
  try {
    const paths = [...makeFiles(dir, [100]), join(dir, 'missing.whl')];
    let progress = 0;
    await assert.rejects(
      digestFiles(paths, { inlineBelow: 0, onBytes: (n) => (progress += n) }),
      (e: unknown) => e instanceof UsageError && e.message.includes('missing.whl'),
    );
    assert.equal(progress, 0);
    mkdirSync(join(dir, 'd'));
    await assert.rejects(digestFiles([join(dir, 'd')]), (e: unknown) => e instanceof UsageError && /is a directory/.test(e.message));
  } finally {
    cleanup();
  }
});

test('a failure inside a worker rejects with the typed error and the pool shuts down', async () => {
  const { dir, cleanup } = tempDir('distsum-files-');
  try {
    // The small file is hashed last (largest first); it disappears once hashing has begun.
    const paths = makeFiles(dir, [20 << 20, 20 << 20, 10]);
    let removed = false;
    await assert.rejects(
      digestFiles(paths, {
        concurrency: 2,
        inlineBelow: 0,
        onBytes: () => {
          if (!removed) unlinkSync(paths[2]);
          removed = true;
        },
      }),
      (e: unknown) => e instanceof UsageError && e.message.includes(paths[2]) && /no such file/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test('a throwing progress callback rejects the call instead of crashing the process', async () => {
  const { dir, cleanup } = tempDir('distsum-files-');
  try {
    const paths = makeFiles(dir, [9 << 20, 9 << 20]);
    await assert.rejects(
      digestFiles(paths, {
        concurrency: 2,
        inlineBelow: 0,
        onBytes: () => {
          throw new Error('progress bar broke');
        },
      }),
      /progress bar broke/,
    );
  } finally {
    cleanup();
  }
});

test('largestFirst orders indices by size, descending, ties by index', () => {
  assert.deepEqual(largestFirst([5, 1, 5, 9, 0]), [3, 0, 2, 1, 4]);
  fc.assert(
    fc.property(fc.array(fc.nat()), (sizes) => {
      const order = largestFirst(sizes);
      assert.deepEqual([...order].sort((a, b) => a - b), sizes.map((_, i) => i));
      for (let i = 1; i < order.length; i++) {
        const [a, b] = [order[i - 1], order[i]];
        assert.ok(sizes[a] > sizes[b] || (sizes[a] === sizes[b] && a < b));
      }
    }),
  );
});

test('from the esbuild bundle, the worker is found beside it and the process exits when done', async () => {
  const { dir, cleanup } = tempDir('distsum-bundle-');
  try {
    const out = join(dir, 'dist');
    const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' } as const;
    // The same layout scripts/build.mjs produces: the entry and digest-worker.js side by side.
    await build({ ...common, entryPoints: [join(ROOT, 'src/digest/index.ts')], outfile: join(out, 'cli.js') });
    await build({ ...common, entryPoints: [join(ROOT, 'src/digest/worker.ts')], outfile: join(out, 'digest-worker.js') });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const paths = makeFiles(dir, [4 << 20, 3 << 20, 123]);
    const script = `
      const { digestFiles } = await import(${JSON.stringify(join(out, 'cli.js'))});
      const r = await digestFiles(${JSON.stringify(paths)}, { concurrency: 2, inlineBelow: 0, md5: true });
      console.log(JSON.stringify(r));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), pythonDigests(paths));
  } finally {
    cleanup();
  }
});
