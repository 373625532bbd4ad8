import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDispatcher, type DispatchDeps } from '../../src/monitor/deliver.ts';
import type { StoredAlert } from '../../src/store/store.ts';
import type { OutgoingAlert } from '../../src/monitor/format.ts';

function alert(id: number): StoredAlert {
  return { id, kind: 'file-removed', severity: 'warning', project: 'p', created: 'now', details: {}, dedupKey: `k${id}` };
}

function deps(stored: StoredAlert[], cursor: number | undefined, failing = false) {
  const state = { cursor, sent: [] as number[], said: [] as string[] };
  const d: DispatchDeps = {
    listAfter: async (after, limit) => stored.filter((a) => a.id > after).slice(0, limit),
    loadCursor: async () => state.cursor,
    saveCursor: async (id) => void (state.cursor = id),
    channels: [
      { name: 'ok', send: async (a: OutgoingAlert) => void state.sent.push(a.id!) },
      { name: 'broken', send: async () => (failing ? Promise.reject(new Error('down')) : undefined) },
    ],
    say: (l) => state.said.push(l),
  };
  return { d, state };
}

test('the first start skips the history; later alerts are delivered once, in order', async () => {
  const stored = [alert(1), alert(2)];
  const { d, state } = deps(stored, undefined);
  const disp = await startDispatcher(d);
  await disp.idle();
  assert.deepEqual(state.sent, []);
  assert.equal(state.cursor, 2);
  stored.push(alert(3), alert(4));
  disp.kick();
  disp.kick();
  await disp.idle();
  assert.deepEqual(state.sent, [3, 4]);
  assert.equal(disp.delivered(), 2);
  await disp.stop();
});

test('after a restart, what was stored but not delivered goes out; nothing goes out twice', async () => {
  const stored = [alert(1), alert(2), alert(3)];
  const { d, state } = deps(stored, 1);
  const disp = await startDispatcher(d);
  await disp.idle();
  assert.deepEqual(state.sent, [2, 3]);
  await disp.stop();
  const again = await startDispatcher(d);
  await again.idle();
  assert.deepEqual(state.sent, [2, 3]);
  await again.stop();
});

test('a failing channel is reported and does not hold back the others', async () => {
  const stored = [alert(1)];
  const { d, state } = deps(stored, 0, true);
  const disp = await startDispatcher(d);
  await disp.idle();
  assert.deepEqual(state.sent, [1]);
  assert.deepEqual(state.said, ['distsum: alert #1 (file-removed) not delivered via broken: down']);
  assert.equal(state.cursor, 1);
  await disp.stop();
});
