// An entry together with the evidence that it is in the log: its index, when the log first committed
// it, and a C2SP tlog-proof against the latest checkpoint, which a client verifies offline.
// lookupBody writes the same JSON answer as text directly, for the lookup server's hot path: the
// object, the tlog-proof bytes and a base64 call per hash cost more than the rest of a lookup.

import type { LoggedEntry } from '../log/reads.ts';
import type { Entry } from '../log/entry.ts';
import type { StoredCheckpoint } from '../store/store.ts';
import type { Hash } from '../tlog/hash.ts';
import { HASH_SIZE, recordHash } from '../tlog/hash.ts';
import { TILE_WIDTH } from '../tlog/tile.ts';
import { TLOG_PROOF_HEADER, formatTlogProof } from '../tlog/tlogproof.ts';
import { MAX_PROOF_LENGTH } from '../tlog/proof.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';
import type { FirstSeen } from './firstseen.ts';
import { HASH_BASE64_LENGTH, inclusionProof, peekProofTail, proofParts, writeBase64Hash } from './proofs.ts';
import type { ProofTail } from './proofs.ts';
import { checkpointJson, entryJson } from './entryjson.ts';
import type { CheckpointJson, EntryJson } from './entryjson.ts';
import { findLogged } from './entryreads.ts';
import type { LookupSources } from './entryreads.ts';

/** A logged entry, its first commit time and its inclusion proof in `checkpoint`'s tree. */
export interface Inclusion {
  logged: LoggedEntry;
  firstSeen: Date | undefined;
  checkpoint: StoredCheckpoint;
  proof: Hash[];
}

/** Where proofs come from: the cached latest checkpoint, tile data and first-commit times. */
export interface ProofSources {
  latest: LatestCheckpoint;
  cache: TileCache;
  firstSeen: FirstSeen;
}

/** Proves `logged` against the latest checkpoint (one whose tree holds it). */
export async function proveLogged(src: ProofSources, logged: LoggedEntry): Promise<Inclusion> {
  const checkpoint = await src.latest.get(logged.index + 1);
  const proof = await inclusionProof(src.cache, checkpoint.size, logged.index);
  const firstSeen = await src.firstSeen.get(logged.index);
  return { logged, firstSeen, checkpoint, proof };
}

/** The C2SP tlog-proof (c2sp.org/tlog-proof@v1) of an inclusion. */
export function tlogProofBytes(inc: Inclusion): Uint8Array {
  return formatTlogProof({ index: inc.logged.index, proof: inc.proof, checkpoint: inc.checkpoint.note });
}

/** The JSON answer of a lookup. */
export interface InclusionJson {
  index: number;
  entry: EntryJson;
  /** The entry line exactly as hashed into the tree. */
  record: string;
  /** RFC 6962 leaf hash SHA-256(0x00 || record), base64. */
  leaf_hash: string;
  first_seen: string | null;
  checkpoint: CheckpointJson;
  /** Audit path, leaf's sibling first, base64. */
  inclusion_proof: string[];
  /** The same proof as a C2SP tlog-proof text. */
  tlog_proof: string;
}

// The checkpoint part is the same for every lookup against one checkpoint: build it once.
const checkpointJsons = new WeakMap<StoredCheckpoint, CheckpointJson>();

function checkpointJsonOnce(c: StoredCheckpoint): CheckpointJson {
  let j = checkpointJsons.get(c);
  if (j === undefined) checkpointJsons.set(c, (j = checkpointJson(c)));
  return j;
}

