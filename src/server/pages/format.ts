// How the pages show numbers and times: byte counts grouped by thousands, times in UTC with the
// machine-readable value in a <time> element (sizes in binary units: src/size.ts).

import { html } from '../html.ts';
import type { Html } from '../html.ts';

/** 1234567 -> "1,234,567" (grouping that does not depend on the server's locale). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A <time> element showing `d` as "2024-05-01 12:34:56 UTC"; an em dash for an unknown time. */
export function timeTag(d: Date | string | undefined | null): Html {
  if (d === undefined || d === null) return html`<span class="muted">—</span>`;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return html`${String(d)}`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}
