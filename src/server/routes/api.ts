// The JSON API: GET /api/v1/projects/<name>, GET /api/v1/alerts, GET /api/v1/status, and
// POST /api/v1/alerts/<id>/resolve (admin token). Field names are stable and documented in docs/api.md.

import { normalizeProjectName } from '../../dist/name.ts';
import type { LogReader } from '../../log/log.ts';
import type { LoggedEntry } from '../../log/reads.ts';
import type { AlertQuery, StoredAlert } from '../../store/store.ts';
import type { App, Limits, ServerDeps } from '../deps.ts';
import { alertJson, checkpointJson, entryJson } from '../entryjson.ts';
import type { EntryJson } from '../entryjson.ts';
import { checkAdmin } from '../auth.ts';
import { CACHE_NONE, CACHE_SHORT } from '../headers.ts';
import { badRequest, notFound } from '../httperror.ts';
import { boolParam, decodeSegment, intParam, param, rawPath } from '../query.ts';

// A project name as an index accepts it (PEP 508); normalized before lookup.
const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$/;
const KIND_RE = /^[a-z][a-z0-9-]{0,63}$/;

/** The normalized project name for `raw`, or 400 when it cannot name a project. */
export function projectName(raw: string): string {
  if (!NAME_RE.test(raw)) throw badRequest(`${JSON.stringify(raw.slice(0, 100))} is not a project name`);
  return normalizeProjectName(raw);
}

/** A file of a project as the API lists it. */
export interface ProjectFileJson extends EntryJson {
  index: number;
  first_seen: string | null;
}

/** One page of a project's files: entries with index > after, ascending, at most `limit`. */
export interface ProjectPage {
  files: (LoggedEntry & { firstSeen: Date | undefined })[];
  /** The `after` for the next page, or undefined on the last page. */
  nextAfter: number | undefined;
}

/** Reads one page of `project`'s files (with one extra entry read to know whether more follow). */
export async function readProjectPage(deps: ServerDeps, project: string, after: number, limit: number): Promise<ProjectPage> {
  const found = await deps.reader.lookupProject(project, after, limit + 1);
  const page = found.slice(0, limit);
  const seen: (Date | undefined)[] = [];
  for (const e of page) seen.push(await deps.firstSeen.get(e.index));
  return {
    files: page.map((e, i) => ({ ...e, firstSeen: seen[i] })),
    nextAfter: found.length > limit ? page[page.length - 1].index : undefined,
  };
}

/** One page of alerts matching `q` (q.limit of them), and the `after` of the next page. */
export async function readAlertPage(reader: LogReader, q: AlertQuery): Promise<{ alerts: StoredAlert[]; nextAfter: number | undefined }> {
  const found = await reader.listAlerts({ ...q, limit: q.limit + 1 });
  const alerts = found.slice(0, q.limit);
  return { alerts, nextAfter: found.length > q.limit ? alerts[alerts.length - 1].id : undefined };
}

/** The alert filter in `url`'s query (kind, project, filename, open, after, limit); 400 when malformed. */
export function alertQuery(url: URL, limits: Limits, defaultLimit: number): AlertQuery {
  const q: AlertQuery = { limit: intParam(url, 'limit', 1, limits.maxAlertPage, defaultLimit) };
  const kind = param(url, 'kind');
  if (kind !== undefined && kind !== '') {
    if (!KIND_RE.test(kind)) throw badRequest('query parameter kind is not an alert kind');
    q.kind = kind;
  }
  const project = param(url, 'project');
  if (project !== undefined && project !== '') q.project = projectName(project);
  const filename = param(url, 'filename');
  if (filename !== undefined && filename !== '') q.filename = filename;
  const open = boolParam(url, 'open');
  if (open) q.open = true;
  const after = intParam(url, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
  if (after > 0) q.afterId = after;
  return q;
}

/** Adds the JSON read API to `app`. */
export function registerApiRoutes(app: App, deps: ServerDeps): void {
  app.get('/api/v1/projects/:name', async (c) => {
    const url = new URL(c.req.url);
    const project = projectName(decodeSegment(rawPath(c.req.url).slice('/api/v1/projects/'.length), 'project name'));
    const after = intParam(url, 'after', -1, Number.MAX_SAFE_INTEGER, -1);
    const limit = intParam(url, 'limit', 1, deps.limits.maxProjectPage, deps.limits.projectPage);
    const page = await readProjectPage(deps, project, after, limit);
    if (page.files.length === 0 && after === -1) throw notFound(`project ${project} has no files in the log`);
    const files: ProjectFileJson[] = page.files.map((f) => ({ ...entryJson(f.entry), index: f.index, first_seen: f.firstSeen?.toISOString() ?? null }));
    c.header('cache-control', CACHE_SHORT);
    return c.json({ project, files, next_after: page.nextAfter ?? null });
  });

  app.get('/api/v1/alerts', async (c) => {
    const url = new URL(c.req.url);
    const page = await readAlertPage(deps.reader, alertQuery(url, deps.limits, 100));
    c.header('cache-control', CACHE_SHORT);
    return c.json({ alerts: page.alerts.map(alertJson), next_after: page.nextAfter ?? null });
  });

  app.post('/api/v1/alerts/:id/resolve', async (c) => {
    c.header('cache-control', CACHE_NONE);
    checkAdmin(c, deps.resolveAlert && deps.token, 'this server has no admin token; resolve alerts with distsum log alerts resolve');
    const raw = c.req.param('id');
    if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw badRequest(`${JSON.stringify(raw.slice(0, 40))} is not an alert id`);
    const id = Number(raw);
    if (!(await deps.resolveAlert!(id))) throw notFound(`alert #${id} is not open (no such alert, or resolved already)`);
    return c.json({ id, resolved: true });
  });

  app.get('/api/v1/status', async (c) => {
    const cp = await deps.latest.get();
    const follower = await deps.followerState();
    c.header('cache-control', CACHE_SHORT);
    return c.json({
      origin: deps.reader.info.origin,
      verifier_key: deps.reader.info.verifierKey,
      size: cp.size,
      checkpoint: checkpointJson(cp),
      writable: deps.append !== undefined,
      follower: follower ?? null,
    });
  });
}