/** `inc` as JSON. */
export function inclusionJson(inc: Inclusion): InclusionJson {
  const proofText = Buffer.from(tlogProofBytes(inc)).toString('utf8');
  // The audit path's base64 lines are in the tlog-proof already (after the header and index lines).
  const lines = proofText.slice(0, proofText.indexOf('\n\n')).split('\n');
  return {
    index: inc.logged.index,
    entry: entryJson(inc.logged.entry),
    record: Buffer.from(inc.logged.data).toString('utf8'),
    leaf_hash: Buffer.from(recordHash(inc.logged.data)).toString('base64'),
    first_seen: inc.firstSeen?.toISOString() ?? null,
    checkpoint: checkpointJsonOnce(inc.checkpoint),
    inclusion_proof: lines.slice(2),
    tlog_proof: proofText,
  };
}

// The parts of a lookup's JSON answer that only depend on the checkpoint, as UTF-8.
interface CheckpointBytes {
  /** `,"checkpoint":<checkpointJson>,"inclusion_proof":[` */
  mid: Uint8Array;
  /** The blank line and note that end the tlog_proof string, then the end of the object. */
  end: Uint8Array;
}

const checkpointBytes = new WeakMap<StoredCheckpoint, CheckpointBytes>();

function checkpointBytesOnce(c: StoredCheckpoint): CheckpointBytes {
  let t = checkpointBytes.get(c);
  if (t === undefined) {
    // formatTlogProof's checks on the note (and its error for a bad one), once per checkpoint.
    formatTlogProof({ index: 0, proof: [], checkpoint: c.note });
    const note = Buffer.from(c.note).toString('utf8');
    t = {
      mid: Buffer.from(`,"checkpoint":${JSON.stringify(checkpointJsonOnce(c))},"inclusion_proof":[`, 'utf8'),
      end: Buffer.from(`\\n${JSON.stringify(note).slice(1)}}`, 'utf8'),
    };
    checkpointBytes.set(c, t);
  }
  return t;
}

/** What inclusionBody writes: a logged entry, its first commit time and its proof in parts. */
export interface InclusionParts {
  logged: LoggedEntry;
  firstSeen: Date | undefined;
  checkpoint: StoredCheckpoint;
  /** The leaf hash of logged.data. */
  leaf: Hash;
  /** The audit path: head, then tail.hashes. */
  head: Hash[];
  tail: ProofTail;
}

// The answer up to the leaf hash's value: {"index":..,"entry":{..},"record":"..","leaf_hash":"
function entryPart(index: number, e: Entry, data: Uint8Array): string {
  const record = Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
  return (
    `{"index":${index},"entry":{"project":${JSON.stringify(e.project)},"version":${JSON.stringify(e.version)},` +
    `"filename":${JSON.stringify(e.filename)},"size":${JSON.stringify(e.size)},"sha256":${JSON.stringify(e.sha256)},` +
    `"blake2b_256":${e.blake2b256 === undefined ? 'null' : JSON.stringify(e.blake2b256)}},` +
    `"record":${JSON.stringify(record)},"leaf_hash":"`
  );
}

/**
 * True when `record` (an entry line) is printable ASCII without '"' or '\\' before its final
 * newline: then JSON.stringify leaves its text, and every field of it, as it is, and the text is
 * its own UTF-8. Real entries are; others take the general path.
 */
export function plainRecord(record: Uint8Array): boolean {
  const last = record.length - 1;
  if (last < 0 || record[last] !== 0x0a) return false;
  for (let i = 0; i < last; i++) {
    const b = record[i];
    if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) return false;
  }
  return true;
}

// entryPart for a plainRecord entry: no escaping to do, and an ASCII string to write.
function entryPartPlain(index: number, e: Entry, data: Uint8Array): string {
  const record = Buffer.prototype.latin1Slice.call(data, 0, data.length - 1) as string;
  return (
    `{"index":${index},"entry":{"project":"${e.project}","version":"${e.version}","filename":"${e.filename}",` +
    `"size":${e.size},"sha256":"${e.sha256}","blake2b_256":${e.blake2b256 === undefined ? 'null' : `"${e.blake2b256}"`}},` +
    `"record":"${record}\\n","leaf_hash":"`
  );
}

