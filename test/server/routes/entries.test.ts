// POST /api/v1/entries: bearer token, per-entry outcomes, all-or-nothing validation, limits.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bodyJson, TOKEN, entry, logFixture, sha256hex } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';

let f: Fixture;
before(async () => {
  f = await logFixture({ limits: { maxBodyBytes: 2000, maxEntries: 3 } });
});
after(() => f.close());

const line = (name: string, salt = '') => ({ project: 'Demo.Pkg', version: '1.0', filename: name, size: 5, sha256: sha256hex(name + salt) });
const post = (body: string | ReadableStream, headers: Record<string, string> = {}) =>
  f.request('/api/v1/entries', { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, ...headers }, duplex: 'half' } as RequestInit);
const size = async () => (await f.open.reader.latestCheckpoint()).size;

test('without the token: 401 with a Bearer challenge, nothing appended', async () => {
  for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${TOKEN}`, `Bearer ${'x'.repeat(5000)}`]) {
    const r = await f.request('/api/v1/entries', { method: 'POST', body: JSON.stringify([line('a.tar.gz')]), headers: auth === undefined ? {} : { authorization: auth } });
    assert.equal(r.status, 401, String(auth));
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="distsum"');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match((await bodyJson(r)).error, /Bearer|token/);
  }
  assert.equal(await size(), 0);
});

test('appended, present and conflict, each with its index', async () => {
  const r1 = await post(JSON.stringify([line('demo-1.0.tar.gz'), line('demo-1.0-py3-none-any.whl')]), { 'content-type': 'application/json' });
  assert.equal(r1.status, 200);
  assert.deepEqual(await bodyJson(r1), {
    tree_size: 2,
    appended: 2,
    present: 0,
    conflicts: 0,
    results: [
      { status: 'appended', index: 0 },
      { status: 'appended', index: 1 },
    ],
  });
  const r2 = await post(`${JSON.stringify(line('demo-1.0.tar.gz'))}\n${JSON.stringify(line('demo-1.0-py3-none-any.whl', 'other'))}\n${JSON.stringify(line('demo-1.1.tar.gz'))}\n`, {
    'content-type': 'application/x-ndjson',
  });
  const j = await bodyJson(r2);
  assert.equal(j.tree_size, 3);
  assert.deepEqual(j.results[0], { status: 'present', index: 0 });
  assert.equal(j.results[1].status, 'conflict');
  assert.equal(j.results[1].index, 1);
  assert.equal(typeof j.results[1].alert_id, 'number');
  assert.deepEqual(j.results[2], { status: 'appended', index: 2 });
  const alerts = (await bodyJson(await f.request('/api/v1/alerts'))).alerts;
  assert.equal(alerts[0].kind, 'hash-changed');
  assert.match(alerts[0].details.source, /^POST \/api\/v1\/entries from .*, line 2$/);
  const e = await bodyJson(await f.request('/lookup/demo-1.0.tar.gz'));
  assert.equal(e.entry.project, 'demo-pkg');
});

test('one malformed entry: 400 listing it, nothing appended', async () => {
  const before = await size();
  const r = await post(JSON.stringify([line('ok-1.tar.gz'), { ...line('bad.tar.gz'), sha256: 'nope' }]));
  assert.equal(r.status, 400);
  const j = await bodyJson(r);
  assert.equal(j.malformed, 1);
  assert.equal(j.problems[0].where, 'entry 2');
  assert.match(j.problems[0].message, /sha256/);
  assert.equal(await size(), before);
  assert.equal((await post('{"not": "an array"')).status, 400);
  assert.equal((await post('[1,')).status, 400);
});

test('limits: body size (declared or streamed), entry count, content type', async () => {
  const before = await size();
  const big = JSON.stringify(Array.from({ length: 3 }, (_, i) => ({ ...line(`x${i}.tar.gz`), pad: 'p'.repeat(1000) })));
  const r1 = await post(big);
  assert.equal(r1.status, 413);
  assert.match((await bodyJson(r1)).error, /larger than 2000 bytes/);
  // No Content-Length: the streamed bytes are counted.
  const chunks = Array.from({ length: 50 }, () => new TextEncoder().encode(' '.repeat(100)));
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks.shift();
      if (next) c.enqueue(next);
      else c.close();
    },
  });
  assert.equal((await post(stream as unknown as string)).status, 413);
  const four = JSON.stringify([1, 2, 3, 4].map((i) => line(`n${i}.tar.gz`)));
  const r3 = await post(four);
  assert.equal(r3.status, 413);
  assert.match((await bodyJson(r3)).error, /more than 3 entries/);
  assert.equal((await post(JSON.stringify([line('t.tar.gz')]), { 'content-type': 'multipart/form-data; boundary=x' })).status, 415);
  assert.equal(await size(), before);
});

test('a read-only server refuses writes with 405', async () => {
  const ro = await logFixture({ readOnly: true });
  try {
    const r = await ro.request('/api/v1/entries', { method: 'POST', body: '[]', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 405);
    assert.match((await bodyJson(r)).error, /read-only/);
    assert.equal((await bodyJson(await ro.request('/api/v1/status'))).writable, false);
  } finally {
    await ro.close();
  }
});

test('unknown methods on API paths are 404 JSON', async () => {
  const r = await f.request('/api/v1/entries', { method: 'PUT', body: '[]' });
  assert.equal(r.status, 404);
  assert.equal(typeof (await bodyJson(r)).error, 'string');
});

test('claims with the entry fields of the log work through the whole path', async () => {
  const r = await post(JSON.stringify([{ ...entry('zeta', '2.0', 'zeta-2.0.tar.gz'), blake2b_256: sha256hex('zz') }]));
  assert.equal(r.status, 200);
  const e = await bodyJson(await f.request('/lookup/zeta-2.0.tar.gz'));
  assert.equal(e.entry.blake2b_256, sha256hex('zz'));
});
