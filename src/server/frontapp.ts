// The front's way to the application: a GET or HEAD the fast routes do not answer goes to the app
// as a fetch Request, and its Response comes back as a complete answer, so the connection stays
// with the front (a tile miss or a /checkpoint between tiles does not cost the fast path).

import type { FrontRequest, FrontResponse, FrontRoute } from './front.ts';

// A Host that is a plain DNS name or IP literal with an optional port; anything else is not used in URLs.
const HOST_RE = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

// Fields the front writes itself (framing and connection management).
const OWN_FIELDS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/** The fetch Request for a front request. */
export function toRequest(req: FrontRequest): Request {
  const headers = new Headers();
  for (const [name, value] of req.headers) headers.append(name, value);
  const host = HOST_RE.test(req.host) ? req.host : 'localhost';
  return new Request(`http://${host}${req.target}`, { method: req.method, headers });
}

/** A fetch Response as a front answer, its body read in full (HEAD: none, with its announced length). */
export async function fromResponse(res: Response, method: FrontRequest['method']): Promise<FrontResponse> {
  let headers = '';
  res.headers.forEach((value, name) => {
    if (!OWN_FIELDS.has(name)) headers += `${name}: ${value}\r\n`;
  });
  if (method === 'HEAD') {
    await res.body?.cancel();
    const announced = res.headers.get('content-length');
    return { status: res.status, headers, body: undefined, length: announced !== null && /^[0-9]{1,15}$/.test(announced) ? Number(announced) : undefined };
  }
  return { status: res.status, headers, body: new Uint8Array(await res.arrayBuffer()) };
}

/** A route answering everything with `fetch` (the app's fetch handler). */
export function appRoute(fetch: (req: Request) => Response | Promise<Response>): FrontRoute {
  return async (req) => fromResponse(await fetch(toRequest(req)), req.method);
}

/**
 * The first answer of `routes` (each returns undefined for requests that are not its own), else
 * `last`'s. Synchronous answers stay synchronous.
 */
export function firstOf(routes: FrontRoute[], last: FrontRoute): FrontRoute {
  const from = (i: number, req: FrontRequest): ReturnType<FrontRoute> => {
    for (; i < routes.length; i++) {
      const a = routes[i](req);
      if (a === undefined) continue;
      if (!(a instanceof Promise)) return a;
      const next = i + 1;
      return a.then((r) => r ?? from(next, req));
    }
    return last(req);
  };
  return (req) => from(0, req);
}
