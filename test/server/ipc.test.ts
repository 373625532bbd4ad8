// The primary/worker message protocol: correlated calls, timeouts, failure on disconnect, and
// errors rebuilt as the same kind on the other side.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromWire, isProtocolMessage, rpc, toWire } from '../../src/server/ipc.ts';
import type { ToPrimary } from '../../src/server/ipc.ts';
import { HttpError } from '../../src/server/httperror.ts';
import { InputError } from '../../src/errors.ts';
import { EntryError } from '../../src/log/entry.ts';
import { StoreCorruptError, StoreIOError } from '../../src/store/errors.ts';

test('calls are answered by id, in any order', async () => {
  const sent: ToPrimary[] = [];
  const r = rpc((m) => sent.push(m));
  const a = r.call<number>((id) => ({ distsum: 'metrics', id }));
  const b = r.call<number>((id) => ({ distsum: 'metrics', id }));
  const [ida, idb] = sent.map((m) => (m as { id: number }).id);
  assert.notEqual(ida, idb);
  assert.equal(r.settle(idb, { ok: 2 }), true);
  assert.equal(r.settle(ida, { ok: 1 }), true);
  assert.equal(r.settle(ida, { ok: 1 }), false);
  assert.deepEqual(await Promise.all([a, b]), [1, 2]);
  const c = r.call((id) => ({ distsum: 'metrics', id }));
  r.settle((sent[2] as { id: number }).id, { err: new InputError('nope') });
  await assert.rejects(c, InputError);
});

test('timeouts and a closed channel fail the pending calls', async () => {
  const r = rpc(() => undefined);
  await assert.rejects(r.call((id) => ({ distsum: 'metrics', id }), 20), StoreIOError);
  const p = r.call((id) => ({ distsum: 'metrics', id }));
  r.failAll(new StoreIOError('gone'));
  await assert.rejects(p, /gone/);
  const broken = rpc(() => {
    throw new Error('channel closed');
  });
  await assert.rejects(broken.call((id) => ({ distsum: 'metrics', id })), /channel closed/);
});

test('errors keep their meaning across the wire', () => {
  const round = (e: Error) => fromWire(JSON.parse(JSON.stringify(toWire(e))));
  assert.ok(round(new StoreIOError('disk full')) instanceof StoreIOError);
  const closed = round(new Error('sequencer: closed'));
  assert.ok(closed instanceof HttpError && closed.status === 503);
  assert.ok(round(new EntryError('bad entry')) instanceof InputError);
  const corrupt = round(new StoreCorruptError('damaged'));
  assert.equal(corrupt instanceof InputError, false);
  assert.equal(corrupt.message, 'damaged');
  assert.deepEqual(toWire('text'), { name: 'Error', message: 'text' });
  assert.equal(isProtocolMessage({ distsum: 'ready' }), true);
  assert.equal(isProtocolMessage({ cmd: 'NODE_CLUSTER' }), false);
  assert.equal(isProtocolMessage(null), false);
});
