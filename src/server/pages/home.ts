// The front page: what this log is, the search box, the log's size and its latest alerts.

import type { StoredAlert, StoredCheckpoint } from '../../store/store.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { groupDigits, timeTag } from './format.ts';
import { layout, searchForm } from './layout.ts';
import type { SiteInfo } from './layout.ts';
import { alertCard } from './parts.ts';

/** Data of the front page. */
export interface HomeView {
  checkpoint: StoredCheckpoint;
  /** The most recent open alerts (newest first), a few. */
  recentAlerts: StoredAlert[];
}

/** The front page. */
export function homePage(site: SiteInfo, v: HomeView): Html {
  return layout(
    site,
    'Known hashes',
    'search',
    html`<h1>Known hashes for Python packages</h1>
<p class="lead">This log records the digests of every distribution file the index served, the first time it saw it, in an append-only Merkle tree with signed checkpoints. Look up a project, a file name or a sha256 to see what was logged and prove it.</p>
${searchForm()}
<p class="hint">For example a project name (<code>requests</code>), a file (<code>requests-2.32.3-py3-none-any.whl</code>) or 64 hex digits of a sha256.</p>
<div class="stats">
<div class="stat"><strong>${groupDigits(v.checkpoint.size)}</strong><span>files logged</span></div>
<div class="stat"><strong class="when">${timeTag(new Date(v.checkpoint.created))}</strong><span>latest checkpoint signed</span></div>
<div class="stat"><strong>${v.recentAlerts.length === 0 ? 'none' : String(v.recentAlerts.length)}</strong><span>${v.recentAlerts.length === 0 ? 'open alerts' : 'recent open alerts'}</span></div>
</div>
${v.recentAlerts.length > 0 ? html`<h2>Recent alerts</h2>${v.recentAlerts.map(alertCard)}<p><a href="/alerts?open=1">All open alerts</a></p>` : ''}`,
  );
}
