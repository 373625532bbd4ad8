// The application's error handling: each failure becomes the right status in the right format,
// and server-side failures never show their internals to the client.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, responseKind, statusFor } from '../../src/server/app.ts';
import { DEFAULT_LIMITS } from '../../src/server/deps.ts';
import type { ServerDeps } from '../../src/server/deps.ts';
import { newMetrics } from '../../src/server/metrics.ts';
import { latestCheckpoint } from '../../src/server/latest.ts';
import { firstSeenCache } from '../../src/server/firstseen.ts';
import { tileCache } from '../../src/server/tilecache.ts';
import { HttpError } from '../../src/server/httperror.ts';
import { BodyTooLargeError } from '../../src/server/body.ts';
import { TooManyEntriesError } from '../../src/server/entriesbody.ts';
import type { LogReader } from '../../src/log/log.ts';
import { InputError, SecurityError, UsageError } from '../../src/errors.ts';
import { StoreCorruptError, StoreIOError } from '../../src/store/errors.ts';
import { MissingHashError, TileError } from '../../src/tlog/errors.ts';
import { EntryError } from '../../src/log/entry.ts';

test('statusFor: the client is blamed only for its own mistakes', () => {
  assert.equal(statusFor(new HttpError(404, 'x')), 404);
  assert.equal(statusFor(new BodyTooLargeError(1)), 413);
  assert.equal(statusFor(new TooManyEntriesError('x')), 413);
  assert.equal(statusFor(new StoreIOError('disk')), 503);
  assert.equal(statusFor(new Error('sequencer: closed')), 503);
  assert.equal(statusFor(new StoreCorruptError('bad')), 500);
  assert.equal(statusFor(new MissingHashError('gone')), 500);
  assert.equal(statusFor(new TileError('path')), 400);
  assert.equal(statusFor(new EntryError('entry')), 400);
  assert.equal(statusFor(new InputError('input')), 400);
  assert.equal(statusFor(new SecurityError('fork')), 500);
  assert.equal(statusFor(new UsageError('usage')), 500);
  assert.equal(statusFor(new TypeError('bug')), 500);
});

test('responseKind by path', () => {
  assert.equal(responseKind('/api/v1/status'), 'json');
  assert.equal(responseKind('/lookup/x'), 'json');
  assert.equal(responseKind('/tile/0/000'), 'text');
  assert.equal(responseKind('/checkpoint'), 'text');
  assert.equal(responseKind('/metrics'), 'text');
  assert.equal(responseKind('/'), 'html');
  assert.equal(responseKind('/project/x'), 'html');
});

// A log whose store fails: every read throws `err`.
function failingDeps(err: Error, logged: string[]): ServerDeps {
  const fail = async () => {
    throw err;
  };
  const reader = new Proxy({ info: { origin: 'o.example/log', verifierKey: 'k', verifier: undefined } } as unknown as LogReader, {
    get: (target, prop) => (prop === 'info' ? (target as { info: unknown }).info : fail),
  });
  return {
    reader,
    cache: tileCache(reader, 1 << 20),
    latest: latestCheckpoint(reader, 1000),
    firstSeen: firstSeenCache(reader),
    findFilename: fail,
    metrics: newMetrics(),
    allMetrics: async () => [],
    followerState: async () => undefined,
    limits: DEFAULT_LIMITS,
    shuttingDown: () => false,
    logError: (l) => logged.push(l),
  };
}

test('a store failure is a 500 without details for the client and with them for the operator', async () => {
  const logged: string[] = [];
  const app = buildApp(failingDeps(new StoreCorruptError('log store /secret/path/log.db is damaged'), logged));
  for (const [path, kind] of [['/api/v1/status', 'json'], ['/checkpoint', 'text'], ['/', 'html'], ['/lookup/x.tar.gz', 'json'], ['/tile/0/000', 'text']] as const) {
    const r = await app.request(path);
    assert.equal(r.status, 500, path);
    const body = await r.text();
    assert.doesNotMatch(body, /secret|log\.db/, path);
    assert.match(body, /internal server error/, path);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    if (kind === 'json') assert.deepEqual(JSON.parse(body), { error: 'internal server error' });
    if (kind === 'html') assert.match(r.headers.get('content-type')!, /^text\/html/);
  }
  assert.ok(logged.length >= 5);
  assert.match(logged[0], /\/secret\/path\/log\.db/);
});

test('an unavailable store is a 503', async () => {
  const app = buildApp(failingDeps(new StoreIOError('log store /x: SQLITE_IOERR'), []));
  const r = await app.request('/api/v1/status');
  assert.equal(r.status, 503);
  assert.deepEqual(await r.json(), { error: 'the log is unavailable right now; try again later' });
});
