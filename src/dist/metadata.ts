// Core metadata (METADATA in wheels, PKG-INFO in sdists): RFC 822 style headers, then an optional
// body that holds the description. Every field is kept, in order, because the upload client maps
// them all to the form fields twine sends.

import { InputError } from '../errors.ts';

/** Parsed core metadata. */
export interface CoreMetadata {
  metadataVersion: string;
  name: string;
  version: string;
  /** Every header by lowercased name, values in file order (repeated fields have several). */
  fields: Record<string, string[]>;
  /** The body after the blank line when it has text, else the `Description:` header, else absent. */
  description?: string;
}

/** Largest metadata file accepted (the archive readers cap what they inflate to the same). */
export const MAX_METADATA_BYTES = 16 << 20;

// Printable ASCII except ':' (RFC 822 field name), then the colon.
const HEADER = /^([\x21-\x39\x3b-\x7e]+):[ \t]*/;
// Fields that must appear exactly once for the file to mean anything.
const REQUIRED = ['metadata-version', 'name', 'version'] as const;

/**
 * Parses core metadata from `input` (UTF-8 bytes or text); `source` names the file in errors.
 * Header continuation lines are unfolded as twine's metadata reader (pkginfo) did: for
 * `Description`, lines joined by newlines after removing setuptools' 8-column indent (`        `
 * or `       |`); for other fields, each line trimmed and joined by a space. A line that is
 * neither a header nor a continuation ends the headers, as in Python's email parser.
 * Throws InputError when the input is too large, a continuation line comes first, or
 * Metadata-Version, Name or Version is missing, empty or repeated.
 */
export function parseCoreMetadata(input: Uint8Array | string, source: string): CoreMetadata {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > MAX_METADATA_BYTES) {
    throw new InputError(`${source}: metadata is larger than ${MAX_METADATA_BYTES} bytes`);
  }
  let text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (text.startsWith('\ufeff')) text = text.slice(1);

  const fields: Record<string, string[]> = Object.create(null);
  let current: { name: string; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    (fields[current.name] ??= []).push(unfold(current.name, current.lines));
    current = undefined;
  };
  let pos = 0;
  let lineNo = 0;
  let body: string | undefined;
  while (pos < text.length) {
    const { line, next } = readLine(text, pos);
    lineNo++;
    if (line === '') {
      body = text.slice(next);
      break;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (!current) throw new InputError(`${source}: line ${lineNo} is a continuation line with no header before it`);
      current.lines.push(line);
    } else {
      const m = HEADER.exec(line);
      if (!m) {
        // Not a header: Python's email parser starts the body here (no blank line).
        body = text.slice(pos);
        break;
      }
      flush();
      current = { name: m[1].toLowerCase(), lines: [line.slice(m[0].length)] };
    }
    pos = next;
  }
  flush();

  const one = (key: (typeof REQUIRED)[number]) => {
    const v = fields[key];
    const label = key.replace(/(^|-)([a-z])/g, (_s, d: string, c: string) => d + c.toUpperCase());
    if (!v || v.length === 0 || v[0].trim() === '') throw new InputError(`${source}: metadata has no ${label} field`);
    if (v.length > 1) throw new InputError(`${source}: metadata has ${v.length} ${label} fields; expected one`);
    return v[0].trim();
  };
  const out: CoreMetadata = {
    metadataVersion: one('metadata-version'),
    name: one('name'),
    version: one('version'),
    fields: { ...fields },
  };
  if (body !== undefined && body.trim() !== '') out.description = body;
  else if (fields.description?.length) out.description = fields.description[0];
  return out;
}

function readLine(text: string, pos: number): { line: string; next: number } {
  let end = pos;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  let next = end;
  if (text[next] === '\r') next++;
  if (text[next] === '\n' && next === end + (text[end] === '\r' ? 1 : 0)) next++;
  return { line: text.slice(pos, end), next };
}

function unfold(name: string, lines: string[]): string {
  if (name === 'description') {
    const body = lines.map((l, i) => (i > 0 && (l.startsWith('        ') || l.startsWith('       |')) ? l.slice(8) : l));
    return body.join('\n').trim();
  }
  return lines.map((l) => l.trim()).join(' ').trim();
}
