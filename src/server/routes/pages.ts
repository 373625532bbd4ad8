// The web pages: GET / (search), /search?q=, /project/<name>, /file/<filename> (with its proof),
// /alerts, /status, and the two static assets. Server-rendered, no scripts; every page carries the
// strict Content-Security-Policy of headers.ts.

import type { Context } from 'hono';
import type { StoredAlert } from '../../store/store.ts';
import { recordHash } from '../../tlog/hash.ts';
import type { App, ServerDeps } from '../deps.ts';
import { CACHE_IMMUTABLE, CACHE_NONE, CACHE_SHORT, PAGE_HEADERS } from '../headers.ts';
import type { Html } from '../html.ts';
import { pathOf } from '../html.ts';
import { badRequest, notFound } from '../httperror.ts';
import { proveLogged, tlogProofBytes } from '../inclusion.ts';
import { decodeSegment, intParam, param, rawPath } from '../query.ts';
import { lookupFilename } from '../entryreads.ts';
import { alertQuery, projectName, readAlertPage, readProjectPage } from './api.ts';
import { MAX_FILENAME, MAX_SHA256_MATCHES } from './lookup.ts';
import { ICON_PATH, ICON_SVG, STYLE_CSS, STYLE_PATH } from '../pages/assets.ts';
import { alertsPage } from '../pages/alerts.ts';
import { filePage } from '../pages/file.ts';
import { homePage } from '../pages/home.ts';
import type { SiteInfo } from '../pages/layout.ts';
import { sha256Page } from '../pages/message.ts';
import { projectPage } from '../pages/project.ts';
import { statusPage } from '../pages/status.ts';

/** Most alerts shown on a project or file page. */
export const MAX_PAGE_ALERTS = 200;

/** The site facts every page shows. */
export async function siteInfo(deps: ServerDeps): Promise<SiteInfo> {
  const cp = await deps.latest.get();
  return { origin: deps.reader.info.origin, size: cp.size };
}

/** An HTML response with the page headers. */
export function htmlResponse(c: Context, page: Html, status: 200 | 400 | 401 | 404 | 405 | 413 | 500 | 503 = 200, cache = CACHE_SHORT): Response {
  for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v);
  c.header('cache-control', cache);
  return c.html(page.text, status);
}

// Open alerts first, then newest first.
function byOpenThenNewest(alerts: StoredAlert[]): StoredAlert[] {
  return [...alerts].sort((a, b) => Number(a.resolvedAt !== undefined) - Number(b.resolvedAt !== undefined) || b.id - a.id);
}

