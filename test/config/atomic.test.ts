import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/config/atomic.ts';

function temp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'distsum-atomic-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('creates parent directories and writes the bytes with the mode asked', async (t) => {
  const d = temp(t);
  const p = join(d, 'a', 'b', 'file');
  await writeFileAtomic(p, 'hello\n', 0o600);
  assert.equal(readFileSync(p, 'utf8'), 'hello\n');
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(d, 'a', 'b')), ['file']);
});

test('replaces an existing file and leaves no temporary files', async (t) => {
  const d = temp(t);
  const p = join(d, 'f');
  writeFileSync(p, 'old');
  await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(p)], [1, 2, 3]);
  assert.deepEqual(readdirSync(d), ['f']);
});

test('concurrent writers never leave a torn file: the result is one of the contents written', async (t) => {
  const d = temp(t);
  const p = join(d, 'f');
  const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000 + i));
  await Promise.all(contents.map((c) => writeFileAtomic(p, c)));
  assert.ok(contents.includes(readFileSync(p, 'utf8')));
  assert.deepEqual(readdirSync(d), ['f']);
});

test('a failed write leaves the target untouched and cleans up', async (t) => {
  if (process.getuid?.() === 0) {
    // root ignores directory permissions; make the rename fail by targeting a directory instead.
    const d = temp(t);
    const target = join(d, 'dir');
    await writeFileAtomic(join(target, 'x'), 'inside');
    await assert.rejects(writeFileAtomic(target, 'data'));
    assert.equal(readFileSync(join(target, 'x'), 'utf8'), 'inside');
    assert.deepEqual(readdirSync(d), ['dir']);
    return;
  }
  const d = temp(t);
  const p = join(d, 'f');
  writeFileSync(p, 'old');
  chmodSync(d, 0o500);
  t.after(() => chmodSync(d, 0o700));
  await assert.rejects(writeFileAtomic(p, 'new'));
  assert.equal(readFileSync(p, 'utf8'), 'old');
});
