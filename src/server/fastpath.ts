// The hot path of a tile server: GET /tile/... for data already in memory. Tiles are what clients
// fetch most and they are immutable, so a hit is answered right here, before the Hono app builds
// its Request, Context and Response objects (measured: about twice the requests per second). A miss,
// a non-canonical path or any other request goes to the app unchanged, which answers, caches, and
// reports errors exactly as before.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.ts';
import type { TileCache } from './tilecache.ts';
import { CACHE_IMMUTABLE, CACHE_PARTIAL, COMMON_HEADERS, acceptsGzip } from './headers.ts';

/** A Node request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

// The route label the app's metrics use for tiles, so both paths count into the same series.
const ROUTE = '/tile/*';

/** `next` with cached tiles answered in front of it; requests are counted in `metrics`. */
export function withFastTiles(next: Listener, cache: TileCache, metrics: Metrics): Listener {
  const labels = { GET: { route: ROUTE, method: 'GET', code: '200' }, HEAD: { route: ROUTE, method: 'HEAD', code: '200' } };
  const routeLabels = { route: ROUTE };
  return (req, res) => {
    const method = req.method;
    const url = req.url;
    if ((method === 'GET' || method === 'HEAD') && url !== undefined && url.startsWith('/tile/')) {
      const start = performance.now();
      const path = url.slice(1);
      const entries = path.startsWith('tile/entries/');
      const gz = entries && acceptsGzip(req.headers['accept-encoding']);
      const body = cache.peek(path, gz);
      if (body !== undefined) {
        const headers: Record<string, string | number> = {
          'content-type': 'application/octet-stream',
          'x-content-type-options': COMMON_HEADERS['x-content-type-options'],
          'referrer-policy': COMMON_HEADERS['referrer-policy'],
          'cache-control': path.includes('.p/') ? CACHE_PARTIAL : CACHE_IMMUTABLE,
          'content-length': body.length,
        };
        if (entries) headers['vary'] = 'Accept-Encoding';
        if (gz) headers['content-encoding'] = 'gzip';
        res.writeHead(200, headers);
        res.end(body);
        metrics.inc('distsum_http_requests_total', labels[method]);
        metrics.observe('distsum_http_request_duration_seconds', (performance.now() - start) / 1000, routeLabels);
        return;
      }
    }
    next(req, res);
  };
}
