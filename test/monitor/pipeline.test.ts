import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runPipeline } from '../../src/monitor/pipeline.ts';

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A gate a test opens by hand.
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

// Producers that count what they produced, and a commit that holds its first batch until `slow` opens.
function slowFirstCommit<T>() {
  const slow = gate();
  const commits: T[][] = [];
  const state = { produced: 0 };
  return {
    slow,
    commits,
    state,
    produce: async (x: T) => {
      state.produced++;
      return x;
    },
    commit: async (b: T[]) => {
      commits.push(b);
      if (commits.length === 1) await slow.wait;
    },
  };
}

test('every item is produced once and committed once, in the order produced, batches taking all that waits', async () => {
  const produced: number[] = [];
  const batches: number[][] = [];
  const taken = await runPipeline<number, number>({
    items: Array.from({ length: 50 }, (_, i) => i),
    workers: 4,
    // Later items finish sooner: production order differs from item order.
    produce: async (x) => {
      await sleep((x * 7) % 5);
      produced.push(x);
      return x * 10;
    },
    commit: async (b) => {
      batches.push(b);
      await sleep(3);
    },
    maxPending: 1000,
  });
  assert.equal(taken, 50);
  assert.deepEqual(batches.flat(), produced.map((x) => x * 10));
  assert.deepEqual([...batches.flat()].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i * 10));
  // While one batch commits, the next one fills: fewer commits than items.
  assert.ok(batches.length < 50, `${batches.length} commits`);
});

test('producers run ahead of a slow commit until maxPending waits, then wait for it', async () => {
  const { slow, commits, state, produce, commit } = slowFirstCommit<number>();
  const run = runPipeline<number, number>({ items: Array.from({ length: 20 }, (_, i) => i), workers: 2, produce, commit, maxPending: 5 });
  for (let i = 0; i < 20; i++) await tick();
  // The first batch is being committed; behind it, the bound (5) waits, plus at most what each of
  // the two workers took while it was not yet reached; the other items were not taken.
  const inFirst = commits[0].length;
  assert.ok(state.produced >= inFirst + 5 && state.produced <= inFirst + 5 + 2, `produced ${state.produced}, first batch ${inFirst}`);
  assert.ok(state.produced < 20);
  slow.open();
  assert.equal(await run, 20);
  assert.equal(commits.flat().length, 20);
});

test('weights bound what waits: a heavy result fills the pending budget on its own', async () => {
  const { slow, commits, state, produce, commit } = slowFirstCommit<string>();
  const run = runPipeline<string, string>({ items: ['big', 'a', 'b', 'c'], workers: 1, produce, commit, weight: (x) => (x === 'big' ? 10 : 1), maxPending: 3 });
  for (let i = 0; i < 20; i++) await tick();
  // 'big' went to the first commit (nothing else waited); then a, b and c (weight 3) wait.
  assert.deepEqual(commits, [['big']]);
  assert.equal(state.produced, 4);
  slow.open();
  await run;
  assert.deepEqual(commits, [['big'], ['a', 'b', 'c']]);
});

test('a small batch lingers for more while producers run; the last one goes at once', async () => {
  const commits: { at: number; items: number[] }[] = [];
  const t0 = Date.now();
  await runPipeline<number, number>({
    items: [0, 1, 2, 3],
    workers: 4,
    produce: async (x) => {
      await sleep(x === 3 ? 60 : 0);
      return x;
    },
    commit: async (b) => void commits.push({ at: Date.now() - t0, items: b }),
    maxPending: 100,
    minBatch: 10,
    lingerMs: 30,
  });
  // 0, 1 and 2 waited the linger for more (3 was still running), then went without it; 3 went alone, at once.
  assert.deepEqual(commits.map((c) => c.items), [[0, 1, 2], [3]]);
  assert.ok(commits[0].at >= 25, `first commit after ${commits[0].at} ms`);
  assert.ok(commits[1].at < 30 + 60 + 25, `last commit after ${commits[1].at} ms`);

  // Nothing can join: no linger at all.
  const t1 = Date.now();
  await runPipeline({ items: [1], workers: 1, produce: async (x) => x, commit: async () => undefined, maxPending: 10, minBatch: 10, lingerMs: 5000 });
  assert.ok(Date.now() - t1 < 1000);
});

