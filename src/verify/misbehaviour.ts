// Evidence that a log misbehaved, in a self-contained report a person can hand to others: the
// signed checkpoints involved, verbatim, and the proof or data that shows they cannot all be true
// (as the go command reports sum.golang.org misbehaviour). Anyone holding the log's public key can
// re-check such a report without trusting the machine that wrote it.

import { SecurityError } from '../errors.ts';

/** What the log did. */
export type MisbehaviourKind =
  /** Two signed checkpoints that are not one append-only history. */
  | 'fork'
  /** A signed checkpoint older than one already verified, with no proof that it is a prefix of it. */
  | 'rollback'
  /** Tiles that do not hash to the log's own signed checkpoint. */
  | 'bad-tile'
  /** An inclusion proof that does not lead to the checkpoint it comes with. */
  | 'bad-proof'
  /** A validly signed answer to another question than the one asked. */
  | 'bad-answer';

/** A labelled block of the report (a note, a proof, data). */
export interface ReportSection {
  label: string;
  lines: string[];
}

/** A misbehaviour report. `summary` is one line; sections are printed in order. */
export interface MisbehaviourReport {
  kind: MisbehaviourKind;
  origin: string;
  /** The log's base URL, when the evidence came from a server. */
  url?: string;
  /** The log's verifier key, which every note in the report verifies under. */
  key?: string;
  summary: string;
  sections: ReportSection[];
  /** What the evidence shows and what to do, one paragraph as lines. */
  explanation: string[];
}

/** A log misbehaved. Exit 3. `message` is one line; the report carries the evidence. */
export class LogMisbehaviourError extends SecurityError {
  readonly report: MisbehaviourReport;
  /** Where the report was saved, once it is. */
  savedTo?: string;
  constructor(report: MisbehaviourReport) {
    super(`log ${report.origin} misbehaved: ${report.summary}`);
    this.report = report;
  }
}

/** A signed note as report lines (its text and signature lines, verbatim). */
export function noteLines(note: Uint8Array | string): string[] {
  const text = typeof note === 'string' ? note : Buffer.from(note).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Base64 lines of binary data, 76 characters each. */
export function base64Lines(data: Uint8Array): string[] {
  const b64 = Buffer.from(data).toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return out;
}

/** The report as text: a SECURITY ERROR header, the summary, each section indented by a tab. */
export function formatReport(r: MisbehaviourReport): string {
  const out = ['SECURITY ERROR', `log ${r.origin}${r.url ? ` (${r.url})` : ''} misbehaved: ${r.summary}`];
  if (r.key !== undefined) out.push(`log key: ${r.key}`);
  out.push('');
  for (const s of r.sections) {
    out.push(`${s.label}:`);
    for (const l of s.lines) out.push(`\t${l}`);
    out.push('');
  }
  out.push(...r.explanation);
  return out.join('\n') + '\n';
}

/** The report as plain JSON data (for --json). */
export function reportJson(r: MisbehaviourReport, savedTo?: string): Record<string, unknown> {
  return {
    kind: r.kind,
    origin: r.origin,
    url: r.url ?? null,
    key: r.key ?? null,
    summary: r.summary,
    sections: r.sections.map((s) => ({ label: s.label, lines: s.lines })),
    explanation: r.explanation.join(' '),
    saved_to: savedTo ?? null,
  };
}
