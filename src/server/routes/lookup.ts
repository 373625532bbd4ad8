// GET /lookup/<filename> and GET /lookup/sha256/<hex>: a logged entry, its index and a C2SP
// tlog-proof against the current checkpoint, as JSON, or with ?format=proof the raw tlog-proof.
// POST /lookup: many file names at once, all proven against one checkpoint (batchlookup.ts).

import type { Context } from 'hono';
import type { App, ServerDeps } from '../deps.ts';
import { readBody } from '../body.ts';
import { batchJson, lookupBatch, MAX_BATCH_BYTES, MAX_BATCH_NAMES, parseBatchRequest } from '../batchlookup.ts';
import type { BatchSources } from '../batchlookup.ts';
import { CACHE_NONE, CACHE_SHORT } from '../headers.ts';
import { badRequest, HttpError, notFound } from '../httperror.ts';
import { inclusionJson, proveLogged, tlogProofBytes } from '../inclusion.ts';
import type { Inclusion } from '../inclusion.ts';
import { decodeSegment, param, rawPath } from '../query.ts';
import { lookupFilename } from '../entryreads.ts';

/** Longest file name looked up, in characters (real ones are far shorter). */
export const MAX_FILENAME = 1024;

/** Most entries one sha256 lookup returns. */
export const MAX_SHA256_MATCHES = 100;

function format(url: URL): 'json' | 'proof' {
  const f = param(url, 'format') ?? 'json';
  if (f !== 'json' && f !== 'proof') throw badRequest('query parameter format must be json or proof');
  return f;
}

function proofResponse(c: Context, inc: Inclusion): Response {
  return c.body(tlogProofBytes(inc) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': CACHE_SHORT });
}

/**
 * The batch lookup's sources over `deps`: one index query for all the names when the deps offer a
 * batched read (`findFilenames`), else the single lookup's index read for each name.
 */
export function batchSources(deps: ServerDeps): BatchSources {
  const many = deps.findFilenames;
  return {
    findFilenames: many ?? ((names) => Promise.all(names.map((n) => deps.findFilename(n)))),
    latest: deps.latest,
    cache: deps.cache,
    firstSeen: deps.firstSeen,
    reader: deps.reader,
  };
}

/** Adds the lookup routes to `app`. */
export function registerLookupRoutes(app: App, deps: ServerDeps): void {
  const batch = batchSources(deps);

  app.post('/lookup', async (c) => {
    c.header('cache-control', CACHE_NONE);
    const type = c.req.header('content-type')?.split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, `content type ${JSON.stringify((type ?? '(none)').slice(0, 100))} is not application/json; send {"filenames": [...]} as application/json`);
    }
    const body = await readBody(c.req.raw.body, c.req.header('content-length'), MAX_BATCH_BYTES);
    const names = parseBatchRequest(body, MAX_BATCH_NAMES);
    return c.json(batchJson(await lookupBatch(batch, names)));
  });

  app.get('/lookup/sha256/:hex', async (c) => {
    const url = new URL(c.req.url);
    const fmt = format(url);
    const hex = decodeSegment(rawPath(c.req.url).slice('/lookup/sha256/'.length), 'sha256').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw badRequest('sha256 must be 64 hex digits');
    const found = await deps.reader.lookupSha256(hex, MAX_SHA256_MATCHES);
    if (found.length === 0) throw notFound(`no file with sha256 ${hex} is in the log`);
    const incs: Inclusion[] = [];
    for (const e of found) incs.push(await proveLogged(deps, e));
    if (fmt === 'proof') return proofResponse(c, incs[0]);
    c.header('cache-control', CACHE_SHORT);
    return c.json({ sha256: hex, matches: incs.map(inclusionJson) });
  });

  app.get('/lookup/:filename', async (c) => {
    const url = new URL(c.req.url);
    const fmt = format(url);
    const filename = decodeSegment(rawPath(c.req.url).slice('/lookup/'.length), 'file name');
    if (filename.length > MAX_FILENAME) throw badRequest(`file name is longer than ${MAX_FILENAME} characters`);
    const logged = await lookupFilename(deps, filename);
    if (logged === undefined) throw notFound(`${JSON.stringify(filename.slice(0, 200))} is not in the log`);
    const inc = await proveLogged(deps, logged);
    if (fmt === 'proof') return proofResponse(c, inc);
    c.header('cache-control', CACHE_SHORT);
    return c.json(inclusionJson(inc));
  });
}
