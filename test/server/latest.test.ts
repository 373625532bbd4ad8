// The cached latest checkpoint: re-read after the TTL, on invalidate, or when too small.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestCheckpoint } from '../../src/server/latest.ts';
import type { LogReader } from '../../src/log/log.ts';
import type { StoredCheckpoint } from '../../src/store/store.ts';

function fakeReader(sizes: number[]) {
  let reads = 0;
  let release: (() => void) | undefined;
  const reader = {
    gate: false,
    async latestCheckpoint(): Promise<StoredCheckpoint> {
      const size = sizes[Math.min(reads, sizes.length - 1)];
      reads++;
      if (reader.gate) await new Promise<void>((r) => (release = r));
      return { size, hash: new Uint8Array(32), note: new Uint8Array(0), created: size };
    },
  };
  return { reader, reads: () => reads, release: () => release?.() };
}

test('serves from memory within the TTL, re-reads after it', async () => {
  const f = fakeReader([1, 2, 3]);
  let t = 0;
  const l = latestCheckpoint(f.reader as unknown as LogReader, 100, () => t);
  assert.equal((await l.get()).size, 1);
  t = 99;
  assert.equal((await l.get()).size, 1);
  assert.equal(f.reads(), 1);
  t = 100;
  assert.equal((await l.get()).size, 2);
  assert.equal(f.reads(), 2);
});

test('invalidate and minSize force a read', async () => {
  const f = fakeReader([1, 5, 9]);
  const l = latestCheckpoint(f.reader as unknown as LogReader, 1e9, () => 0);
  assert.equal((await l.get()).size, 1);
  l.invalidate();
  assert.equal((await l.get()).size, 5);
  assert.equal((await l.get(5)).size, 5);
  assert.equal((await l.get(6)).size, 9);
  assert.equal(f.reads(), 3);
});

test('concurrent misses share one read', async () => {
  const f = fakeReader([4]);
  f.reader.gate = true;
  const l = latestCheckpoint(f.reader as unknown as LogReader, 1e9, () => 0);
  const all = Promise.all([l.get(), l.get(), l.get()]);
  await new Promise((r) => setImmediate(r));
  f.release();
  assert.deepEqual((await all).map((c) => c.size), [4, 4, 4]);
  assert.equal(f.reads(), 1);
});

test('a read that started before an invalidate is not cached', async () => {
  const f = fakeReader([1, 2]);
  f.reader.gate = true;
  const l = latestCheckpoint(f.reader as unknown as LogReader, 1e9, () => 0);
  const first = l.get();
  await new Promise((r) => setImmediate(r));
  l.invalidate(); // a commit happened while reading
  f.release();
  assert.equal((await first).size, 1);
  f.reader.gate = false;
  assert.equal((await l.get()).size, 2);
});

test('peek answers what get would without reading, and nothing once get would read', async () => {
  const f = fakeReader([5, 9]);
  let t = 0;
  const l = latestCheckpoint(f.reader as unknown as LogReader, 100, () => t);
  assert.equal(l.peek(), undefined);
  assert.equal((await l.get()).size, 5);
  assert.equal(l.peek()?.size, 5);
  assert.equal(l.peek(5)?.size, 5);
  assert.equal(l.peek(6), undefined, 'too small');
  t = 100;
  assert.equal(l.peek(), undefined, 'too old');
  assert.equal((await l.get()).size, 9);
  l.invalidate();
  assert.equal(l.peek(), undefined, 'invalidated');
  assert.equal(f.reads(), 2);
});
