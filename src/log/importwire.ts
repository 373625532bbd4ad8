// Messages between the import thread (import-worker.ts) and the thread that appends (importthread.ts).

import type { ImportProblem } from './import.ts';

/** What the import thread starts with. */
export interface ImportThreadSettings {
  /** Prefix of problem places and claim sources ("file.jsonl" gives "file.jsonl:12"). */
  name: string;
  /** The store's keySeed, for the claims' index keys. */
  seed: Uint8Array;
  /** Claims per batch handed back (the last may hold fewer). */
  chunkClaims: number;
}

/** Main thread to import thread: input bytes in order, then the end. */
export type ToImportThread = { op: 'data'; bytes: ArrayBuffer } | { op: 'end' };

/**
 * Import thread to main thread: a packed ClaimBatch (without its functions) with each claim's line
 * number and the problems of the lines in between; `took` when a data message was parsed; `done`
 * after the last chunk; `error` if parsing failed unexpectedly.
 */
export type FromImportThread =
  | {
      op: 'chunk';
      count: number;
      records: Uint8Array;
      ends: Uint32Array;
      leaves: Uint8Array;
      fileKeys: Uint32Array;
      shaKeys: Uint32Array;
      projectKeys: Uint32Array;
      lines: Uint32Array;
      problems: ImportProblem[];
    }
  | { op: 'took'; bytes: number }
  | { op: 'done' }
  | { op: 'error'; message: string };
