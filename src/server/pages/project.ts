// A project's page: every logged file, grouped by release in the order the log first saw them,
// with size, both digests, first-seen time, alerts and a link to each file's inclusion proof.

import type { StoredAlert } from '../../store/store.ts';
import { html, pathOf } from '../html.ts';
import type { Html } from '../html.ts';
import { groupDigits } from './format.ts';
import { layout, searchForm } from './layout.ts';
import type { SiteInfo } from './layout.ts';
import { alertCard, fileFacts } from './parts.ts';
import type { FileView } from './parts.ts';

/** Data of a project page (one page of its files). */
export interface ProjectView {
  project: string;
  files: FileView[];
  /** Alerts about the project (all of them up to a bound, open ones first). */
  alerts: StoredAlert[];
  /** Query value for the next page of files, when there is one. */
  nextAfter?: number;
  /** True when this is not the first page. */
  continued: boolean;
}

// Consecutive files of one version form a release section (files are in log order).
function releases(files: FileView[]): { version: string; files: FileView[] }[] {
  const out: { version: string; files: FileView[] }[] = [];
  for (const f of files) {
    const last = out[out.length - 1];
    if (last !== undefined && last.version === f.entry.version) last.files.push(f);
    else out.push({ version: f.entry.version, files: [f] });
  }
  return out;
}

/** The project page. */
export function projectPage(site: SiteInfo, v: ProjectView): Html {
  const byFile = new Map<string, StoredAlert[]>();
  for (const a of v.alerts) if (a.filename !== undefined) byFile.set(a.filename, [...(byFile.get(a.filename) ?? []), a]);
  const open = v.alerts.filter((a) => a.resolvedAt === undefined);
  const critical = open.filter((a) => a.severity === 'critical');
  return layout(
    site,
    v.project,
    'search',
    html`${searchForm(v.project)}
<h1>${v.project} <span class="muted">· ${groupDigits(v.files.length)}${v.nextAfter !== undefined ? '+' : ''} file${v.files.length === 1 ? '' : 's'}${v.continued ? ' (continued)' : ''}</span></h1>
${critical.length > 0 ? html`<p class="notice" role="alert"><strong>${critical.length} critical alert${critical.length === 1 ? '' : 's'}</strong>: the index served something other than what this log recorded for this project. Check the alerts below before installing.</p>` : ''}
${releases(v.files).map(
  (r) => html`<section class="release">
<h2>${r.version} <span class="muted">${r.files.length} file${r.files.length === 1 ? '' : 's'}</span></h2>
${r.files.map((f) => {
  const alerts = byFile.get(f.entry.filename) ?? [];
  const flagged = alerts.some((a) => a.resolvedAt === undefined && a.severity === 'critical');
  return html`<article class="${flagged ? 'file flagged' : 'file'}" id="entry-${f.index}"><h3><a href="${pathOf('/file/', f.entry.filename)}">${f.entry.filename}</a></h3>${fileFacts(f, alerts)}</article>`;
})}
</section>`,
)}
${v.nextAfter !== undefined ? html`<p class="pager"><a class="button" href="${`${pathOf('/project/', v.project)}?after=${v.nextAfter}`}">More files →</a></p>` : ''}
${v.alerts.length > 0 ? html`<h2>Alerts</h2>${v.alerts.map(alertCard)}` : ''}`,
  );
}
