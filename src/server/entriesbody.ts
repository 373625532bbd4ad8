// The body of POST /api/v1/entries: claims about distribution files, either a JSON array of objects
// or JSON lines (one object per line; a single object is one line). Each object has the fields of a
// `distsum log import` line. The whole body is checked before anything is appended, so a request
// with a malformed entry appends nothing.

import { InputError } from '../errors.ts';
import { jsonLinesItems } from '../log/import.ts';
import type { ImportProblem } from '../log/import.ts';
import { parseImportLine } from '../log/importline.ts';
import type { Claim } from '../log/sequencer.ts';

/** The body holds more entries than one request may (HTTP 413). */
export class TooManyEntriesError extends InputError {}

/** Claims read from a body, or the problems that made it unusable (with places "entry 3" / "line 3"). */
export interface ParsedEntries {
  claims: Claim[];
  problems: ImportProblem[];
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function firstNonSpace(body: Uint8Array): number | undefined {
  for (const b of body) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  return undefined;
}

/**
 * Parses a body of at most `maxEntries` entries; claims get source `${source}, entry N` (1-based).
 * Throws TooManyEntriesError when there are more, InputError when the body is not UTF-8 or not
 * JSON of the right shape; per-entry faults are returned as problems.
 */
export async function parseEntriesBody(body: Uint8Array, source: string, maxEntries: number): Promise<ParsedEntries> {
  const tooMany = () => new TooManyEntriesError(`the request holds more than ${maxEntries} entries; send them in several requests`);
  const claims: Claim[] = [];
  const problems: ImportProblem[] = [];
  if (firstNonSpace(body) === 0x5b /* [ */) {
    let v: unknown;
    try {
      v = JSON.parse(strictDecoder.decode(body));
    } catch (e) {
      throw new InputError(`the request body is not a JSON array (${(e as Error).message.split('\n')[0].slice(0, 120)})`);
    }
    if (!Array.isArray(v)) throw new InputError('the request body is not a JSON array');
    if (v.length > maxEntries) throw tooMany();
    v.forEach((el: unknown, i) => {
      const where = `entry ${i + 1}`;
      try {
        claims.push({ entry: parseImportLine(JSON.stringify(el)), source: `${source}, ${where}` });
      } catch (e) {
        problems.push({ where, message: (e as Error).message });
      }
    });
    return { claims, problems };
  }
  let n = 0;
  for await (const items of jsonLinesItems(once(body), 'line')) {
    for (const it of items) {
      if (++n > maxEntries) throw tooMany();
      if ('claim' in it) {
        const line = it.claim.source.slice('line:'.length);
        claims.push({ entry: it.claim.entry, source: `${source}, line ${line}` });
      } else {
        problems.push({ where: it.problem.where.replace(/^line:/, 'line '), message: it.problem.message });
      }
    }
  }
  return { claims, problems };
}
