// Binding and releasing the port: clear errors for a port in use, requests in progress finish
// during a graceful stop, stragglers are cut off at the deadline, oversized headers are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, listenProblem } from '../../src/server/listen.ts';
import { UsageError } from '../../src/errors.ts';
import { httpRequest } from './support/http.ts';

test('a port in use is a UsageError naming the address', async () => {
  const a = await listen((_req, res) => res.end('a'), '127.0.0.1', 0);
  try {
    await assert.rejects(listen((_req, res) => res.end('b'), '127.0.0.1', a.port), (e: unknown) => e instanceof UsageError && /127\.0\.0\.1:\d+: the address is already in use/.test(e.message));
  } finally {
    await a.stop(100);
  }
  assert.match(listenProblem(Object.assign(new Error('x'), { code: 'EACCES' }), 'h', 80).message, /permission denied/);
  assert.match(listenProblem(Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }), '10.9.9.9', 80).message, /--host/);
});

test('a graceful stop lets requests in progress finish and refuses new ones', async () => {
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  const l = await listen((req, res) => {
    if (req.url === '/slow') {
      started();
      setTimeout(() => res.end('done'), 300);
    } else res.end('fast');
  }, '127.0.0.1', 0);
  assert.match(l.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const slow = httpRequest(`${l.url}/slow`);
  await inHandler;
  const t0 = performance.now();
  const stopped = l.stop(5000);
  const r = await slow;
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'done');
  await stopped;
  assert.ok(performance.now() - t0 < 4000, 'the stop waited for the request, not the deadline');
  await assert.rejects(httpRequest(`${l.url}/`, { agent: false }), /ECONNREFUSED/);
});

test('requests still running at the deadline are cut off', async () => {
  const l = await listen(() => undefined /* never answers */, '127.0.0.1', 0);
  const hung = httpRequest(`${l.url}/hang`);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  await l.stop(200);
  assert.ok(performance.now() - t0 < 3000);
  await assert.rejects(hung, /socket hang up|ECONNRESET/);
});

test('headers beyond the limit are refused by the HTTP layer (431)', async () => {
  const l = await listen((_req, res) => res.end('ok'), '127.0.0.1', 0);
  try {
    const r = await httpRequest(`${l.url}/search?q=${'x'.repeat(20_000)}`);
    assert.equal(r.status, 431);
  } finally {
    await l.stop(100);
  }
});
