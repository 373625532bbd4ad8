// The frame around every page: head (stylesheet and icon only, no scripts), header with the log's
// name and navigation, footer with the tree size and the way to the signed checkpoint.

import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { ICON_PATH, STYLE_PATH } from './assets.ts';
import { groupDigits } from './format.ts';

/** What every page shows about the log. */
export interface SiteInfo {
  origin: string;
  /** Size of the latest checkpoint. */
  size: number;
}

/** Which navigation entry a page belongs to. */
export type Section = 'search' | 'alerts' | 'status' | 'none';

/** A complete HTML document. */
export function layout(site: SiteInfo, title: string, section: Section, body: Html): Html {
  const nav = (href: string, label: string, s: Section) =>
    s === section ? html`<a href="${href}" aria-current="page">${label}</a>` : html`<a href="${href}">${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · ${site.origin}</title>
<link rel="stylesheet" href="${STYLE_PATH}">
<link rel="icon" href="${ICON_PATH}" type="image/svg+xml">
</head>
<body>
<header class="top"><div class="wrap">
<a class="brand" href="/"><span class="mark" aria-hidden="true">#</span>distsum <span class="origin">${site.origin}</span></a>
<nav aria-label="Main">${nav('/', 'Search', 'search')}${nav('/alerts', 'Alerts', 'alerts')}${nav('/status', 'Status', 'status')}</nav>
</div></header>
<main class="wrap">
${body}
</main>
<footer class="wrap">Known-hashes log <code>${site.origin}</code> · ${groupDigits(site.size)} entries · <a href="/checkpoint">signed checkpoint</a> · <a href="/status">how to verify</a></footer>
</body>
</html>
`;
}

/** The search form (GET /search?q=). */
export function searchForm(value = ''): Html {
  return html`<form class="search" action="/search" method="get" role="search">
<input type="search" name="q" value="${value}" placeholder="Project, file name or sha256" aria-label="Project, file name or sha256" maxlength="512" required>
<button type="submit">Search</button>
</form>`;
}
