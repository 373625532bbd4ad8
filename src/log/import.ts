// Bulk import into the log: claims read from JSON lines or from saved PyPI JSON API responses, fed
// to the sequencer in large batches. Malformed input is reported with its place and skipped, or with
// `strict` everything is read and checked before the first append, so a bad file imports nothing.

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseJsonApi } from '../index/jsonapi.ts';
import { InputError, UsageError } from '../errors.ts';
import { entryProblem } from './entry.ts';
import type { Entry } from './entry.ts';
import { MAX_IMPORT_LINE, parseImportLine } from './importline.ts';
import { DEFAULT_BATCH } from './sequencer.ts';
import type { Claim, Outcome } from './sequencer.ts';

/** A piece of input that could not be used, and where it is ("file.jsonl:12"). */
export interface ImportProblem {
  where: string;
  message: string;
}

/** One unit of parsed input: a claim, or a problem in place of one. */
export type ImportItem = { claim: Claim } | { problem: ImportProblem };

/** What an import did. */
export interface ImportSummary {
  /** Claims read (valid ones). */
  claims: number;
  appended: number;
  present: number;
  /** Claims refused because the file name is logged with other digests (each raised an alert). */
  conflicts: number;
  /** New hash-changed alerts recorded (a repeated conflict alerts once). */
  alerts: number;
  /** Malformed lines or documents skipped. */
  malformed: number;
}

/** Largest saved JSON API document read (PyPI's biggest projects are tens of MiB). */
export const MAX_JSON_DOCUMENT = 256 << 20;

const NL = 0x0a;
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

