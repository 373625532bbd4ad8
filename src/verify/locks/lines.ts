// Line numbers for entries of structured locks (TOML, JSON), whose parsers give values without
// positions: a digest is unique enough to find where a file's entry is written.

/**
 * Maps each run of 32 or more hex digits in `text` (lowercased) to the 1-based line of its first
 * occurrence. One pass over the text, so it costs no more than parsing it.
 */
export function hexLineIndex(text: string): Map<string, number> {
  const index = new Map<string, number>();
  const re = /[0-9a-fA-F]{32,}/g;
  let line = 1;
  let counted = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    line += countNewlines(text, counted, m.index);
    counted = m.index;
    const key = m[0].toLowerCase();
    if (!index.has(key)) index.set(key, line);
  }
  return index;
}

/** The line of the first of `digests` found in `index`, if any. */
export function lineOfDigests(index: Map<string, number>, digests: Iterable<string | undefined>): number | undefined {
  for (const d of digests) {
    if (d === undefined) continue;
    const line = index.get(d);
    if (line !== undefined) return line;
  }
  return undefined;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
