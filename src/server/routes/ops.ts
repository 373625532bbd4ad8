// Operations endpoints: GET /healthz for load balancers and supervisors, GET /metrics for
// Prometheus (every process's counters merged, plus the log's size read at scrape time).

import type { App, ServerDeps } from '../deps.ts';
import { CACHE_NONE } from '../headers.ts';
import { mergeSnapshots, renderPrometheus } from '../metrics.ts';
import type { MetricHelp, Metrics } from '../metrics.ts';
import type { TileCache } from '../tilecache.ts';

/** The metric families the server exports (docs/api.md lists them). */
export const METRIC_HELP: Readonly<Record<string, MetricHelp>> = {
  distsum_log_size: { type: 'gauge', help: 'Entries in the latest signed checkpoint.' },
  distsum_log_checkpoint_timestamp_seconds: { type: 'gauge', help: 'When the latest checkpoint was signed (Unix time).' },
  distsum_log_appended_entries_total: { type: 'counter', help: 'Entries appended by this server (rate() gives the append rate).' },
  distsum_log_append_batches_total: { type: 'counter', help: 'Batches committed (each signs one checkpoint when it appends).' },
  distsum_api_entries_total: { type: 'counter', help: 'Entries received on POST /api/v1/entries, by outcome.' },
  distsum_http_requests_total: { type: 'counter', help: 'HTTP requests answered, by route, method and status code.' },
  distsum_http_request_duration_seconds: { type: 'histogram', help: 'Time to answer an HTTP request, by route.' },
  distsum_http_requests_in_flight: { type: 'gauge', help: 'HTTP requests being answered.' },
  distsum_tile_cache_hits_total: { type: 'counter', help: 'Tile cache lookups answered from memory.' },
  distsum_tile_cache_misses_total: { type: 'counter', help: 'Tile cache lookups that read the store.' },
  distsum_tile_cache_bytes: { type: 'gauge', help: 'Bytes of tile data held in memory.' },
  distsum_server_processes: { type: 'gauge', help: 'Processes serving HTTP (cluster workers, or 1).' },
  process_resident_memory_bytes: { type: 'gauge', help: 'Resident memory of the server processes, summed.' },
  nodejs_heap_used_bytes: { type: 'gauge', help: 'V8 heap in use, summed over processes.' },
};

/** Records a process's point-in-time gauges (memory, cache) in `metrics` before it is snapshotted. */
export function recordProcessGauges(metrics: Metrics, cache: TileCache | undefined): void {
  const mem = process.memoryUsage();
  metrics.set('process_resident_memory_bytes', mem.rss);
  metrics.set('nodejs_heap_used_bytes', mem.heapUsed);
  if (cache !== undefined) {
    const s = cache.stats();
    metrics.set('distsum_tile_cache_hits_total', s.hits);
    metrics.set('distsum_tile_cache_misses_total', s.misses);
    metrics.set('distsum_tile_cache_bytes', s.bytes);
    metrics.set('distsum_server_processes', 1);
  }
}

/** Adds /healthz and /metrics to `app`. */
export function registerOpsRoutes(app: App, deps: ServerDeps): void {
  app.get('/healthz', async (c) => {
    c.header('cache-control', CACHE_NONE);
    if (deps.shuttingDown()) return c.text('shutting down\n', 503);
    const cp = await deps.latest.get();
    return c.text(`ok ${cp.size}\n`);
  });

  app.get('/metrics', async (c) => {
    const cp = await deps.latest.get();
    const merged = mergeSnapshots(await deps.allMetrics());
    merged.gauges['distsum_log_size'] = cp.size;
    merged.gauges['distsum_log_checkpoint_timestamp_seconds'] = cp.created / 1000;
    // The cache hit counters are kept by the cache as totals; expose them as the counters they are.
    for (const k of ['distsum_tile_cache_hits_total', 'distsum_tile_cache_misses_total']) {
      if (k in merged.gauges) {
        merged.counters[k] = merged.gauges[k];
        delete merged.gauges[k];
      }
    }
    return c.body(renderPrometheus(merged, METRIC_HELP), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': CACHE_NONE });
  });
}
