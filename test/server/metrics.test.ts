// Metrics: series ids with escaped labels, merging snapshots across processes, and the Prometheus
// text exposition (every line a comment or `name{labels} value`, histogram buckets cumulative).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HISTOGRAM_BUCKETS, mergeSnapshots, newMetrics, renderPrometheus, seriesId } from '../../src/server/metrics.ts';

test('series ids escape backslash, quote and newline in label values', () => {
  assert.equal(seriesId('m'), 'm');
  assert.equal(seriesId('m', {}), 'm');
  assert.equal(seriesId('m', { a: 'x', b: 'q"\\\n' }), 'm{a="x",b="q\\"\\\\\\n"}');
});

test('counters, gauges and histograms accumulate; snapshots are copies', () => {
  const m = newMetrics();
  const l = { route: '/x' };
  m.inc('c', l);
  m.inc('c', l, 4);
  m.set('g', 7);
  m.observe('h', 0.003, l);
  m.observe('h', 20, l);
  const s = m.snapshot();
  assert.equal(s.counters['c{route="/x"}'], 5);
  assert.equal(s.gauges['g'], 7);
  const h = s.histograms['h{route="/x"}'];
  assert.equal(h.count, 2);
  assert.equal(h.sum, 20.003);
  assert.equal(h.counts[HISTOGRAM_BUCKETS.indexOf(0.005)], 1);
  assert.equal(h.counts[HISTOGRAM_BUCKETS.length - 1], 1); // 20 s is above the last bound (10 s)
  assert.equal(h.counts[HISTOGRAM_BUCKETS.length], 2); // +Inf
  m.inc('c', l);
  assert.equal(s.counters['c{route="/x"}'], 5);
});

test('merging adds series up across processes', () => {
  const a = newMetrics();
  const b = newMetrics();
  a.inc('c', { k: 'v' }, 2);
  b.inc('c', { k: 'v' }, 3);
  b.inc('d');
  a.set('rss', 100);
  b.set('rss', 50);
  a.observe('h', 0.1);
  b.observe('h', 0.2);
  const m = mergeSnapshots([a.snapshot(), b.snapshot()]);
  assert.equal(m.counters['c{k="v"}'], 5);
  assert.equal(m.counters['d'], 1);
  assert.equal(m.gauges['rss'], 150);
  assert.equal(m.histograms['h'].count, 2);
  assert.ok(Math.abs(m.histograms['h'].sum - 0.3) < 1e-12);
});

test('the exposition is valid text format with HELP/TYPE and cumulative buckets', () => {
  const m = newMetrics();
  m.inc('req_total', { route: '/a', code: '200' }, 3);
  m.observe('lat_seconds', 0.0004, { route: '/a' });
  m.observe('lat_seconds', 0.2, { route: '/a' });
  m.set('size', 12);
  const text = renderPrometheus(m.snapshot(), {
    req_total: { type: 'counter', help: 'Requests.' },
    lat_seconds: { type: 'histogram', help: 'Latency.' },
  });
  const lines = text.trimEnd().split('\n');
  for (const line of lines) {
    assert.match(line, /^(?:# (?:HELP|TYPE) [a-z_]+ .+|[a-z_]+(?:\{[a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*\})? (?:[0-9.e+-]+|\+Inf|NaN))$/, line);
  }
  assert.ok(lines.includes('# TYPE req_total counter'));
  assert.ok(lines.includes('# TYPE size untyped'));
  assert.ok(lines.includes('req_total{route="/a",code="200"} 3'));
  assert.ok(lines.includes('lat_seconds_bucket{route="/a",le="0.0005"} 1'));
  assert.ok(lines.includes('lat_seconds_bucket{route="/a",le="0.25"} 2'));
  assert.ok(lines.includes('lat_seconds_bucket{route="/a",le="+Inf"} 2'));
  assert.ok(lines.includes('lat_seconds_count{route="/a"} 2'));
  const buckets = lines.filter((l) => l.startsWith('lat_seconds_bucket')).map((l) => Number(l.split(' ')[1]));
  assert.deepEqual(buckets, [...buckets].sort((x, y) => x - y));
});
