// Many file-name lookups in one request (POST /lookup): every name answered against ONE checkpoint,
// the latest, which the answer carries once. A found name gets the single lookup's fields (entry,
// record, leaf hash, first seen) and its inclusion proof in that checkpoint's tree, so a verifier
// checks every answer against the one signed note; joined with it, each proof is exactly the C2SP
// tlog-proof the single lookup returns. Built from the single lookup's parts (entry reads out of
// cached bundles, proofs out of cached tile trees), with one index query for all the names.

import type { LogReader } from '../log/log.ts';
import type { LoggedEntry } from '../log/reads.ts';
import type { StoredCheckpoint } from '../store/store.ts';
import type { Hash } from '../tlog/hash.ts';
import { recordHash } from '../tlog/hash.ts';
import { encodeBase64 } from '../tlog/note.ts';
import { checkpointJson, entryJson } from './entryjson.ts';
import type { CheckpointJson, EntryJson } from './entryjson.ts';
import { entryAt } from './entryreads.ts';
import type { FirstSeen } from './firstseen.ts';
import { badRequest } from './httperror.ts';
import type { LatestCheckpoint } from './latest.ts';
import { base64Hashes, inclusionProof } from './proofs.ts';
import type { TileCache } from './tilecache.ts';

export { base64Hashes };

/** Most file names one request may ask about. */
export const MAX_BATCH_NAMES = 1000;

/** Largest request body, in bytes: room for MAX_BATCH_NAMES names of about a kilobyte. */
export const MAX_BATCH_BYTES = 1 << 20;

/** Longest file name asked about, in characters (as for GET /lookup/<filename>). */
export const MAX_BATCH_FILENAME = 1024;

/**
 * The file names of a POST /lookup body: a JSON object whose `filenames` is an array of at most
 * `maxNames` distinct non-empty strings of at most MAX_BATCH_FILENAME characters (other members are
 * ignored). Throws a 400 HttpError naming the first problem.
 */
export function parseBatchRequest(body: Uint8Array, maxNames: number = MAX_BATCH_NAMES): string[] {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw badRequest('the body is not JSON; send {"filenames": ["<file name>", ...]}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest('the body must be a JSON object: {"filenames": ["<file name>", ...]}');
  const names = (v as { filenames?: unknown }).filenames;
  if (!Array.isArray(names)) throw badRequest('the body has no "filenames" array');
  if (names.length > maxNames) throw badRequest(`at most ${maxNames} file names per request (got ${names.length}); split the list`);
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (typeof n !== 'string') throw badRequest(`filenames[${i}] is not a string`);
    if (n.length === 0) throw badRequest(`filenames[${i}] is empty`);
    if (n.length > MAX_BATCH_FILENAME) throw badRequest(`filenames[${i}] is longer than ${MAX_BATCH_FILENAME} characters`);
    if (seen.has(n)) throw badRequest(`filenames[${i}] repeats ${JSON.stringify(n.slice(0, 200))}; ask about each name once`);
    seen.add(n);
  });
  return names as string[];
}

/** What a batch lookup reads: the file name index (many names per query) and the single lookup's caches. */
export interface BatchSources {
  /** For each name, candidate indexes of its entry (see ServerDeps.findFilename), in the order asked. */
  findFilenames: (filenames: string[]) => Promise<number[][]>;
  latest: LatestCheckpoint;
  cache: TileCache;
  firstSeen: FirstSeen;
  reader: LogReader;
}

/** One name's answer: its entry with the inclusion proof in the batch's checkpoint, or nothing. */
export interface BatchItem {
  filename: string;
  found?: { logged: LoggedEntry; firstSeen: Date | undefined; proof: Hash[] };
}

/** A batch's answers, in the order asked, all against `checkpoint`. */
export interface Batch {
  checkpoint: StoredCheckpoint;
  items: BatchItem[];
}

/**
 * Looks up `filenames` (distinct) against one checkpoint: the latest, read after the index so its
 * tree holds every entry found. Each entry bundle is read once for the batch (the files of one
 * release are usually neighbours in the log), and tiles come from the cache. Of a name's candidates
 * from the index, its entry is the one with that file name.
 */
export async function lookupBatch(src: BatchSources, filenames: string[]): Promise<Batch> {
  const candidates = filenames.length === 0 ? [] : await src.findFilenames(filenames);
  let maxIndex = -1;
  for (const c of candidates) for (const i of c) if (i > maxIndex) maxIndex = i;
  const checkpoint = await src.latest.get(maxIndex + 1);
  const items: BatchItem[] = filenames.map((filename) => ({ filename }));
  // entryAt reads a bundle from the store on every cache miss. Entries are read in index order, so
  // keeping the last bundle read is enough to read each one once (and holds one bundle, not many).
  let last: { n: number; bundle: Promise<Uint8Array | undefined> } | undefined;
  const reader: LogReader = {
    ...src.reader,
    entryBundle(n, width) {
      if (last === undefined || last.n !== n) last = { n, bundle: src.reader.entryBundle(n, width) };
      return last.bundle;
    },
  };
  const order: { k: number; index: number }[] = [];
  candidates.forEach((c, k) => c.forEach((index) => order.push({ k, index })));
  order.sort((a, b) => a.index - b.index);
  for (const { k, index } of order) {
    if (items[k].found !== undefined) continue;
    const logged = await entryAt(src.cache, reader, index, checkpoint.size);
    if (logged.entry.filename !== filenames[k]) continue;
    const proof = await inclusionProof(src.cache, checkpoint.size, index);
    items[k].found = { logged, firstSeen: await src.firstSeen.get(index), proof };
  }
  return { checkpoint, items };
}

/** A found name in a batch answer: the single lookup's fields without the per-answer checkpoint. */
export interface BatchFoundJson {
  filename: string;
  found: true;
  index: number;
  entry: EntryJson;
  /** The entry line exactly as hashed into the tree. */
  record: string;
  /** RFC 6962 leaf hash SHA-256(0x00 || record), base64. */
  leaf_hash: string;
  first_seen: string | null;
  /** Audit path in the tree of the batch's checkpoint, leaf's sibling first, base64. */
  inclusion_proof: string[];
}

/** A name the log does not hold. */
export interface BatchMissingJson {
  filename: string;
  found: false;
}

/** The JSON answer of POST /lookup. */
export interface BatchJson {
  checkpoint: CheckpointJson;
  /** One per name asked, in the order asked. */
  results: (BatchFoundJson | BatchMissingJson)[];
}

/** `b` as JSON. */
export function batchJson(b: Batch): BatchJson {
  return {
    checkpoint: checkpointJson(b.checkpoint),
    results: b.items.map(({ filename, found }): BatchFoundJson | BatchMissingJson => {
      if (found === undefined) return { filename, found: false };
      const { logged } = found;
      return {
        filename,
        found: true,
        index: logged.index,
        entry: entryJson(logged.entry),
        record: Buffer.from(logged.data).toString('utf8'),
        leaf_hash: encodeBase64(recordHash(logged.data)),
        first_seen: found.firstSeen?.toISOString() ?? null,
        inclusion_proof: base64Hashes(found.proof),
      };
    }),
  };
}
