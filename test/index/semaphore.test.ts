import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSemaphore } from '../../src/index/semaphore.ts';

test('at most `limit` holders at once, granted in request order; double release is harmless', async () => {
  const sem = createSemaphore(2);
  const order: string[] = [];
  const r1 = await sem.acquire();
  const r2 = await sem.acquire();
  const p3 = sem.acquire().then((r) => (order.push('3'), r));
  const p4 = sem.acquire().then((r) => (order.push('4'), r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, []);
  r1();
  r1();
  const r3 = await p3;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['3'], 'the second release of the same permit must not admit a third holder');
  r2();
  const r4 = await p4;
  assert.deepEqual(order, ['3', '4']);
  r3();
  r4();
  // All permits are back: two immediate acquisitions succeed.
  const a = await sem.acquire();
  const b = await sem.acquire();
  a();
  b();
});

test('concurrent workers never exceed the limit', async () => {
  const sem = createSemaphore(3);
  let inFlight = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const release = await sem.acquire();
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, i % 3));
      inFlight--;
      release();
    }),
  );
  assert.equal(peak, 3);
});

test('limits below 1 are refused', () => {
  assert.throws(() => createSemaphore(0), RangeError);
  assert.throws(() => createSemaphore(1.5), RangeError);
});
