// Test support for src/tlog: loads the reference vectors and builds the vectors' log
// (record i = "entry-{i}\n") in memory through the stored-hash API.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { recordHash } from '../../src/tlog/hash.ts';
import type { Hash } from '../../src/tlog/hash.ts';
import { arrayHashReader, storedHashesForRecordHash } from '../../src/tlog/stored.ts';
import type { HashReader } from '../../src/tlog/stored.ts';

/** The read-only reference vectors shared by all helpers. */
export const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors');

/** Parses a JSON file under the vectors directory. */
export function loadVector<T = any>(rel: string): T {
  return JSON.parse(readFileSync(resolve(VECTORS, rel), 'utf8')) as T;
}

/** Raw bytes of a file under the vectors directory. */
export function loadVectorBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(VECTORS, rel)));
}

/** Standard base64 -> bytes (plain Uint8Array). */
export function b64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Bytes -> standard base64. */
export function toB64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

/** Hex -> bytes. */
export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Record i of the vectors' log. */
export function record(i: number): Uint8Array {
  return new TextEncoder().encode(`entry-${i}\n`);
}

/** An in-memory log of the first `size` vector records: its stored hashes and a reader over them. */
export interface TestLog {
  stored: Hash[];
  read: HashReader;
  buildMs: number;
}

/** Appends records 0..size-1 with storedHashesForRecordHash, timing it. */
export function buildLog(size: number): TestLog {
  const stored: Hash[] = [];
  const read = arrayHashReader(stored);
  const t0 = performance.now();
  for (let i = 0; i < size; i++) {
    for (const h of storedHashesForRecordHash(i, recordHash(record(i)), read)) stored.push(h);
  }
  return { stored, read, buildMs: performance.now() - t0 };
}
