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
import { APPENDED, DEFAULT_BATCH, PRESENT } from './sequencer.ts';
import type { BatchOutcomes } from './sequencer.ts';
import { concatBatches, packClaims, sliceBatch } from './claims.ts';
import type { Claim, ClaimBatch } from './claims.ts';

/** A piece of input that could not be used, and where it is ("file.jsonl:12"). */
export interface ImportProblem {
  where: string;
  message: string;
}

/** One unit of parsed input: a claim (with its line, for JSON lines), or a problem in place of one. */
export type ImportItem = { claim: Claim; line?: number } | { problem: ImportProblem };

/** Parsed input in bulk: a batch of claims and the problems of the input between them. */
export interface ImportChunk {
  batch: ClaimBatch;
  problems: ImportProblem[];
  /**
   * Tells the producer that nothing uses the batch's arrays any more (its claims are appended or
   * were dropped), so it may write later chunks into them. Optional to call; a second call does
   * nothing.
   */
  release?: () => void;
}

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
      return { claim: { entry: parseImportLine(text), source: `${name}:${line}` }, line };
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

/**
 * Items as chunks: the claims of up to `chunkClaims` items packed (with the index keys of a store
 * whose keySeed is `seed`) with the problems among them.
 */
export async function* chunksOf(items: AsyncIterable<ImportItem[]>, seed: Uint8Array, chunkClaims = DEFAULT_BATCH): AsyncGenerator<ImportChunk> {
  let claims: Claim[] = [];
  let problems: ImportProblem[] = [];
  const flush = (): ImportChunk => {
    const c = { batch: packClaims(claims, seed), problems };
    claims = [];
    problems = [];
    return c;
  };
  for await (const chunk of items) {
    for (const it of chunk) {
      if ('claim' in it) {
        claims.push(it.claim);
        if (claims.length >= chunkClaims) yield flush();
      } else {
        problems.push(it.problem);
      }
    }
  }
  if (claims.length > 0 || problems.length > 0) yield flush();
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

function tally(s: ImportSummary, o: BatchOutcomes): void {
  for (let i = 0; i < o.status.length; i++) {
    if (o.status[i] === APPENDED) s.appended++;
    else if (o.status[i] === PRESENT) s.present++;
    else s.conflicts++;
  }
  s.alerts += o.alertIds.size;
}

/** Input that can be read more than once (files), each call reading it from the start. */
export type Rereadable = () => AsyncIterable<ImportChunk>;

/**
 * Appends the claims of `chunks` through `append` (the log writer's appendBatch), in batches of
 * about `batch` claims. Non-strict: problems are reported and skipped while appending. Strict:
 * everything is read first; any problem throws InputError (after reporting them all) and nothing is
 * appended. Strict over Rereadable input reads it twice, checking first and appending second, so
 * memory does not grow with the input; over a one-time iterable it keeps the (packed) claims in
 * memory between the two steps.
 */
export async function runImport(
  append: (batch: ClaimBatch) => Promise<BatchOutcomes>,
  chunks: AsyncIterable<ImportChunk> | Rereadable,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const batch = opts.batch ?? DEFAULT_BATCH;
  const s: ImportSummary = { claims: 0, appended: 0, present: 0, conflicts: 0, alerts: 0, malformed: 0 };
  let pending: ClaimBatch[] = [];
  let pendingCount = 0;
  // Releases of the chunks with claims in `pending`, called once those are appended.
  let holding: (() => void)[] = [];
  const flush = async () => {
    if (pendingCount === 0) return;
    const b = concatBatches(pending);
    pending = [];
    pendingCount = 0;
    tally(s, await append(b));
    const appended = holding;
    holding = [];
    for (const release of appended) release();
    opts.onAppended?.({ ...s });
  };
  // After add(c.batch): c's claims are all appended, or its last ones wait in `pending`.
  const done = (c: ImportChunk) => {
    if (c.release === undefined) return;
    if (pendingCount === 0 || c.batch.count === 0) c.release();
    else holding.push(c.release);
  };
  // Queues a batch's claims, appending whenever `batch` of them are queued.
  const add = async (b: ClaimBatch) => {
    for (let from = 0; from < b.count; ) {
      const k = Math.min(b.count - from, batch - pendingCount);
      pending.push(from === 0 && k === b.count ? b : sliceBatch(b, from, from + k));
      pendingCount += k;
      from += k;
      s.claims += k;
      if (pendingCount >= batch) await flush();
    }
  };
  const report = (problems: ImportProblem[]) => {
    for (const p of problems) {
      s.malformed++;
      opts.onProblem(p);
    }
  };
  const refuse = () => new InputError(`${s.malformed} malformed input record${s.malformed === 1 ? '' : 's'}; nothing was imported (--strict)`);
  if (opts.strict && typeof chunks === 'function') {
    let claims = 0;
    for await (const c of chunks()) {
      claims += c.batch.count;
      report(c.problems);
      c.release?.();
    }
    if (s.malformed > 0) throw refuse();
    // The second reading must be the input the first one checked (the caller's Rereadable
    // guards against files that change in between); a problem now still stops the import.
    for await (const c of chunks()) {
      if (c.problems.length > 0) throw new InputError(`${c.problems[0].where} changed while it was imported: ${c.problems[0].message}`);
      await add(c.batch);
      done(c);
    }
    await flush();
    if (s.claims !== claims) throw new InputError(`the input changed while it was imported (${claims} records when checked, ${s.claims} when appended)`);
    return s;
  }
  if (typeof chunks === 'function') chunks = chunks();
  if (opts.strict) {
    const all: ClaimBatch[] = [];
    for await (const c of chunks) {
      all.push(c.batch);
      report(c.problems);
    }
    if (s.malformed > 0) throw refuse();
    for (const b of all) await add(b);
    await flush();
    return s;
  }
  for await (const c of chunks) {
    report(c.problems);
    await add(c.batch);
    done(c);
  }
  await flush();
  return s;
}
