// JSON-lines import with the parsing in a worker thread. Parsing, checking, formatting, leaf hashing
// and index keys cost more per entry than appending does, so a bulk import runs them beside the
// thread that appends: this thread reads the input and hands the bytes over; the worker hands back
// packed claim batches (see claims.ts), in input order. Memory stays bounded: at most a few MiB of
// input are in flight and at most two batches wait for the consumer.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../workerscript.ts';
import type { WorkerScript } from '../workerscript.ts';
import type { ClaimBatch } from './claims.ts';
import { chunksOf, jsonLinesItems } from './import.ts';
import type { ImportChunk } from './import.ts';
import { DEFAULT_BATCH } from './sequencer.ts';
import type { FromImportThread, ImportThreadSettings, ToImportThread } from './importwire.ts';
import { chunkArrays, chunkBuffers } from './fastjsonl.ts';
import type { ChunkArrays } from './fastjsonl.ts';

/** Input bytes handed to the thread and not yet parsed, at most (then reading waits). */
const MAX_IN_FLIGHT = 8 << 20;
/** Parsed batches not yet taken by the consumer, at most (then reading waits). */
const MAX_READY = 2;
/** Input buffers kept for reuse once the thread has parsed them, at most. */
const MAX_SPARE = 16;

/** An import thread failed (it could not start, or crashed): a bug or a broken installation. */
export class ImportThreadError extends Error {}

/**
 * The import thread's script for code loaded from `moduleUrl`: import-worker.js beside the esbuild
 * bundle (scripts/build.mjs emits it), or import-worker.ts from source. Null when a bundle lacks it.
 */
export function importWorkerScript(moduleUrl: string = import.meta.url): WorkerScript | null {
  const s = workerScript('./import-worker.js', './import-worker.ts', moduleUrl);
  if (s.url.protocol === 'file:' && !existsSync(fileURLToPath(s.url))) return null;
  return s;
}

/**
 * The chunks of JSON lines read from `input`, parsed in a worker thread: each a batch of up to
 * `chunkClaims` claims keyed with `seed` (a store's keySeed) and the problems of the malformed lines
 * among them, exactly as jsonLinesParser(name) reports them. `onBytes` reports bytes read.
 */
export async function* threadedJsonLines(
  input: AsyncIterable<Uint8Array | string>,
  name: string,
  seed: Uint8Array,
  opts: { chunkClaims: number; onBytes?: (n: number) => void; script: WorkerScript },
): AsyncGenerator<ImportChunk> {
  const settings: ImportThreadSettings = { name, seed, chunkClaims: opts.chunkClaims };
  const w = new Worker(opts.script.url, { workerData: settings, execArgv: opts.script.execArgv });
  const ready: ImportChunk[] = [];
  let inFlight = 0;
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const f = wake;
    wake = undefined;
    f?.();
  };
  // Input buffers the thread has handed back, for the next reads to be copied into.
  const spare: ArrayBuffer[] = [];
  let stopped = false;
  // Hands a chunk's arrays back to the thread for its later chunks (see JsonLinesPacker.recycle).
  const recycler = (m: ChunkArrays) => {
    let released = false;
    return () => {
      if (released || stopped) return;
      released = true;
      const arrays = chunkArrays(m);
      w.postMessage({ op: 'recycle', arrays } satisfies ToImportThread, chunkBuffers(arrays));
    };
  };
  w.on('message', (m: FromImportThread) => {
    if (m.op === 'chunk') ready.push({ batch: batchOf(m, name), problems: m.problems, release: recycler(m) });
    else if (m.op === 'took') {
      inFlight -= m.length;
      if (spare.length < MAX_SPARE) spare.push(m.bytes);
    } else if (m.op === 'done') done = true;
    else failure ??= new ImportThreadError(`the import thread failed: ${m.message}`);
    poke();
  });
  w.on('error', (e) => {
    failure ??= new ImportThreadError(`the import thread failed: ${e.message}`);
    poke();
  });
  w.on('exit', (code) => {
    if (!done) failure ??= new ImportThreadError(`the import thread exited (code ${code})`);
    poke();
  });
  const source = input[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      while (!ended && inFlight < MAX_IN_FLIGHT && ready.length < MAX_READY && failure === undefined) {
        const r = await source.next();
        if (r.done) {
          ended = true;
          w.postMessage({ op: 'end' } satisfies ToImportThread);
          break;
        }
        const { bytes, length } = transferable(r.value, spare);
        opts.onBytes?.(length);
        inFlight += length;
        w.postMessage({ op: 'data', bytes, length } satisfies ToImportThread, [bytes]);
      }
      if (ready.length > 0) {
        yield ready.shift()!;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stopped = true;
    if (!ended) await source.return?.();
    await w.terminate();
  }
}

// A copy of an input chunk at the start of an ArrayBuffer of its own, which can be moved to the
// thread: a spare one when one is long enough (input chunks mostly have one size), else a new one.
function transferable(chunk: Uint8Array | string, spare: ArrayBuffer[]): { bytes: ArrayBuffer; length: number } {
  const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  const i = spare.findIndex((s) => s.byteLength >= b.length);
  const bytes = i >= 0 ? spare.splice(i, 1)[0] : new ArrayBuffer(b.length);
  new Uint8Array(bytes).set(b);
  return { bytes, length: b.length };
}

function batchOf(m: Extract<FromImportThread, { op: 'chunk' }>, name: string): ClaimBatch {
  const lines = m.lines;
  return {
    count: m.count,
    records: m.records,
    ends: m.ends,
    leaves: m.leaves,
    fileKeys: m.fileKeys,
    shaKeys: m.shaKeys,
    projectKeys: m.projectKeys,
    source: (i) => `${name}:${lines[i]}`,
  };
}

/**
 * The chunks of JSON lines read from `input` (see threadedJsonLines), parsed in a worker thread
 * when the import thread's script is at hand, else in this thread.
 */
export function jsonLinesChunks(
  input: AsyncIterable<Uint8Array | string>,
  name: string,
  seed: Uint8Array,
  opts: { chunkClaims?: number; onBytes?: (n: number) => void; script?: WorkerScript | null } = {},
): AsyncIterable<ImportChunk> {
  const chunkClaims = opts.chunkClaims ?? DEFAULT_BATCH;
  const script = opts.script === undefined ? importWorkerScript() : opts.script;
  if (script === null) return chunksOf(jsonLinesItems(input, name, opts.onBytes), seed, chunkClaims);
  return threadedJsonLines(input, name, seed, { chunkClaims, onBytes: opts.onBytes, script });
}
