// What a verify run reports: a table (one row per file), the failures with their reasons, a
// one-line summary, and the same as JSON for machines. Text here is raw: it quotes lock files and
// servers, so the command escapes it for the terminal (cli/format safeText) when printing.

import { hashBase64 } from '../tlog/hash.ts';
import type { FileResult, VerifyResult } from './run.ts';
import type { Verdict } from './check.ts';

/** Verdicts in the order the summary counts them. */
export const VERDICTS: readonly Verdict[] = ['ok', 'unknown', 'MISMATCH', 'not-in-manifest', 'error'];

/** How many files got each verdict. */
export function countVerdicts(results: readonly FileResult[]): Record<Verdict, number> {
  const c = { ok: 0, unknown: 0, MISMATCH: 0, 'not-in-manifest': 0, error: 0 } as Record<Verdict, number>;
  for (const r of results) c[r.verdict]++;
  return c;
}

/** The table's headers and rows: FILE, LOG, MANIFEST, LOCK (when downloaded files were checked against locks), RESULT. */
export function resultTable(v: VerifyResult): { headers: string[]; rows: string[][] } {
  const withLock = v.results.some((r) => r.lock !== undefined);
  const headers = ['FILE', 'LOG', 'MANIFEST', ...(withLock ? ['LOCK'] : []), 'RESULT'];
  const rows = v.results.map((r) => [
    r.label,
    r.log?.status ?? '-',
    r.manifest?.status ?? '-',
    ...(withLock ? [r.lock?.status ?? '-'] : []),
    r.verdict,
  ]);
  return { headers, rows };
}

/** One line per failed file (and per unknown file under --strict), saying where it came from and why. */
export function failureLines(v: VerifyResult): string[] {
  const out: string[] = [];
  for (const r of v.results) {
    if (!r.failed) continue;
    const why = [r.lock, r.log, r.manifest]
      .map((c, i) => (c !== undefined && c.status !== 'ok' && c.detail ? `${['lock', 'log', 'manifest'][i]}: ${c.detail}` : undefined))
      .filter((x): x is string => x !== undefined);
    out.push(`${r.label} (${r.subject.source}): ${r.verdict}${why.length ? `: ${why.join('; ')}` : ''}`);
  }
  return out;
}

/** The one-line summary: counts per verdict and the log's tree size. */
export function summaryLine(v: VerifyResult, origin: string | undefined): string {
  const c = countVerdicts(v.results);
  const n = v.results.length;
  const parts = VERDICTS.filter((k) => k === 'ok' || c[k] > 0).map((k) => `${c[k]} ${k}`);
  const log = v.checkpoint !== undefined && origin !== undefined ? `; log ${origin} at tree size ${v.checkpoint.size}` : '; no log checked';
  return `${v.ok ? 'ok' : 'FAILED'}: ${n} file${n === 1 ? '' : 's'}: ${parts.join(', ')}${log}`;
}

function checkJson(c: { status: string; detail?: string } | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> | null {
  if (c === undefined) return null;
  return { status: c.status, detail: c.detail ?? null, ...extra };
}

/** The run as JSON data (snake_case, absent values as null). */
export function resultJson(v: VerifyResult, log: { origin: string; url?: string } | undefined): Record<string, unknown> {
  return {
    ok: v.ok,
    log:
      log && v.checkpoint
        ? { origin: log.origin, url: log.url ?? null, tree_size: v.checkpoint.size, root_hash: hashBase64(v.checkpoint.hash) }
        : null,
    locks: v.locks,
    warnings: v.warnings,
    summary: { files: v.results.length, ...countVerdicts(v.results) },
    files: v.results.map((r) => ({
      file: r.label,
      project: r.subject.project,
      version: r.subject.version ?? null,
      filename: r.subject.filename ?? null,
      source: r.subject.source,
      kind: r.subject.kind,
      sha256: r.subject.sha256 ?? null,
      verdict: r.verdict,
      failed: r.failed,
      log: checkJson(r.log, r.log ? { index: r.log.index ?? null } : {}),
      manifest: checkJson(r.manifest, r.manifest ? { url: r.manifest.url ?? null, signer: r.manifest.signer ?? null } : {}),
      lock: checkJson(r.lock, r.lock ? { matched: r.lock.source ?? null } : {}),
    })),
  };
}
