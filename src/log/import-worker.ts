// The import parsing thread (see importthread.ts): turns the JSON-lines bytes the main thread sends
// into packed claim batches (entry lines, leaf hashes, index keys) and the problems of bad lines, so
// the thread that appends to the log does none of that work.

import { parentPort, workerData } from 'node:worker_threads';
import { jsonLinesParser } from './import.ts';
import type { ImportItem, ImportProblem } from './import.ts';
import { packClaims } from './claims.ts';
import type { Claim } from './claims.ts';
import type { ImportThreadSettings, ToImportThread, FromImportThread } from './importwire.ts';

const port = parentPort!;
const settings = workerData as ImportThreadSettings;
const parser = jsonLinesParser(settings.name);
let claims: Claim[] = [];
let lines: number[] = [];
let problems: ImportProblem[] = [];

function take(items: ImportItem[]): void {
  for (const it of items) {
    if ('claim' in it) {
      claims.push(it.claim);
      lines.push(it.line ?? 0);
      if (claims.length >= settings.chunkClaims) flush();
    } else {
      problems.push(it.problem);
    }
  }
}

function flush(): void {
  if (claims.length === 0 && problems.length === 0) return;
  const b = packClaims(claims, settings.seed);
  const m: FromImportThread = {
    op: 'chunk',
    count: b.count,
    records: b.records,
    ends: b.ends,
    leaves: b.leaves,
    fileKeys: b.fileKeys,
    shaKeys: b.shaKeys,
    projectKeys: b.projectKeys,
    lines: Uint32Array.from(lines),
    problems,
  };
  port.postMessage(m, [b.records.buffer, b.ends.buffer, b.leaves.buffer, b.fileKeys.buffer, b.shaKeys.buffer, b.projectKeys.buffer, m.lines.buffer] as ArrayBuffer[]);
  claims = [];
  lines = [];
  problems = [];
}

port.on('message', (m: ToImportThread) => {
  try {
    if (m.op === 'data') {
      take(parser.push(new Uint8Array(m.bytes)));
      const took: FromImportThread = { op: 'took', bytes: m.bytes.byteLength };
      port.postMessage(took);
    } else {
      take(parser.end());
      flush();
      const done: FromImportThread = { op: 'done' };
      port.postMessage(done);
    }
  } catch (e) {
    const failed: FromImportThread = { op: 'error', message: (e as Error).message };
    port.postMessage(failed);
  }
});
