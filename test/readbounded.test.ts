import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readBounded } from '../src/readbounded.ts';
import { InputError, UsageError } from '../src/errors.ts';
import { tempDir } from './digest/oracle.ts';

test('reads files up to the cap exactly; larger ones are refused with the chosen error', async () => {
  const { dir, cleanup } = tempDir('distsum-bounded-');
  try {
    for (const size of [0, 1, 1000, 65535, 65536, 65537, 300_000]) {
      const p = join(dir, `f${size}`);
      const data = randomBytes(size);
      writeFileSync(p, data);
      assert.deepEqual(Buffer.from((await readBounded(p, 300_000, { what: 'file' }))!), data, `size ${size}`);
      if (size > 0) {
        await assert.rejects(readBounded(p, size - 1, { what: 'manifest' }), (e: unknown) => e instanceof UsageError && e.message === `manifest ${p} is larger than ${size - 1} bytes`);
        await assert.rejects(
          readBounded(p, size - 1, { what: 'x', tooLarge: (path, max) => new InputError(`${path} over ${max}`) }),
          (e: unknown) => e instanceof InputError && e.message === `${p} over ${size - 1}`,
        );
      }
    }
  } finally {
    cleanup();
  }
});

test('a missing file is undefined; a directory or unreadable path is a one-line UsageError', async () => {
  const { dir, cleanup } = tempDir('distsum-bounded-');
  try {
    assert.equal(await readBounded(join(dir, 'nope'), 10, { what: 'file' }), undefined);
    mkdirSync(join(dir, 'd'));
    await assert.rejects(readBounded(join(dir, 'd'), 10, { what: 'key file' }), (e: unknown) => e instanceof UsageError && /^cannot read key file .*\/d: EISDIR$/.test((e as Error).message));
    assert.equal(await readBounded(join(dir, 'nope', 'x'), 10, { what: 'file' }), undefined);
    writeFileSync(join(dir, 'plain'), 'x');
    await assert.rejects(readBounded(join(dir, 'plain', 'x'), 10, { what: 'file' }), (e: unknown) => e instanceof UsageError && /: ENOTDIR$/.test((e as Error).message));
  } finally {
    cleanup();
  }
});
