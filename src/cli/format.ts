// Output formatting shared by commands: plain-text tables, sizes, JSON.

import type { CliContext } from './context.ts';

/**
 * Renders rows under headers as aligned columns separated by two spaces. Cells are printed as given;
 * callers escape untrusted text first (see `safeText`). The last column is never padded.
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export { formatSize } from '../size.ts';

/**
 * Makes untrusted text safe for a terminal: control characters (including ESC, so no escape
 * sequences) are shown as \xNN. Names shown to users come from files and indexes we do not control.
 */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Prints a value as pretty JSON on stdout, newline-terminated. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