// One line's bytes as text; undefined when they are not UTF-8. toString is fast but lossy, so the
// strict decoder runs only when a replacement character appears.
function lineText(buf: Buffer, start: number, end: number): string | undefined {
  if (end > start && buf[end - 1] === 0x0d) end--; // CRLF files
  const s = buf.toString('utf8', start, end);
  if (!s.includes('\ufffd')) return s;
  try {
    return strictDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** An incremental JSON-lines reader: feed byte chunks in order, then end(). */
export interface JsonLinesParser {
  /** The items of the lines that `chunk` completes (with the bytes before it), in input order. */
  push(chunk: Uint8Array): ImportItem[];
  /** The item of a last line without a newline, if any. */
  end(): ImportItem[];
}

/**
 * Parses JSON lines given in byte chunks. `name` prefixes places ("name:LINE"). Blank lines are
 * skipped; a line longer than MAX_IMPORT_LINE bytes or not UTF-8 is a problem, as is every line
 * parseImportLine rejects. Memory is bounded by the chunk size plus one line.
 */
export function jsonLinesParser(name: string): JsonLinesParser {
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  let skipping = false; // inside an over-long line: drop bytes until its newline
  const item = (text: string | undefined, line: number): ImportItem | undefined => {
    if (text === undefined) return { problem: { where: `${name}:${line}`, message: 'not valid UTF-8' } };
    if (text.trim() === '') return undefined;
    try {
      return { claim: { entry: parseImportLine(text), source: `${name}:${line}` } };
    } catch (e) {
      return { problem: { where: `${name}:${line}`, message: (e as Error).message } };
    }
  };
  const tooLong = (line: number): ImportItem => ({ problem: { where: `${name}:${line}`, message: `line is longer than ${MAX_IMPORT_LINE} bytes` } });
  return {
    push(chunk) {
      const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      const buf = carry.length ? Buffer.concat([carry, c]) : c;
      const out: ImportItem[] = [];
      let start = 0;
      for (let nl = buf.indexOf(NL, start); nl >= 0; nl = buf.indexOf(NL, start)) {
        lineNo++;
        if (skipping) {
          skipping = false;
        } else {
          const it = nl - start > MAX_IMPORT_LINE ? tooLong(lineNo) : item(lineText(buf, start, nl), lineNo);
          if (it) out.push(it);
        }
        start = nl + 1;
      }
      carry = buf.subarray(start);
      if (!skipping && carry.length > MAX_IMPORT_LINE) {
        out.push(tooLong(lineNo + 1));
        skipping = true;
      }
      if (skipping) carry = Buffer.alloc(0);
      // Copy the tail so the chunk it came from can be freed.
      else if (carry.length > 0) carry = Buffer.from(carry);
      return out;
    },
    end() {
      if (carry.length === 0 || skipping) return [];
      const it = carry.length > MAX_IMPORT_LINE ? tooLong(lineNo + 1) : item(lineText(carry, 0, carry.length), lineNo + 1);
      carry = Buffer.alloc(0);
      return it ? [it] : [];
    },
  };
}

/**
 * Parses JSON lines from `input` (byte chunks), yielding items chunk by chunk (see
 * jsonLinesParser). `onBytes` reports bytes consumed.
 */
export async function* jsonLinesItems(
  input: AsyncIterable<Uint8Array | string>,
  name: string,
  onBytes?: (n: number) => void,
): AsyncGenerator<ImportItem[]> {
  const parser = jsonLinesParser(name);
  for await (const chunk of input) {
    const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    onBytes?.(c.length);
    const out = parser.push(c);
    if (out.length) yield out;
  }
  const last = parser.end();
  if (last.length) yield last;
}

/**
 * Claims from one saved PyPI JSON API response (`/pypi/<name>/json` with `releases`, or
 * `/pypi/<name>/<version>/json` with `urls`). A malformed document is one problem; a file without
 * a sha256 is a problem of its own and the document's other files still count.
 */
export function jsonApiItems(body: Uint8Array, name: string): ImportItem[] {
  let project;
  try {
    project = parseJsonApi(body, pathToFileURL(name).href);
  } catch (e) {
    return [{ problem: { where: name, message: (e as Error).message.replace(`${pathToFileURL(name).href}: `, '') } }];
  }
  return project.files.map((f): ImportItem => {
    const where = `${name} (${f.filename})`;
    const sha256 = f.digests.sha256;
    if (sha256 === undefined) return { problem: { where, message: 'the index gives no sha256 for this file' } };
    const entry: Entry = { project: project.normalizedName, version: f.version, filename: f.filename, size: f.size, sha256 };
    if (f.digests.blake2b_256 !== undefined) entry.blake2b256 = f.digests.blake2b_256;
    const p = entryProblem(entry);
    return p ? { problem: { where, message: p } } : { claim: { entry, source: name } };
  });
}

/**
 * The JSON documents named by `paths`: files as given, directories as their *.json files (sorted,
 * not recursive). Throws UsageError for a path that does not exist.
 */
export async function jsonApiFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new UsageError(`${p} does not exist`);
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
      out.push(...names.map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Items of saved JSON API documents, one document at a time (each at most MAX_JSON_DOCUMENT bytes). */
export async function* jsonApiFileItems(files: string[], onBytes?: (n: number) => void): AsyncGenerator<ImportItem[]> {
  for (const f of files) {
    const st = await stat(f);
    if (st.size > MAX_JSON_DOCUMENT) {
      yield [{ problem: { where: f, message: `larger than ${MAX_JSON_DOCUMENT} bytes` } }];
      continue;
    }
    const body = await readFile(f);
    onBytes?.(body.length);
    yield jsonApiItems(body, f);
  }
}

/** Options of runImport. */
export interface ImportOptions {
  /** Refuse the whole input if anything is malformed (checked before the first append). */
  strict: boolean;
  /** Claims per append call (default DEFAULT_BATCH). */
  batch?: number;
  /** Called for each malformed piece of input, in input order. */
  onProblem: (p: ImportProblem) => void;
  /** Called after each append with the outcomes so far. */
  onAppended?: (s: ImportSummary) => void;
}

function tally(s: ImportSummary, outcomes: Outcome[]): void {
  for (const o of outcomes) {
    if (o.status === 'appended') s.appended++;
    else if (o.status === 'present') s.present++;
    else {
      s.conflicts++;
      if (o.alertId !== undefined) s.alerts++;
    }
  }
}

/** Input that can be read more than once (files), each call reading it from the start. */
export type Rereadable = () => AsyncIterable<ImportItem[]>;

/**
 * Appends the claims of `items` through `append` (the log writer's). Non-strict: problems are
 * reported and skipped while appending in batches. Strict: everything is read first; any problem
 * throws InputError (after reporting them all) and nothing is appended. Strict over Rereadable
 * input reads it twice, checking first and appending second, so memory does not grow with the
 * input; over a one-time iterable it keeps the claims in memory between the two steps.
 */
export async function runImport(
  append: (claims: Claim[]) => Promise<Outcome[]>,
  items: AsyncIterable<ImportItem[]> | Rereadable,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  const s: ImportSummary = { claims: 0, appended: 0, present: 0, conflicts: 0, alerts: 0, malformed: 0 };
  let pending: Claim[] = [];
  const flush = async () => {
    const claims = pending;
    pending = [];
    tally(s, await append(claims));
    opts.onAppended?.({ ...s });
  };
  const refuse = () => new InputError(`${s.malformed} malformed input record${s.malformed === 1 ? '' : 's'}; nothing was imported (--strict)`);
  if (opts.strict && typeof items === 'function') {
    let claims = 0;
    for await (const chunk of items()) {
      for (const it of chunk) {
        if ('claim' in it) claims++;
        else {
          s.malformed++;
          opts.onProblem(it.problem);
        }
      }
    }
    if (s.malformed > 0) throw refuse();
    // The second reading must be the input the first one checked (the caller's Rereadable
    // guards against files that change in between); a problem now still stops the import.
    for await (const chunk of items()) {
      for (const it of chunk) {
        if (!('claim' in it)) throw new InputError(`${it.problem.where} changed while it was imported: ${it.problem.message}`);
        pending.push(it.claim);
        s.claims++;
        if (pending.length >= batch) await flush();
      }
    }
    if (pending.length > 0) await flush();
    if (s.claims !== claims) throw new InputError(`the input changed while it was imported (${claims} records when checked, ${s.claims} when appended)`);
    return s;
  }
  if (typeof items === 'function') items = items();
  if (opts.strict) {
    const all: Claim[] = [];
    for await (const chunk of items) {
      for (const it of chunk) {
        if ('claim' in it) all.push(it.claim);
        else {
          s.malformed++;
          opts.onProblem(it.problem);
        }
      }
    }
    if (s.malformed > 0) throw refuse();
    s.claims = all.length;
    for (let i = 0; i < all.length; i += batch) {
      pending = all.slice(i, i + batch);
      await flush();
    }
    return s;
  }
  for await (const chunk of items) {
    for (const it of chunk) {
      if ('claim' in it) {
        pending.push(it.claim);
        s.claims++;
      } else {
        s.malformed++;
        opts.onProblem(it.problem);
      }
    }
    while (pending.length >= batch) {
      const rest = pending.slice(batch);
      pending.length = batch;
      await flush();
      pending = rest;
    }
  }
  if (pending.length > 0) await flush();
  return s;
}
