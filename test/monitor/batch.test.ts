import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from '../../src/monitor/batch.ts';

test('calls made while a commit runs share the next commit, each getting its own results', async () => {
  const commits: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const run = coalesce<number, number>(async (items) => {
    commits.push(items);
    if (commits.length === 1) await gate;
    return items.map((x) => x * 10);
  });
  const a = run([1]);
  const b = run([2, 3]);
  const c = run([4]);
  const empty = run([]);
  await new Promise((r) => setImmediate(r));
  release();
  assert.deepEqual(await a, [10]);
  assert.deepEqual(await b, [20, 30]);
  assert.deepEqual(await c, [40]);
  assert.deepEqual(await empty, []);
  assert.deepEqual(commits, [[1], [2, 3, 4]]);
});

test('with a linger, calls arriving just after the first share its commit; a failure reaches every caller in it', async () => {
  const commits: string[][] = [];
  const run = coalesce<string, string>(async (items) => {
    commits.push(items);
    if (items.includes('bad')) throw new Error('disk full');
    return items;
  }, { lingerMs: 20 });
  const a = run(['a']);
  await new Promise((r) => setTimeout(r, 5));
  const b = run(['bad']);
  await assert.rejects(a, /disk full/);
  await assert.rejects(b, /disk full/);
  assert.deepEqual(commits, [['a', 'bad']]);
  assert.deepEqual(await run(['c']), ['c']);
});

test('with nextTurn, the calls of one turn of the event loop share a run; without, each goes alone', async () => {
  for (const nextTurn of [true, false]) {
    const runs: number[][] = [];
    const run = coalesce<number, number>(async (items) => (runs.push(items), items.map((x) => -x)), { nextTurn });
    const results: Promise<number[]>[] = [];
    // Three I/O-like callbacks of one turn.
    for (const x of [1, 2, 3]) setImmediate(() => results.push(run([x])));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await Promise.all(results), [[-1], [-2], [-3]]);
    assert.deepEqual(runs, nextTurn ? [[1, 2, 3]] : [[1], [2], [3]]);
    // A later turn gets a run of its own.
    assert.deepEqual(await run([4]), [-4]);
    assert.deepEqual(runs.at(-1), [4]);
  }
});
