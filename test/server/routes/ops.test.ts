// /healthz and /metrics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverParts } from '../../../src/server/parts.ts';
import { fixtureOptions, logFixture, manyEntries } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';

let f: Fixture;
before(async () => {
  f = await logFixture();
  await f.append(manyEntries('m', 5));
});
after(() => f.close());

test('healthz: ok with the tree size; 503 once shutting down', async () => {
  const r = await f.request('/healthz');
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'ok 5\n');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const stopping = serverParts(f.open, fixtureOptions(f.dir), { shuttingDown: () => true });
  const s = await stopping.app.request('/healthz');
  assert.equal(s.status, 503);
});

test('metrics: Prometheus text with the log size, requests by route and status, latencies, cache', async () => {
  await f.request('/tile/0/000.p/5');
  await f.request('/tile/0/000.p/5');
  await f.request('/tile/bad');
  await f.request('/no/such/page');
  const r = await f.request('/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await r.text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  assert.equal(value('distsum_log_size'), 5);
  assert.equal(value('distsum_http_requests_total{route="/tile/*",method="GET",code="200"}'), 2);
  assert.equal(value('distsum_http_requests_total{route="/tile/*",method="GET",code="400"}'), 1);
  assert.equal(value('distsum_http_requests_total{route="unmatched",method="GET",code="404"}'), 1);
  assert.equal(value('distsum_http_request_duration_seconds_count{route="/tile/*"}'), 3);
  assert.equal(value('distsum_tile_cache_hits_total'), 1);
  assert.equal(value('distsum_tile_cache_misses_total'), 1);
  assert.ok(value('process_resident_memory_bytes')! > 1e6);
  assert.equal(value('distsum_server_processes'), 1);
  assert.match(text, /^# TYPE distsum_http_request_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE distsum_tile_cache_hits_total counter$/m);
});
