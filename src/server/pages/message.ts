// Pages that only say something: an error (not found, bad request), or a list of files when a
// sha256 search matches several.

import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { layout, searchForm } from './layout.ts';
import type { SiteInfo } from './layout.ts';
import { fileHref, projectHref } from './parts.ts';
import type { FileView } from './parts.ts';

/** A page with a heading, one message and the search box. */
export function messagePage(site: SiteInfo, title: string, message: string, query = ''): Html {
  return layout(site, title, 'search', html`<h1>${title}</h1><p>${message}</p>${searchForm(query)}`);
}

/** The files whose sha256 is `sha256`. */
export function sha256Page(site: SiteInfo, sha256: string, files: FileView[]): Html {
  return layout(
    site,
    `sha256 ${sha256.slice(0, 12)}…`,
    'search',
    html`${searchForm(sha256)}<h1>Files with sha256 <code class="hash">${sha256}</code></h1>
${files.map((f) => html`<p class="card"><a href="${fileHref(f.entry.filename)}">${f.entry.filename}</a> · <a href="${projectHref(f.entry.project)}">${f.entry.project}</a> ${f.entry.version} · entry #${f.index}</p>`)}`,
  );
}
