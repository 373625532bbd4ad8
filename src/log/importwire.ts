// Messages between the import thread (import-worker.ts) and the thread that appends (importthread.ts).

import type { ChunkArrays, PackedChunk } from './fastjsonl.ts';

/** What the import thread starts with. */
export interface ImportThreadSettings {
  /** Prefix of problem places and claim sources ("file.jsonl" gives "file.jsonl:12"). */
  name: string;
  /** The store's keySeed, for the claims' index keys. */
  seed: Uint8Array;
  /** Claims per batch handed back (the last may hold fewer). */
  chunkClaims: number;
}

/**
 * Main thread to import thread: input bytes in order (the first `length` bytes of `bytes`), then
 * the end; and the arrays of chunks the main thread is done with, for the thread to reuse.
 */
export type ToImportThread = { op: 'data'; bytes: ArrayBuffer; length: number } | { op: 'end' } | { op: 'recycle'; arrays: ChunkArrays };

/**
 * Import thread to main thread: a packed chunk (the arrays of a ClaimBatch with each claim's line
 * number and the problems of the lines in between); `took` when a data message was parsed, handing
 * its buffer back for the next input; `done` after the last chunk; `error` if parsing failed
 * unexpectedly.
 */
export type FromImportThread =
  | ({ op: 'chunk' } & PackedChunk)
  | { op: 'took'; bytes: ArrayBuffer; length: number }
  | { op: 'done' }
  | { op: 'error'; message: string };
