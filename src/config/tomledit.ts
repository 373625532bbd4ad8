// Rewriting one [trust.<project>] table of a distsum.toml without disturbing anything else in it:
// the user's comments, formatting and other tables stay byte-for-byte. Edits are line-based and
// conservative; every result is parsed again and must equal the original document with exactly the
// intended change, otherwise the edit is refused (the user edits by hand) rather than risk their data.

import { parse as parseToml } from 'smol-toml';
import { InputError } from '../errors.ts';
import { normalizeProjectName } from '../dist/name.ts';
import { TRUST_KEYS } from './config.ts';

/** The fields of a trust policy as they are written to the file (signers as the user should see it). */
export interface PolicyFields {
  manifest: string;
  signature?: string;
  signers?: string;
  identity?: string;
  requireLog?: boolean;
}

/** A table header line found in TOML text. */
export interface TomlHeader {
  /** 0-based line number. */
  line: number;
  /** The dotted key, each part unquoted. */
  key: string[];
  /** True for [[array of tables]]. */
  array: boolean;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A TOML key: bare when it can be, else a basic string. */
export function tomlKey(k: string): string {
  return BARE_KEY.test(k) ? k : tomlString(k);
}

/** A TOML basic string for `s`. Throws InputError for text TOML cannot hold (lone surrogates). */
export function tomlString(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new InputError('text with unpaired surrogates cannot be written to TOML');
  // JSON's escapes are a subset of TOML's basic-string escapes, except that TOML also needs DEL escaped.
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

// Parses the dotted key of a header starting at text[i] (after the opening bracket(s)). Returns the
// key parts and the index after the closing bracket(s), or undefined when it is not a header.
function parseHeaderKey(text: string, i: number, array: boolean): { key: string[]; end: number } | undefined {
  const key: string[] = [];
  const ws = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    ws();
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let raw = '';
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') {
        if (text[j] === '\\') {
          raw += text.slice(j, j + 2);
          j += 2;
        } else raw += text[j++];
      }
      if (text[j] !== '"') return undefined;
      try {
        key.push(JSON.parse(`"${raw}"`) as string);
      } catch {
        return undefined;
      }
      i = j + 1;
    } else if (c === "'") {
      const j = text.indexOf("'", i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (j < 0 || (nl >= 0 && nl < j)) return undefined;
      key.push(text.slice(i + 1, j));
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 256));
      if (!m) return undefined;
      key.push(m[0]);
      i += m[0].length;
    }
    ws();
    if (text[i] === '.') {
      i++;
      continue;
    }
    const close = array ? ']]' : ']';
    if (!text.startsWith(close, i)) return undefined;
    return { key, end: i + close.length };
  }
}

/**
 * The table headers of TOML `text`, in order. Brackets inside strings, comments and multi-line
 * values are not mistaken for headers. Assumes `text` is valid TOML (callers parse it first).
 */
export function findHeaders(text: string): TomlHeader[] {
  const headers: TomlHeader[] = [];
  let depth = 0; // open [ and { of values
  let line = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    const lineStart = atLineStart;
    atLineStart = false;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const delim = triple ? c.repeat(3) : c;
      let j = i + delim.length;
      for (;;) {
        if (j >= text.length) break;
        if (c === '"' && text[j] === '\\') {
          j += 2;
          continue;
        }
        if (text.startsWith(delim, j)) {
          // A multi-line string may end with up to two extra quotes before the delimiter.
          while (triple && text[j + 3] === c) j++;
          break;
        }
        if (text[j] === '\n') {
          if (!triple) break;
          line++;
        }
        j++;
      }
      i = j + delim.length - 1;
      continue;
    }
    if (c === '[' && lineStart && depth === 0) {
      const array = text[i + 1] === '[';
      const h = parseHeaderKey(text, i + (array ? 2 : 1), array);
      if (h !== undefined) {
        headers.push({ line, key: h.key, array });
        i = h.end - 1;
        continue;
      }
    }
    if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return headers;
}

type Doc = Record<string, unknown>;

function parseDoc(text: string, path: string): Doc {
  try {
    return parseToml(text) as Doc;
  } catch (e) {
    throw new InputError(`${path} is not valid TOML (${(e as Error).message.split('\n')[0]}); fix it first`);
  }
}

// A comparable form of a parsed document (TOML dates become strings).
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Doc)[k]);
    return out;
  }
  if (typeof v === 'bigint') return `bigint:${v}`;
  return v;
}

