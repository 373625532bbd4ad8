// The C2SP tlog-tiles read API: GET /checkpoint, GET /tile/<L>/<N>[.p/<W>] and
// GET /tile/entries/<N>[.p/<W>]. Paths must be canonical (400 otherwise); tiles the tree does not
// have yet are 404. Full tiles are immutable and cached forever; partial ones briefly.

import { TILE_WIDTH, parseTilePath } from '../../tlog/tile.ts';
import { TileError } from '../../tlog/errors.ts';
import type { App, ServerDeps } from '../deps.ts';
import { CACHE_IMMUTABLE, CACHE_PARTIAL, CACHE_SHORT, acceptsGzip } from '../headers.ts';
import { badRequest, notFound } from '../httperror.ts';
import { rawPath } from '../query.ts';

const OCTETS = 'application/octet-stream';

/** Adds the checkpoint and tile routes to `app`. */
export function registerTileRoutes(app: App, deps: ServerDeps): void {
  app.get('/checkpoint', async (c) => {
    const cp = await deps.latest.get();
    return c.body(cp.note as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': CACHE_SHORT });
  });

  app.get('/tile/*', async (c) => {
    let parsed;
    try {
      parsed = parseTilePath(rawPath(c.req.url).slice(1));
    } catch (e) {
      if (e instanceof TileError) throw badRequest(e.message.replace(/^tlog: /, ''));
      throw e;
    }
    if (parsed.kind === 'hash') {
      const { level, n, width } = parsed.tile;
      const data = await deps.cache.hashTile(level, n, width);
      if (data === undefined) throw notFound(`tile ${level}/${n} with ${width} hashes is not in the tree yet`);
      return c.body(data as Uint8Array<ArrayBuffer>, 200, {
        'content-type': OCTETS,
        'cache-control': width === TILE_WIDTH ? CACHE_IMMUTABLE : CACHE_PARTIAL,
      });
    }
    const gz = acceptsGzip(c.req.header('accept-encoding'));
    const data = await deps.cache.entryBundle(parsed.n, parsed.width, gz);
    if (data === undefined) throw notFound(`entry bundle ${parsed.n} with ${parsed.width} entries is not in the tree yet`);
    const headers: Record<string, string> = {
      'content-type': OCTETS,
      'cache-control': parsed.width === TILE_WIDTH ? CACHE_IMMUTABLE : CACHE_PARTIAL,
      vary: 'Accept-Encoding',
    };
    if (gz) headers['content-encoding'] = 'gzip';
    return c.body(data as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
