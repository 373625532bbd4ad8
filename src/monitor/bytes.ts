// Fetching a file's bytes to learn what the index serves, not only what it claims: for files whose
// listing lacks a size or sha256 (PEP 503 HTML), and for a sample of new files (--verify-bytes).
// The sample is a pure function of the file name, so a file that failed verification is verified
// again on every later poll instead of slipping into the log unverified.

import { createHash } from 'node:crypto';
import { createMultiDigest, type Digests } from '../digest/multi.ts';
import type { IndexClient } from '../index/client.ts';
import type { FileDigests } from './alerts.ts';

/**
 * Whether `filename` is in the verification sample of `rate` (0: none, 1: all): the first 32 bits
 * of sha256("distsum verify-bytes " + filename), as a fraction, are below `rate`.
 */
export function inSample(filename: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const x = createHash('sha256').update(`distsum verify-bytes ${filename}`).digest().readUInt32BE(0);
  return x / 2 ** 32 < rate;
}

/**
 * Downloads `url` through the index client (its limits, politeness and redirect rules) and returns
 * its size, sha256 and BLAKE2b-256. With `expectedSize`, more bytes than that fail the download
 * (IndexTooLargeError) instead of being read.
 */
export async function fetchDigests(client: IndexClient, url: string, expectedSize?: number): Promise<Digests> {
  const d = await createMultiDigest();
  await client.downloadFile(url, (chunk) => d.update(chunk), expectedSize === undefined ? {} : { expectedSize });
  return d.digest();
}

/** True when the bytes' digests contradict a value the index claimed (a value it did not give is no contradiction). */
export function bytesDisagree(claimed: FileDigests, bytes: Digests): boolean {
  return (
    (claimed.size !== undefined && claimed.size !== bytes.size) ||
    (claimed.sha256 !== undefined && claimed.sha256 !== bytes.sha256) ||
    (claimed.blake2b_256 !== undefined && claimed.blake2b_256 !== bytes.blake2b_256)
  );
}
