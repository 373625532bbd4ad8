// Messages between digestFiles and its hashing workers (plain data: they cross a thread boundary).

import type { Digests } from './multi.ts';

/** A file for a worker to hash. `id` is echoed in every reply about it. */
export interface HashJob {
  id: number;
  path: string;
  md5: boolean;
}

/** What a worker reports about a job: progress (bytes since the last report), the result, or why it failed. */
export type WorkerReply =
  | { t: 'progress'; id: number; n: number }
  | { t: 'done'; id: number; digests: Digests }
  | { t: 'fail'; id: number; kind: 'usage' | 'input' | 'internal'; message: string };

/** Bytes a worker hashes between progress reports: frequent enough for a progress bar, rare enough to be free. */
export const PROGRESS_EVERY = 8 << 20;