/** Adds the web pages to `app`. */
export function registerPageRoutes(app: App, deps: ServerDeps): void {
  const { reader } = deps;

  app.get(STYLE_PATH, (c) => c.body(STYLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': CACHE_IMMUTABLE }));
  app.get(ICON_PATH, (c) => c.body(ICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': CACHE_IMMUTABLE }));

  app.get('/', async (c) => {
    const checkpoint = await deps.latest.get();
    // The newest open alerts: page backwards is not in the store API, so read a bounded window.
    const open = await reader.listAlerts({ open: true, limit: 1000 });
    const recentAlerts = open.slice(-5).reverse();
    return htmlResponse(c, homePage({ origin: reader.info.origin, size: checkpoint.size }, { checkpoint, recentAlerts }));
  });

  app.get('/search', async (c) => {
    const url = new URL(c.req.url);
    const q = (param(url, 'q') ?? '').trim();
    if (q === '') return c.redirect('/', 303);
    if (q.length > deps.limits.maxQuery) throw badRequest(`the search is longer than ${deps.limits.maxQuery} characters`);
    const hex = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(q)?.[1]?.toLowerCase();
    if (hex !== undefined) {
      const found = await reader.lookupSha256(hex, MAX_SHA256_MATCHES);
      if (found.length === 1) return c.redirect(pathOf('/file/', found[0].entry.filename), 303);
      if (found.length > 1) {
        return htmlResponse(c, sha256Page(await siteInfo(deps), hex, found.map((e) => ({ ...e, firstSeen: undefined }))), 200, CACHE_NONE);
      }
      throw notFound(`no file with sha256 ${hex} is in the log`);
    }
    if (q.length <= MAX_FILENAME && (await lookupFilename(deps, q)) !== undefined) return c.redirect(pathOf('/file/', q), 303);
    let project: string | undefined;
    try {
      project = projectName(q);
    } catch {
      project = undefined;
    }
    if (project !== undefined && (await reader.lookupProject(project, -1, 1)).length > 0) return c.redirect(pathOf('/project/', project), 303);
    throw notFound(`nothing in the log matches ${JSON.stringify(q)}: no project, file name or sha256`);
  });

  app.get('/project/:name', async (c) => {
    const url = new URL(c.req.url);
    const raw = decodeSegment(rawPath(c.req.url).slice('/project/'.length), 'project name');
    const project = projectName(raw);
    if (project !== raw) return c.redirect(pathOf('/project/', project) + url.search, 301);
    const after = intParam(url, 'after', -1, Number.MAX_SAFE_INTEGER, -1);
    const page = await readProjectPage(deps, project, after, deps.limits.projectPage);
    if (page.files.length === 0 && after === -1) throw notFound(`project ${project} has no files in the log`);
    const alerts = byOpenThenNewest(await reader.listAlerts({ project, limit: MAX_PAGE_ALERTS }));
    return htmlResponse(
      c,
      projectPage(await siteInfo(deps), { project, files: page.files, alerts, nextAfter: page.nextAfter, continued: after !== -1 }),
    );
  });

  app.get('/file/:filename', async (c) => {
    const filename = decodeSegment(rawPath(c.req.url).slice('/file/'.length), 'file name');
    if (filename.length > MAX_FILENAME) throw badRequest(`file name is longer than ${MAX_FILENAME} characters`);
    const logged = await lookupFilename(deps, filename);
    if (logged === undefined) throw notFound(`${JSON.stringify(filename.slice(0, 200))} is not in the log`);
    const inc = await proveLogged(deps, logged);
    const alerts = byOpenThenNewest(await reader.listAlerts({ filename, limit: MAX_PAGE_ALERTS }));
    return htmlResponse(
      c,
      filePage(
        { origin: reader.info.origin, size: inc.checkpoint.size },
        {
          file: { index: logged.index, entry: logged.entry, firstSeen: inc.firstSeen },
          record: Buffer.from(logged.data).toString('utf8'),
          leafHash: Buffer.from(recordHash(logged.data)).toString('base64'),
          proof: Buffer.from(tlogProofBytes(inc)).toString('utf8'),
          treeSize: inc.checkpoint.size,
          signedAt: new Date(inc.checkpoint.created),
          verifierKey: reader.info.verifierKey,
          alerts,
        },
      ),
    );
  });

  app.get('/alerts', async (c) => {
    const url = new URL(c.req.url);
    const q = alertQuery(url, deps.limits, 50);
    const page = await readAlertPage(reader, q);
    let next: string | undefined;
    if (page.nextAfter !== undefined) {
      const p = new URLSearchParams();
      if (q.open) p.set('open', '1');
      if (q.kind !== undefined) p.set('kind', q.kind);
      if (q.project !== undefined) p.set('project', q.project);
      if (q.filename !== undefined) p.set('filename', q.filename);
      p.set('after', String(page.nextAfter));
      next = p.toString();
    }
    return htmlResponse(
      c,
      alertsPage(await siteInfo(deps), {
        alerts: page.alerts,
        filter: { open: q.open === true, kind: q.kind, project: q.project, filename: q.filename },
        next,
      }),
    );
  });

  app.get('/status', async (c) => {
    const checkpoint = await deps.latest.get();
    const url = new URL(c.req.url);
    return htmlResponse(
      c,
      statusPage(
        { origin: reader.info.origin, size: checkpoint.size },
        { verifierKey: reader.info.verifierKey, checkpoint, writable: deps.append !== undefined, follower: await deps.followerState(), baseUrl: url.origin },
      ),
    );
  });
}