test('aborting stops taking items; what was produced is committed; the count says how many were taken', async () => {
  const ctl = new AbortController();
  const committed: number[] = [];
  const taken = await runPipeline<number, number>({
    items: Array.from({ length: 100 }, (_, i) => i),
    workers: 3,
    produce: async (x) => {
      if (x === 10) ctl.abort();
      await sleep(1);
      return x;
    },
    commit: async (b) => void committed.push(...b),
    maxPending: 100,
    signal: ctl.signal,
  });
  assert.ok(taken >= 11 && taken <= 13, `taken ${taken}`);
  assert.deepEqual([...committed].sort((a, b) => a - b), Array.from({ length: taken }, (_, i) => i));
});

test('a failing producer stops the intake, its siblings are still committed, and the run rejects with its error', async () => {
  const committed: number[] = [];
  const started: number[] = [];
  await assert.rejects(
    runPipeline<number, number>({
      items: Array.from({ length: 50 }, (_, i) => i),
      workers: 3,
      produce: async (x) => {
        started.push(x);
        await sleep(x === 4 ? 2 : 5);
        if (x === 4) throw new Error('store gone');
        return x;
      },
      commit: async (b) => void committed.push(...b),
      maxPending: 100,
    }),
    /store gone/,
  );
  // Items 0..5 had started when 4 failed; nothing after them was taken, everything else produced was committed.
  assert.ok(Math.max(...started) <= 6, `started ${started}`);
  assert.deepEqual([...committed].sort((a, b) => a - b), started.filter((x) => x !== 4).sort((a, b) => a - b));
});

test('a failing commit commits nothing more and rejects once the producers in flight have settled', async () => {
  let inFlight = 0;
  let commits = 0;
  await assert.rejects(
    runPipeline<number, number>({
      items: Array.from({ length: 40 }, (_, i) => i),
      workers: 4,
      produce: async (x) => {
        inFlight++;
        await sleep(2);
        inFlight--;
        return x;
      },
      commit: async () => {
        commits++;
        throw new Error('disk full');
      },
      maxPending: 100,
    }),
    /disk full/,
  );
  assert.equal(commits, 1);
  assert.equal(inFlight, 0);
});

test('beforeEach runs before every item is taken', async () => {
  const log: string[] = [];
  await runPipeline<string, string>({
    items: ['a', 'b'],
    workers: 1,
    beforeEach: async () => void log.push('wait'),
    produce: async (x) => (log.push(x), x),
    commit: async () => undefined,
    maxPending: 10,
  });
  assert.deepEqual(log, ['wait', 'a', 'wait', 'b']);
  // One that has nothing to wait for returns undefined; one that throws ends the run with its error.
  const sync: string[] = [];
  await runPipeline<string, string>({
    items: ['a', 'b'],
    workers: 1,
    beforeEach: () => void sync.push('check'),
    produce: async (x) => (sync.push(x), x),
    commit: async () => undefined,
    maxPending: 10,
  });
  assert.deepEqual(sync, ['check', 'a', 'check', 'b']);
  const boom = new Error('backoff failed');
  await assert.rejects(
    runPipeline<string, string>({
      items: ['a'],
      workers: 1,
      beforeEach: () => {
        throw boom;
      },
      produce: async (x) => x,
      commit: async () => undefined,
      maxPending: 10,
    }),
    (e: unknown) => e === boom,
  );
});

test('an empty list resolves at once; bad worker counts are refused', async () => {
  assert.equal(await runPipeline({ items: [], workers: 2, produce: async (x) => x, commit: async () => assert.fail('no commit'), maxPending: 1 }), 0);
  await assert.rejects(runPipeline({ items: [1], workers: 0, produce: async (x) => x, commit: async () => undefined, maxPending: 1 }), RangeError);
});

test('property: any workers, bounds and timings commit each item exactly once and never hold more than the bound', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 0, max: 3 }),
      async (n, workers, maxPending, delays, commitDelay) => {
        let waiting = 0;
        let worst = 0;
        const committed: number[] = [];
        const taken = await runPipeline<number, number>({
          items: Array.from({ length: n }, (_, i) => i),
          workers,
          produce: async (x) => {
            await sleep(delays[x % delays.length]);
            waiting++;
            worst = Math.max(worst, waiting);
            return x;
          },
          commit: async (b) => {
            waiting -= b.length;
            await sleep(commitDelay);
            committed.push(...b);
          },
          maxPending,
          minBatch: 4,
          lingerMs: 2,
        });
        assert.equal(taken, n);
        assert.deepEqual([...committed].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
        // What waits for a commit: at most the bound plus what the workers had in hand.
        assert.ok(worst <= maxPending + workers, `worst ${worst} > ${maxPending} + ${workers}`);
      },
    ),
    { numRuns: 60 },
  );
});
