import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointStore } from '../../src/verify/state.ts';
import { InputError } from '../../src/errors.ts';
import { tempDir } from './support/cli.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const now = () => new Date(Date.UTC(2024, 4, 1, 12, 0, 0));

test('empty at first; compare-and-swap stores, and refuses when the state moved', async (t) => {
  const dir = join(tempDir(t), 'logs', 'x');
  const s = checkpointStore(dir, now);
  assert.equal(await s.read(), undefined);
  assert.equal(await s.compareAndSwap(undefined, enc('one')), true);
  assert.equal(Buffer.from((await s.read())!).toString(), 'one');
  assert.equal(await s.compareAndSwap(undefined, enc('two')), false);
  assert.equal(await s.compareAndSwap(enc('other'), enc('two')), false);
  assert.equal(await s.compareAndSwap(enc('one'), enc('two')), true);
  assert.equal(readFileSync(s.path, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['checkpoint'], 'no lock or temporary file left');
});

test('concurrent swaps from the same expected value: exactly one wins', async (t) => {
  const s = checkpointStore(tempDir(t), now);
  await s.compareAndSwap(undefined, enc('base'));
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => checkpointStore(join(s.path, '..'), now).compareAndSwap(enc('base'), enc(`v${i}`))));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = results.indexOf(true);
  assert.equal(readFileSync(s.path, 'utf8'), `v${winner}`);
});

test('a stale lock left by a crashed run is taken over; a fresh one is waited for', async (t) => {
  const dir = tempDir(t);
  const s = checkpointStore(dir, now);
  writeFileSync(join(dir, 'checkpoint.lock'), '999999\n');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'checkpoint.lock'), old, old);
  assert.equal(await s.compareAndSwap(undefined, enc('a')), true);

  writeFileSync(join(dir, 'checkpoint.lock'), '1\n');
  const pending = s.compareAndSwap(enc('a'), enc('b'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(readFileSync(s.path, 'utf8'), 'a', 'waits while the lock is held');
  rmSync(join(dir, 'checkpoint.lock'));
  assert.equal(await pending, true);
  assert.equal(readFileSync(s.path, 'utf8'), 'b');
});

test('an oversized state file is refused naming it', async (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'checkpoint'), Buffer.alloc((1 << 20) + 1));
  await assert.rejects(checkpointStore(dir, now).read(), (e: unknown) => e instanceof InputError && e.message.includes(join(dir, 'checkpoint')));
});

test('reports are saved under reports/, never overwriting', async (t) => {
  const s = checkpointStore(tempDir(t), now);
  const a = await s.saveReport('first\n');
  const b = await s.saveReport('second\n');
  assert.notEqual(a, b);
  assert.match(a, /reports\/misbehaviour-2024-05-01T12-00-00-000Z\.txt$/);
  assert.equal(readFileSync(a, 'utf8'), 'first\n');
  assert.equal(readFileSync(b, 'utf8'), 'second\n');
});
