// How an alert looks when delivered: a one-line summary, the human line on stdout, and the JSON
// record (JSON lines, webhook bodies, hooks). The JSON field names match the server's
// /api/v1/alerts (snake_case, null for absent values) plus `summary` and `log`.

import type { NewAlert, StoredAlert } from '../store/store.ts';

/** An alert on its way to a channel: a stored one (with id) or a test sample (id null). */
export type OutgoingAlert = (StoredAlert | NewAlert) & { id?: number };

/** The JSON record of an alert. */
export interface AlertRecord {
  id: number | null;
  kind: string;
  severity: string;
  project: string;
  filename: string | null;
  version: string | null;
  created: string;
  resolved_at: string | null;
  summary: string;
  details: Record<string, unknown>;
  /** The log's origin. */
  log: string;
}

// Control characters (ESC included) would let index-chosen text drive a terminal or split a line.
function oneLine(s: string, max = 1000): string {
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

function digestText(v: unknown): string {
  if (typeof v !== 'object' || v === null) return '?';
  const d = v as Record<string, unknown>;
  const parts = [`sha256 ${String(d.sha256 ?? '?')}`];
  if (d.size !== undefined && d.size !== null) parts.push(`size ${String(d.size)}`);
  return parts.join(', ');
}

/**
 * The alert's one-line summary: `details.summary` when the raiser wrote one, else one built from
 * the kind (hash-changed, raised by the log, has none). Never contains control characters.
 */
export function alertSummary(a: OutgoingAlert): string {
  const s = a.details.summary;
  if (typeof s === 'string' && s !== '') return oneLine(s);
  const file = a.filename ?? (a.project === '' ? '(index)' : a.project);
  if (a.kind === 'hash-changed') {
    return oneLine(`${file}: the index now serves ${digestText(a.details.claimed)}; the log recorded ${digestText(a.details.logged)} at entry ${String(a.details.index ?? '?')}`);
  }
  return oneLine(`${a.kind}: ${file}`);
}

/** The human line: `<created> <SEVERITY> <kind> #<id> <project> <filename>: <summary>`. */
export function alertLine(a: OutgoingAlert): string {
  const where = [a.project === '' ? '(index)' : a.project, a.filename ?? a.version].filter((x) => x !== undefined && x !== '').join(' ');
  const id = a.id !== undefined ? ` #${a.id}` : '';
  return oneLine(`${a.created} ${a.severity.toUpperCase()} ${a.kind}${id} ${where}: ${alertSummary(a)}`, 4000);
}

/** The JSON record of `a` for the log `origin`. */
export function alertRecord(a: OutgoingAlert, origin: string): AlertRecord {
  return {
    id: a.id ?? null,
    kind: a.kind,
    severity: a.severity,
    project: a.project,
    filename: a.filename ?? null,
    version: a.version ?? null,
    created: a.created,
    resolved_at: 'resolvedAt' in a && a.resolvedAt !== undefined ? a.resolvedAt : null,
    summary: alertSummary(a),
    details: a.details,
    log: origin,
  };
}
