// TOML and JSON parsing for lock files, with every parser failure (syntax, depth, lossy integers)
// turned into an InputError naming the file and, where the parser says, the line.

import { parse as parseTomlText, TomlError } from 'smol-toml';
import { InputError } from '../../errors.ts';
import { clean, isTable, type Table } from './fields.ts';

// Deepest nesting of inline tables/arrays accepted; lock files nest three or four levels.
const MAX_DEPTH = 64;

/** Parses `text` as a TOML document; InputError naming `path` and the line when it is not one. */
export function parseTomlLock(text: string, path: string): Table {
  try {
    return parseTomlText(text, { maxDepth: MAX_DEPTH, integersAsBigInt: 'asNeeded' });
  } catch (err) {
    if (err instanceof TomlError) {
      const why = oneLine(err).replace(/^Invalid TOML document: /, '');
      throw new InputError(`${path}:${err.line}: not valid TOML: ${why}`, { cause: err });
    }
    throw new InputError(`${path}: not valid TOML: ${oneLine(err)}`, { cause: err });
  }
}

/**
 * Parses `text` as JSON whose top level is an object; InputError naming `path` (and the line,
 * when the parser gives a position) otherwise. Nesting is bounded before parsing, so a hostile
 * document cannot exhaust the stack.
 */
export function parseJsonLock(text: string, path: string): Table {
  const deep = tooDeep(text, MAX_DEPTH);
  if (deep !== undefined) throw new InputError(`${path}:${lineAt(text, deep)}: JSON nested deeper than ${MAX_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec(err instanceof Error ? err.message : '');
    const where = pos ? `${path}:${lineAt(text, Number(pos[1]))}` : path;
    throw new InputError(`${where}: not valid JSON: ${oneLine(err)}`, { cause: err });
  }
  if (!isTable(value)) throw new InputError(`${path}: expected a JSON object at the top level`);
  return value;
}

/** The 1-based line of offset `pos` in `text`. */
export function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

// The offset where JSON nesting (outside strings) first exceeds `max`, if it does.
function tooDeep(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

// The parser's message, first line only, with any quoted input escaped.
function oneLine(err: unknown): string {
  return clean((err instanceof Error ? err.message : String(err)).split('\n')[0], 160);
}
