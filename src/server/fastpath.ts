// The hot path of a tile server: GET /tile/... for data already in memory. Tiles are what clients
// fetch most and they are immutable, so a hit is answered by the front (front.ts) with headers
// written once, before the Hono app builds its Request, Context and Response objects. A miss, a
// non-canonical path or any other request goes on to the app, which answers, caches, and reports
// errors exactly as before.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.ts';
import type { TileCache } from './tilecache.ts';
import type { FrontResponse, FrontRoute } from './front.ts';
import { CACHE_IMMUTABLE, CACHE_PARTIAL, COMMON_HEADERS, acceptsGzip } from './headers.ts';

/** A Node request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

// The route label the app's metrics use for tiles, so both paths count into the same series.
const ROUTE = '/tile/*';

/** Header lines of a front answer, in order. */
export function headerLines(fields: Record<string, string | number>): string {
  let s = '';
  for (const k in fields) s += `${k}: ${fields[k]}\r\n`;
  return s;
}

// The header lines of every kind of tile answer, built once.
const common = { 'content-type': 'application/octet-stream', ...COMMON_HEADERS };
const TILE_HEADERS = {
  full: headerLines({ ...common, 'cache-control': CACHE_IMMUTABLE }),
  partial: headerLines({ ...common, 'cache-control': CACHE_PARTIAL }),
};
const BUNDLE_HEADERS = {
  full: headerLines({ ...common, 'cache-control': CACHE_IMMUTABLE, vary: 'Accept-Encoding' }),
  partial: headerLines({ ...common, 'cache-control': CACHE_PARTIAL, vary: 'Accept-Encoding' }),
  fullGz: headerLines({ ...common, 'cache-control': CACHE_IMMUTABLE, vary: 'Accept-Encoding', 'content-encoding': 'gzip' }),
  partialGz: headerLines({ ...common, 'cache-control': CACHE_PARTIAL, vary: 'Accept-Encoding', 'content-encoding': 'gzip' }),
};

/** A front route answering tiles that are in `cache`; requests are counted in `metrics`. */
export function tileRoute(cache: TileCache, metrics: Metrics): FrontRoute {
  const labels = { GET: { route: ROUTE, method: 'GET', code: '200' }, HEAD: { route: ROUTE, method: 'HEAD', code: '200' } };
  const routeLabels = { route: ROUTE };
  return (req): FrontResponse | undefined => {
    if (!req.target.startsWith('/tile/')) return undefined;
    const start = performance.now();
    const path = req.target.slice(1);
    const entries = path.startsWith('tile/entries/');
    const gz = entries && acceptsGzip(req.acceptEncoding);
    const body = cache.peek(path, gz);
    if (body === undefined) return undefined;
    const partial = path.includes('.p/');
    const headers = !entries
      ? partial ? TILE_HEADERS.partial : TILE_HEADERS.full
      : gz ? (partial ? BUNDLE_HEADERS.partialGz : BUNDLE_HEADERS.fullGz)
      : partial ? BUNDLE_HEADERS.partial : BUNDLE_HEADERS.full;
    metrics.inc('distsum_http_requests_total', labels[req.method]);
    metrics.observe('distsum_http_request_duration_seconds', (performance.now() - start) / 1000, routeLabels);
    return { status: 200, headers, body };
  };
}