// True when every element is HASH_SIZE bytes.
function allHashes(hs: Hash[]): boolean {
  for (const h of hs) if (h.length !== HASH_SIZE) return false;
  return true;
}

/**
 * The parts of a lookup answer that depend on the entry and its proof's head only, as UTF-8:
 * everything before the checkpoint, the head's JSON strings, and the tlog-proof's index line with
 * the head's lines. Once the entry is committed (its first-seen time is known) and its level-0 tile
 * is full (the head never changes again), they hold for every later checkpoint.
 */
interface EntryParts {
  /** `{"index":..,"entry":{..},"record":"..","leaf_hash":"..","first_seen":..` */
  prefix: Uint8Array;
  /** The head hashes as JSON strings separated by commas. */
  headItems: Uint8Array;
  /** `],"tlog_proof":"<header>\nindex <i>\n` and the head's base64 lines, JSON-escaped. */
  proofLines: Uint8Array;
}

function entryParts(logged: LoggedEntry, firstSeen: Date | undefined, leaf: Hash, head: Hash[]): EntryParts {
  const { index, entry: e, data } = logged;
  const plain = plainRecord(data);
  const first = plain ? entryPartPlain(index, e, data) : entryPart(index, e, data);
  const seen = `","first_seen":${firstSeen === undefined ? 'null' : JSON.stringify(firstSeen.toISOString())}`;
  const firstBytes = plain ? first.length : Buffer.byteLength(first, 'utf8');
  const start = `],"tlog_proof":"${TLOG_PROOF_HEADER}\\nindex ${index}\\n`;
  const prefixLength = firstBytes + HASH_BASE64_LENGTH + seen.length;
  const headLength = Math.max(0, head.length * (HASH_BASE64_LENGTH + 3) - 1);
  // The three parts in one buffer of their own: parts are kept in the cache, and small buffers from
  // Node's shared pool would each keep an 8 KiB slab alive (measured: the bench's 20,000 cached
  // lookups held ~100 MiB more).
  const block = Buffer.allocUnsafeSlow(prefixLength + headLength + start.length + head.length * (HASH_BASE64_LENGTH + 2));
  const prefix = block.subarray(0, prefixLength);
  const headItems = block.subarray(prefixLength, prefixLength + headLength);
  const proofLines = block.subarray(prefixLength + headLength);
  let pos = prefix.write(first, 0, firstBytes, plain ? 'latin1' : 'utf8');
  pos = writeBase64Hash(prefix, pos, leaf);
  prefix.write(seen, pos, 'latin1'); // ASCII
  pos = 0;
  for (let i = 0; i < head.length; i++) {
    if (i > 0) headItems[pos++] = 0x2c; // ','
    headItems[pos++] = 0x22; // '"'
    pos = writeBase64Hash(headItems, pos, head[i]);
    headItems[pos++] = 0x22;
  }
  pos = proofLines.write(start, 0, 'latin1'); // ASCII
  for (let i = 0; i < head.length; i++) {
    pos = writeBase64Hash(proofLines, pos, head[i]);
    proofLines[pos++] = 0x5c; // '\\'
    proofLines[pos++] = 0x6e; // 'n'
  }
  return { prefix, headItems, proofLines };
}

// The answer from its parts: entry parts, checkpoint parts and the proof's tail.
function assemble(p: EntryParts, cp: CheckpointBytes, tail: ProofTail): Uint8Array {
  const comma = p.headItems.length > 0 && tail.jsonItems.length > 0 ? 1 : 0;
  const parts = [p.prefix, cp.mid, p.headItems, tail.jsonItems, p.proofLines, tail.jsonLines, cp.end];
  let size = comma;
  for (const x of parts) size += x.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], pos);
    pos += parts[i].length;
    if (i === 2 && comma === 1) out[pos++] = 0x2c; // between the head's items and the tail's
  }
  return out;
}

