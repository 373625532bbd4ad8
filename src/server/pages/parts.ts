// Page parts shared by several pages: a file's facts (hashes, size, first seen, proof link) and
// alert cards. Every value comes from the log or an index and is escaped by `html`.

import type { Entry } from '../../log/entry.ts';
import type { StoredAlert } from '../../store/store.ts';
import { html, pathOf } from '../html.ts';
import type { Html } from '../html.ts';
import { groupDigits, timeTag } from './format.ts';
import { formatSize } from '../../size.ts';

/** A logged file as the pages show it. */
export interface FileView {
  index: number;
  entry: Entry;
  firstSeen: Date | undefined;
}

/** The page of a file (with its proof). */
export function fileHref(filename: string): string {
  return pathOf('/file/', filename);
}

/** The page of a project. */
export function projectHref(project: string): string {
  return pathOf('/project/', project);
}

/** The definition list of a file's facts; `alerts` are those about this file. */
export function fileFacts(f: FileView, alerts: StoredAlert[]): Html {
  const e = f.entry;
  const open = alerts.filter((a) => a.resolvedAt === undefined);
  return html`<dl class="facts">
<dt>Version</dt><dd>${e.version}</dd>
<dt>Size</dt><dd>${formatSize(e.size)} <span class="muted">(${groupDigits(e.size)} bytes)</span></dd>
<dt>SHA-256</dt><dd><code class="hash">${e.sha256}</code></dd>
<dt>BLAKE2b-256</dt><dd>${e.blake2b256 === undefined ? html`<span class="muted">not recorded</span>` : html`<code class="hash">${e.blake2b256}</code>`}</dd>
<dt>First seen</dt><dd>${timeTag(f.firstSeen)}</dd>
<dt>Log entry</dt><dd>#${f.index} · <a class="proof-link" href="${fileHref(e.filename)}">inclusion proof</a></dd>
${
  alerts.length > 0
    ? html`<dt>Alerts</dt><dd>${alerts.map((a) => html`<a href="${`/alerts?filename=${encodeURIComponent(e.filename)}`}"><span class="badge ${a.resolvedAt === undefined ? a.severity : 'ok'}">${a.kind}</span></a> `)}${open.length > 0 ? '' : html`<span class="muted">(resolved)</span>`}</dd>`
    : ''
}
</dl>`;
}

const HEX64 = /^[0-9a-f]{64}$/;

// An alert detail: digests in code, plain objects (the logged and the claimed file) as a nested
// list, anything else as JSON. Bounded depth: details come from the store, but keep it simple.
function detailValue(v: unknown, depth = 0): Html {
  if (typeof v === 'string') return HEX64.test(v) ? html`<code class="hash">${v}</code>` : html`${v}`;
  if (typeof v === 'number') return html`${groupDigits(v)}`;
  if (typeof v === 'boolean' || v === null) return html`${String(v)}`;
  if (depth === 0 && typeof v === 'object' && !Array.isArray(v)) {
    return html`<dl class="facts sub">${Object.entries(v as Record<string, unknown>).map(([k, x]) => html`<dt>${k}</dt><dd>${detailValue(x, 1)}</dd>`)}</dl>`;
  }
  return html`<code class="hash">${JSON.stringify(v)}</code>`;
}

/** One alert as a card. */
export function alertCard(a: StoredAlert): Html {
  const state = a.resolvedAt === undefined ? a.severity : 'resolved';
  return html`<article class="alert ${state}" id="alert-${a.id}">
<h3><span class="badge ${a.severity}">${a.severity}</span> ${a.kind} <span class="muted">#${a.id}</span>${
    a.resolvedAt !== undefined ? html` <span class="badge ok">resolved</span>` : ''
  }</h3>
<dl class="facts">
<dt>Project</dt><dd><a href="${projectHref(a.project)}">${a.project}</a></dd>
${a.filename !== undefined ? html`<dt>File</dt><dd><a href="${fileHref(a.filename)}">${a.filename}</a></dd>` : ''}
${a.version !== undefined ? html`<dt>Version</dt><dd>${a.version}</dd>` : ''}
<dt>Seen</dt><dd>${timeTag(a.created)}</dd>
${a.resolvedAt !== undefined ? html`<dt>Resolved</dt><dd>${timeTag(a.resolvedAt)}</dd>` : ''}
${Object.entries(a.details).map(([k, v]) => html`<dt>${k}</dt><dd>${detailValue(v)}</dd>`)}
</dl>
</article>`;
}
