// The HTTP application: every route of `distsum log serve` on one Hono app, with the cross-cutting
// parts: request metrics by route, common headers, and errors turned into answers of the right
// kind (JSON for the API, text for the tlog endpoints, a page for browsers) and status.

import { Hono } from 'hono';
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { InputError, errorMessage } from '../errors.ts';
import { StoreConflictError, StoreCorruptError, StoreIOError } from '../store/errors.ts';
import { MissingHashError, TileError } from '../tlog/errors.ts';
import { BodyTooLargeError } from './body.ts';
import type { App, ServerDeps } from './deps.ts';
import { TooManyEntriesError } from './entriesbody.ts';
import { CACHE_NONE, COMMON_HEADERS } from './headers.ts';
import { HttpError } from './httperror.ts';
import { messagePage } from './pages/message.ts';
import { registerApiRoutes } from './routes/api.ts';
import { registerEntriesRoute } from './routes/entries.ts';
import { registerLookupRoutes } from './routes/lookup.ts';
import { registerOpsRoutes } from './routes/ops.ts';
import { htmlResponse, registerPageRoutes, siteInfo } from './routes/pages.ts';
import { registerTileRoutes } from './routes/tiles.ts';

/** How an error response is written, chosen by the path (machines get machine formats). */
export type ResponseKind = 'json' | 'text' | 'html';

/** The response kind for a request path. */
export function responseKind(path: string): ResponseKind {
  if (path.startsWith('/api/') || path.startsWith('/lookup/') || path === '/lookup') return 'json';
  if (path.startsWith('/tile/') || path === '/checkpoint' || path === '/healthz' || path === '/metrics' || path.startsWith('/static/')) return 'text';
  return 'html';
}

/**
 * The HTTP status for an error thrown while answering: the request's fault (4xx) only for errors
 * that say so; the store being unavailable is 503; anything else is a 500.
 */
export function statusFor(err: unknown): HttpError['status'] | 500 {
  if (err instanceof HttpError) return err.status;
  if (err instanceof BodyTooLargeError || err instanceof TooManyEntriesError) return 413;
  if (err instanceof StoreIOError) return 503;
  if (err instanceof Error && err.message === 'sequencer: closed') return 503;
  if (err instanceof StoreCorruptError || err instanceof StoreConflictError || err instanceof MissingHashError) return 500;
  if (err instanceof TileError || err instanceof InputError) return 400;
  return 500;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authorized',
  404: 'Not found',
  405: 'Not allowed',
  413: 'Too large',
  415: 'Unsupported content type',
  500: 'Server error',
  503: 'Unavailable',
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/** Builds the application over `deps`. */
export function buildApp(deps: ServerDeps): App {
  const app: App = new Hono();
  // Constant label objects per series, so metrics can remember their series ids.
  const labels = new Map<string, Record<string, string>>();
  const routeLabels = new Map<string, Record<string, string>>();
  let inFlight = 0;

  app.use('*', async (c, next) => {
    const start = performance.now();
    // Before next(): headers set on a finished response would make Hono rebuild it as a stream.
    for (const k in COMMON_HEADERS) c.header(k, COMMON_HEADERS[k]);
    deps.metrics.set('distsum_http_requests_in_flight', ++inFlight);
    try {
      await next();
    } finally {
      deps.metrics.set('distsum_http_requests_in_flight', --inFlight);
    }
    const routes = matchedRoutes(c);
    const last = routes[routes.length - 1]?.path;
    const route = last === undefined || last === '/*' || last === '*' ? 'unmatched' : last;
    const method = METHODS.has(c.req.method) ? c.req.method : 'other';
    const code = String(c.res.status);
    const key = `${route}\u0000${method}\u0000${code}`;
    let l = labels.get(key);
    if (l === undefined) labels.set(key, (l = { route, method, code }));
    deps.metrics.inc('distsum_http_requests_total', l);
    let r = routeLabels.get(route);
    if (r === undefined) routeLabels.set(route, (r = { route }));
    deps.metrics.observe('distsum_http_request_duration_seconds', (performance.now() - start) / 1000, r);
  });

  registerTileRoutes(app, deps);
  registerLookupRoutes(app, deps);
  registerApiRoutes(app, deps);
  registerEntriesRoute(app, deps);
  registerOpsRoutes(app, deps);
  registerPageRoutes(app, deps);

  async function answer(c: Context, status: number, message: string): Promise<Response> {
    const kind = responseKind(c.req.path);
    c.header('cache-control', CACHE_NONE);
    if (kind === 'json') return c.json({ error: message }, status as 400);
    if (kind === 'text') return c.text(message + '\n', status as 400);
    let site;
    try {
      site = await siteInfo(deps);
    } catch {
      site = { origin: deps.reader.info.origin, size: 0 };
    }
    return htmlResponse(c, messagePage(site, TITLES[status] ?? 'Error', message), status as 400, CACHE_NONE);
  }

  app.notFound((c) => answer(c, 404, `no such page: ${c.req.path.slice(0, 200)}`));
  app.onError((err, c) => {
    const status = statusFor(err);
    // Server-side failures are reported to the operator; the client gets no internals (paths, SQL).
    if (status === 500 || status === 503) {
      deps.logError(`distsum: error answering ${c.req.method} ${c.req.path.slice(0, 200)}: ${errorMessage(err)}`);
      return answer(c, status, status === 500 ? 'internal server error' : 'the log is unavailable right now; try again later');
    }
    return answer(c, status, errorMessage(err));
  });
  return app;
}
