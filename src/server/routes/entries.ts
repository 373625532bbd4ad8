// POST /api/v1/entries: the authenticated write API. Appends claims (JSON lines or a JSON array of
// `distsum log import` objects) and answers per entry: appended, present (same file already logged)
// or conflict (the file name is logged with other digests; a hash-changed alert was raised), each
// with the entry's index. Bounded: body size and entry count; the token is checked before reading.

import type { App, ServerDeps } from '../deps.ts';
import { checkAdmin } from '../auth.ts';
import { readBody } from '../body.ts';
import { parseEntriesBody } from '../entriesbody.ts';
import { CACHE_NONE } from '../headers.ts';
import { HttpError } from '../httperror.ts';

/** Problems listed in a 400 answer; the rest are only counted. */
export const MAX_LISTED_PROBLEMS = 100;

// curl --data-binary sends application/x-www-form-urlencoded unless told otherwise.
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'application/x-ndjson', 'application/jsonl', 'application/json-lines', 'application/x-jsonlines', 'text/plain'];

/** Adds the write API to `app`. */
export function registerEntriesRoute(app: App, deps: ServerDeps): void {
  app.post('/api/v1/entries', async (c) => {
    c.header('cache-control', CACHE_NONE);
    const readOnly = 'this server is read-only; send entries to the server that runs the log writer';
    if (deps.append === undefined) throw new HttpError(405, readOnly);
    checkAdmin(c, deps.token, readOnly);
    const type = c.req.header('content-type')?.split(';')[0].trim().toLowerCase();
    if (type !== undefined && type !== '' && !CONTENT_TYPES.includes(type)) {
      throw new HttpError(415, `content type ${JSON.stringify(type.slice(0, 100))} is not JSON; send application/json (an array) or application/x-ndjson (lines)`);
    }
    const body = await readBody(c.req.raw.body, c.req.header('content-length'), deps.limits.maxBodyBytes);
    const from = c.env?.incoming?.socket?.remoteAddress ?? 'unknown address';
    const parsed = await parseEntriesBody(body, `POST /api/v1/entries from ${from}`, deps.limits.maxEntries);
    if (parsed.problems.length > 0) {
      return c.json(
        {
          error: `${parsed.problems.length} malformed entr${parsed.problems.length === 1 ? 'y' : 'ies'}; nothing was appended`,
          malformed: parsed.problems.length,
          problems: parsed.problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => ({ where: p.where, message: p.message })),
        },
        400,
      );
    }
    const outcomes = await deps.append(parsed.claims);
    deps.latest.invalidate();
    const cp = await deps.latest.get();
    let appended = 0;
    let present = 0;
    let conflicts = 0;
    const results = outcomes.map((o) => {
      if (o.status === 'appended') appended++;
      else if (o.status === 'present') present++;
      else conflicts++;
      return o.status === 'conflict' ? { status: o.status, index: o.index, alert_id: o.alertId ?? null } : { status: o.status, index: o.index };
    });
    deps.metrics.inc('distsum_api_entries_total', { status: 'appended' }, appended);
    deps.metrics.inc('distsum_api_entries_total', { status: 'present' }, present);
    deps.metrics.inc('distsum_api_entries_total', { status: 'conflict' }, conflicts);
    return c.json({ tree_size: cp.size, appended, present, conflicts, results });
  });
}
