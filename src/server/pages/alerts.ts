// The alerts page: the log's alerts, filterable by state, kind and project, newest page by page.

import type { StoredAlert } from '../../store/store.ts';
import { ALERT_SEVERITY } from '../../log/alerts.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { layout } from './layout.ts';
import type { SiteInfo } from './layout.ts';
import { alertCard } from './parts.ts';

/** Data of the alerts page. */
export interface AlertsView {
  alerts: StoredAlert[];
  /** The filter shown in the form. */
  filter: { open: boolean; kind?: string; project?: string; filename?: string };
  /** Query string (without '?') of the next page, when there is one. */
  next?: string;
}

/** The alerts page. */
export function alertsPage(site: SiteInfo, v: AlertsView): Html {
  const f = v.filter;
  const kinds = Object.keys(ALERT_SEVERITY);
  return layout(
    site,
    'Alerts',
    'alerts',
    html`<h1>Alerts</h1>
<p class="lead">The log raises an alert when the index serves other bytes under a logged file name, when files appear late or disappear, and when a publisher's manifest disagrees with the index.</p>
<form class="filters" action="/alerts" method="get">
<label><input type="checkbox" name="open" value="1"${f.open ? html` checked` : ''}> open only</label>
<select name="kind" aria-label="Kind"><option value="">every kind</option>${kinds.map((k) => html`<option value="${k}"${f.kind === k ? html` selected` : ''}>${k}</option>`)}</select>
<input type="text" name="project" value="${f.project ?? ''}" placeholder="project" aria-label="Project" maxlength="200">
${f.filename !== undefined ? html`<input type="hidden" name="filename" value="${f.filename}">` : ''}
<button class="button" type="submit">Filter</button>
</form>
${f.filename !== undefined ? html`<p>Alerts about <code>${f.filename}</code> · <a href="/alerts">all alerts</a></p>` : ''}
${v.alerts.length === 0 ? html`<p class="card">No alerts match.</p>` : v.alerts.map(alertCard)}
${v.next !== undefined ? html`<p class="pager"><a class="button" href="${`/alerts?${v.next}`}">More alerts →</a></p>` : ''}`,
  );
}