/**
 * The lookup answer as UTF-8 JSON: exactly the bytes of JSON.stringify(inclusionJson(inc)) for the
 * Inclusion with the same entry, first-seen time, checkpoint and proof (head then tail.hashes),
 * given that `leaf` is the entry's record hash and logged.entry is parseEntry(logged.data), as in
 * every LoggedEntry. Throws formatTlogProof's TlogProofError where inclusionJson would. Written as
 * bytes: the checkpoint's and the tail's parts are cached bytes, and building one string (which
 * the note's non-ASCII signature dash makes two-byte) then encoding it cost more than the proof.
 */
export function inclusionBody(p: InclusionParts): Uint8Array {
  checkProofShape(p.logged.index, p.head, p.tail, p.checkpoint);
  return assemble(entryParts(p.logged, p.firstSeen, p.leaf, p.head), checkpointBytesOnce(p.checkpoint), p.tail);
}

// Whatever formatTlogProof refuses, refused by it (the tail's hashes are all 32 bytes).
function checkProofShape(index: number, head: Hash[], tail: ProofTail, checkpoint: StoredCheckpoint): void {
  if (!Number.isSafeInteger(index) || index < 0 || head.length + tail.hashes.length > MAX_PROOF_LENGTH || !allHashes(head)) {
    formatTlogProof({ index, proof: [...head, ...tail.hashes], checkpoint: checkpoint.note });
  }
}

/**
 * lookupBody's answer when everything it needs is in memory (the entry found before, its answer
 * parts, its tile's proof tail for the latest checkpoint), else undefined; never reads the store
 * and never waits. A popular name is then answered in one step, without a promise per part.
 */
export function cachedLookupBody(src: LookupBodySources, filename: string): Uint8Array | undefined {
  const logged = src.cache.derived('logged', filename) as LoggedEntry | undefined;
  if (logged === undefined) return undefined;
  const parts = src.cache.derived('parts', logged.index) as EntryParts | undefined;
  if (parts === undefined) return undefined;
  const checkpoint = src.latest.peek(logged.index + 1);
  if (checkpoint === undefined) return undefined;
  const tail = peekProofTail(src.cache, checkpoint.size, Math.floor(logged.index / TILE_WIDTH));
  return tail === undefined ? undefined : assemble(parts, checkpointBytesOnce(checkpoint), tail);
}

/** What lookupBody reads. */
export type LookupBodySources = LookupSources & ProofSources;

/**
 * The JSON answer of GET /lookup/<filename> as UTF-8 bytes, or undefined when `filename` is not
 * logged: the bytes Buffer.from(JSON.stringify(inclusionJson(await proveLogged(src, logged)))) gives
 * for the entry lookupFilename finds, proven against the checkpoint read after the index. Throws
 * what lookupFilename and proveLogged throw. The leaf hash is the one the tree stores.
 */
export async function lookupBody(src: LookupBodySources, filename: string): Promise<Uint8Array | undefined> {
  const found = await findLogged(src, filename);
  if (found === undefined) return undefined;
  const { logged, checkpoint } = found;
  const { leaf, head, tail } = await proofParts(src.cache, checkpoint.size, logged.index);
  let parts = src.cache.derived('parts', logged.index) as EntryParts | undefined;
  if (parts === undefined) {
    checkProofShape(logged.index, head, tail, checkpoint);
    const firstSeen = await src.firstSeen.get(logged.index);
    parts = entryParts(logged, firstSeen, leaf, head);
    // Kept once nothing in them can change: the entry committed, its level-0 tile full.
    const tileFull = checkpoint.size >= (Math.floor(logged.index / TILE_WIDTH) + 1) * TILE_WIDTH;
    if (firstSeen !== undefined && tileFull) {
      src.cache.keepDerived('parts', logged.index, parts, parts.prefix.length + parts.headItems.length + parts.proofLines.length + 200);
    }
  }
  return assemble(parts, checkpointBytesOnce(checkpoint), tail);
}
