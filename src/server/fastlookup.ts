// The hot path of a lookup server: GET /lookup/<filename> for a logged file, answered before the
// Hono app builds its Request, Context and Response objects (the tile fast path's reasoning, for
// the request clients and verifiers make most). Only the plain success is answered here: a query
// string, HEAD, an odd path, a file name not in the log or any error goes to the app unchanged,
// which answers it (and reports errors) exactly as before.

import { headerLines } from './fastpath.ts';
import type { FrontResponse, FrontRoute } from './front.ts';
import type { ServerDeps } from './deps.ts';
import { CACHE_SHORT, COMMON_HEADERS } from './headers.ts';
import { cachedLookupBody, lookupBody } from './inclusion.ts';
import { MAX_FILENAME } from './routes/lookup.ts';

// The route label the app's metrics use for this route, so both paths count into the same series.
const ROUTE = '/lookup/:filename';
const PREFIX = '/lookup/';

/**
 * The file name a request URL (path and query, as Node gives it) looks up when the fast path may
 * answer it: GET-able shape `/lookup/<one percent-encoded segment>` without a query, decoding to a
 * non-empty name of at most MAX_FILENAME characters. Undefined for anything else.
 */
export function fastLookupName(url: string): string | undefined {
  if (!url.startsWith(PREFIX) || url.startsWith('/lookup/sha256/')) return undefined;
  const raw = url.slice(PREFIX.length);
  if (raw === '' || raw.includes('/') || raw.includes('?') || raw.includes('#')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return name === '' || name.length > MAX_FILENAME ? undefined : name;
}

const LOOKUP_HEADERS = headerLines({
  'content-type': 'application/json',
  'cache-control': CACHE_SHORT,
  'x-content-type-options': COMMON_HEADERS['x-content-type-options'],
  'referrer-policy': COMMON_HEADERS['referrer-policy'],
});

/**
 * A front route answering GET /lookup/<filename> for logged files; counted in deps.metrics. Not
 * found, other shapes, HEAD and failures are not its own (the app answers them, errors included).
 */
export function lookupRoute(deps: ServerDeps): FrontRoute {
  const labels = { route: ROUTE, method: 'GET', code: '200' };
  const routeLabels = { route: ROUTE };
  return (req) => {
    const name = req.method === 'GET' ? fastLookupName(req.target) : undefined;
    if (name === undefined || deps.shuttingDown()) return undefined;
    const start = performance.now();
    const known = cachedLookupBody(deps, name);
    if (known !== undefined) {
      deps.metrics.inc('distsum_http_requests_total', labels);
      deps.metrics.observe('distsum_http_request_duration_seconds', (performance.now() - start) / 1000, routeLabels);
      return { status: 200, headers: LOOKUP_HEADERS, body: known };
    }
    return lookupBody(deps, name).then(
      (body): FrontResponse | undefined => {
        if (body === undefined) return undefined;
        deps.metrics.inc('distsum_http_requests_total', labels);
        deps.metrics.observe('distsum_http_request_duration_seconds', (performance.now() - start) / 1000, routeLabels);
        return { status: 200, headers: LOOKUP_HEADERS, body };
      },
      // The app redoes the lookup and turns the failure into its usual error answer and log line.
      () => undefined,
    );
  };
}

