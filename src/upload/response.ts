// What an index's answer to an upload means: accepted, already there (for --skip-existing), a redirect
// we refuse, a failure worth retrying, or an error to show with the index's own reason.

import type { HttpResponse } from './http.ts';
import { standardReason } from './http.ts';

/** The meaning of one upload response. */
export type UploadOutcome =
  | { kind: 'ok' }
  | { kind: 'exists'; reason: string }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'retry'; status: number; reason: string; retryAfterMs?: number }
  | { kind: 'error'; status: number; reason: string };

/** Longest piece of an index's answer we show (it may be an HTML page). */
export const MAX_REASON_CHARS = 300;

/**
 * Classifies a response. 200 is success (an index answers 200 for a file identical to one it holds,
 * too). With `skipExisting`, the "already exists" answers twine recognises count as existing: 409
 * (pypiserver), 400 mentioning "already exist" (PyPI, TestPyPI, Artifact Registry), 400 "updating asset"
 * (Nexus), 403 "overwrite artifact" (Artifactory), 400 "already been taken" (GitLab). Any 3xx is a
 * redirect (never followed). 5xx and 429 may be retried. Everything else is an error.
 */
export function classifyResponse(res: HttpResponse, opts: { skipExisting: boolean; now?: () => number }): UploadOutcome {
  const { status } = res;
  const reason = responseReason(res);
  if (status === 200) return { kind: 'ok' };
  if (status >= 300 && status < 400) {
    const loc = res.headers.location;
    return { kind: 'redirect', status, location: Array.isArray(loc) ? loc[0] : loc ?? '' };
  }
  if (opts.skipExisting && isAlreadyExists(res)) return { kind: 'exists', reason };
  if (status >= 500 || status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], opts.now ?? Date.now);
    return { kind: 'retry', status, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'error', status, reason };
}

/** twine's skip_upload patterns: does this response say the file is already on the index? */
export function isAlreadyExists(res: HttpResponse): boolean {
  const reason = res.reason.toLowerCase();
  const text = bodyText(res).toLowerCase();
  const either = (s: string) => reason.includes(s) || text.includes(s);
  return (
    res.status === 409 ||
    (res.status === 400 && (either('already exist') || either('updating asset') || text.includes('already been taken'))) ||
    (res.status === 403 && text.includes('overwrite artifact'))
  );
}

/** The response body as text, bounded. */
export function bodyText(res: HttpResponse): string {
  return res.body.subarray(0, 64 * 1024).toString('utf8');
}

/**
 * The index's reason in one line: its reason phrase when it says more than the standard one (warehouse
 * puts its message there), else the body's text with HTML tags and extra whitespace removed; bounded
 * to MAX_REASON_CHARS.
 */
export function responseReason(res: HttpResponse): string {
  const phrase = res.reason.trim();
  let text = phrase;
  if (!phrase || phrase.toLowerCase() === standardReason(res.status).toLowerCase()) {
    const body = plainText(bodyText(res));
    if (!body || body.toLowerCase() === phrase.toLowerCase()) text = phrase || standardReason(res.status);
    else text = phrase ? `${phrase}: ${body}` : body;
  }
  return oneLine(text, MAX_REASON_CHARS);
}

function plainText(s: string): string {
  let t = s;
  // JSON error bodies ({"message": ...} / {"errors": [...]}) are shown by their message.
  try {
    const j = JSON.parse(t);
    if (j && typeof j === 'object') {
      const msg = (j as { message?: unknown }).message ?? (j as { detail?: unknown }).detail;
      if (typeof msg === 'string') return msg.trim();
    }
  } catch {
    // not JSON
  }
  t = t.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  t = t.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return t.replace(/\s+/g, ' ').trim();
}

/** Collapses whitespace (newlines included) and cuts to `max` characters with an ellipsis. */
export function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Longest wait a Retry-After header may ask for; beyond it we wait this long. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After as milliseconds from now (delta-seconds or an HTTP date), capped; undefined if absent or bad. */
export function parseRetryAfter(value: string | string[] | undefined, now: () => number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  let ms: number;
  if (/^\d{1,10}$/.test(v)) ms = Number(v) * 1000;
  else {
    const t = Date.parse(v);
    if (Number.isNaN(t)) return undefined;
    ms = Math.max(0, t - now());
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/**
 * Advice for a failed upload, like twine's check_status_code: a 410 from legacy pypi.python.org, a 405
 * from pypi.org (the web site, not the upload URL), or 401/403 (credentials). Empty when none applies.
 */
export function adviceFor(status: number, url: URL): string {
  if (status === 410 && url.hostname.endsWith('pypi.python.org')) {
    return 'pypi.python.org no longer takes uploads; use https://upload.pypi.org/legacy/ (or https://test.pypi.org/legacy/)';
  }
  if (status === 405 && url.hostname.endsWith('pypi.org')) {
    return 'this is not an upload URL; use https://upload.pypi.org/legacy/ or https://test.pypi.org/legacy/ (check --repository-url)';
  }
  if (status === 401 || status === 403) {
    return 'check the user name and password or API token (for an API token the user name is __token__) and that it may upload to this project';
  }
  return '';
}