function sameDoc(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

// The trust table's key for `project` in `doc` (the user's spelling), if any.
function existingKey(doc: Doc, project: string): string | undefined {
  const trust = doc.trust;
  if (typeof trust !== 'object' || trust === null) return undefined;
  return Object.keys(trust).find((k) => normalizeProjectName(k) === project);
}

function fieldsObject(f: PolicyFields): Doc {
  const o: Doc = { [TRUST_KEYS.manifest]: f.manifest };
  if (f.signature !== undefined) o[TRUST_KEYS.signature] = f.signature;
  if (f.signers !== undefined) o[TRUST_KEYS.signers] = f.signers;
  if (f.identity !== undefined) o[TRUST_KEYS.identity] = f.identity;
  if (f.requireLog !== undefined) o[TRUST_KEYS.requireLog] = f.requireLog;
  return o;
}

function valueText(v: unknown): string {
  return typeof v === 'boolean' ? String(v) : tomlString(String(v));
}

// The line range [start, end) of the body of the table whose header is headers[k].
function bodyRange(lines: string[], headers: TomlHeader[], k: number): { start: number; end: number } {
  const start = headers[k].line + 1;
  let end = k + 1 < headers.length ? headers[k + 1].line : lines.length;
  // Comments and blank lines just before the next header belong to what follows.
  while (end > start && /^\s*(#.*)?$/.test(lines[end - 1])) end--;
  return { start, end };
}

function refuse(path: string, project: string): InputError {
  return new InputError(`cannot safely rewrite the [trust.${project}] table of ${path} (it is written in a form distsum does not edit); change it by hand`);
}

/**
 * `text` with the trust policy for `project` set to `fields`: an existing [trust.<project>] table
 * (any spelling of the name) has its keys replaced in place, keeping comments and order; otherwise
 * a new table is appended. Throws InputError when `text` is not valid TOML, or when the edit would
 * change anything but that policy (for example a policy written as an inline table).
 */
export function setTrustPolicy(text: string, project: string, fields: PolicyFields, path: string): string {
  const doc = parseDoc(text, path);
  const key = existingKey(doc, project);
  const want = fieldsObject(fields);
  const expected = structuredClone(doc) as Doc;
  const trust = (expected.trust ??= {}) as Doc;
  trust[key ?? project] = want;

  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const headers = findHeaders(text);
  const k = key === undefined ? -1 : headers.findIndex((h) => !h.array && h.key.length === 2 && h.key[0] === 'trust' && h.key[1] === key);
  let out: string;
  if (k < 0) {
    if (key !== undefined) throw refuse(path, project);
    const block = [`[trust.${tomlKey(project)}]`, ...Object.entries(want).map(([k2, v]) => `${k2} = ${valueText(v)}`)];
    let head = text;
    if (head.length > 0 && !head.endsWith('\n')) head += eol;
    if (head.trim().length > 0) head += eol;
    out = head + block.join(eol) + eol;
  } else {
    const { start, end } = bodyRange(lines, headers, k);
    const body = lines.slice(start, end);
    const remaining = new Map(Object.entries(want));
    const newBody: string[] = [];
    for (const l of body) {
      const m = /^(\s*)([A-Za-z0-9_-]+|"[^"]*"|'[^']*')(\s*=\s*)(.*)$/.exec(l);
      if (!m) {
        newBody.push(l);
        continue;
      }
      const name = m[2].replace(/^["']|["']$/g, '');
      if (!remaining.has(name)) {
        if (Object.values(TRUST_KEYS).includes(name as never)) continue; // a field the new policy drops
        newBody.push(l);
        continue;
      }
      newBody.push(`${m[1]}${m[2]}${m[3]}${valueText(remaining.get(name))}`);
      remaining.delete(name);
    }
    let insertAt = newBody.length;
    while (insertAt > 0 && /^\s*(#.*)?$/.test(newBody[insertAt - 1])) insertAt--;
    newBody.splice(insertAt, 0, ...[...remaining].map(([k2, v]) => `${k2} = ${valueText(v)}`));
    out = [...lines.slice(0, start), ...newBody, ...lines.slice(end)].join(eol);
  }
  let after: Doc;
  try {
    after = parseToml(out) as Doc;
  } catch {
    throw refuse(path, project);
  }
  if (!sameDoc(after, expected)) throw refuse(path, project);
  return out;
}

/**
 * `text` without the trust policy for `project`: its [trust.<project>] header and body are removed;
 * comments above it and everything else stay. Returns undefined when there is no such policy.
 * Throws InputError for invalid TOML or a policy distsum cannot remove line-wise.
 */
export function removeTrustPolicy(text: string, project: string, path: string): string | undefined {
  const doc = parseDoc(text, path);
  const key = existingKey(doc, project);
  if (key === undefined) return undefined;
  const expected = structuredClone(doc) as Doc;
  delete (expected.trust as Doc)[key];
  const headers = findHeaders(text);
  const k = headers.findIndex((h) => !h.array && h.key.length === 2 && h.key[0] === 'trust' && h.key[1] === key);
  if (k < 0) throw refuse(path, project);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const { end } = bodyRange(lines, headers, k);
  let start = headers[k].line;
  // Drop one blank line that separated the table from what was above it.
  if (start > 0 && lines[start - 1].trim() === '' && (end >= lines.length || lines[end]?.trim() === '')) start--;
  const out = [...lines.slice(0, start), ...lines.slice(end)].join(eol);
  let after: Doc;
  try {
    after = parseToml(out) as Doc;
  } catch {
    throw refuse(path, project);
  }
  // A [trust] table left empty may disappear entirely: that loses nothing.
  if (after.trust === undefined && Object.keys(expected.trust as Doc).length === 0) delete expected.trust;
  if (!sameDoc(after, expected)) throw refuse(path, project);
  return out;
}
