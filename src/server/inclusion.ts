// An entry together with the evidence that it is in the log: its index, when the log first committed
// it, and a C2SP tlog-proof against the latest checkpoint, which a client verifies offline.
// lookupBody writes the same JSON answer as text directly, for the lookup server's hot path: the
// object, the tlog-proof bytes and a base64 call per hash cost more than the rest of a lookup.

import type { LoggedEntry } from '../log/reads.ts';
import type { Entry } from '../log/entry.ts';
import type { StoredCheckpoint } from '../store/store.ts';
import type { Hash } from '../tlog/hash.ts';
import { HASH_SIZE, recordHash } from '../tlog/hash.ts';
import { TLOG_PROOF_HEADER, formatTlogProof } from '../tlog/tlogproof.ts';
import { MAX_PROOF_LENGTH } from '../tlog/proof.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';
import type { FirstSeen } from './firstseen.ts';
import { HASH_BASE64_LENGTH, inclusionProof, proofParts, writeBase64Hash } from './proofs.ts';
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

// Per head hash: its JSON string and comma, and its tlog-proof line (backslash-n) in a JSON string.
const HEAD_ITEM = HASH_BASE64_LENGTH + 3;
const HEAD_LINE = HASH_BASE64_LENGTH + 2;

/**
 * The lookup answer as UTF-8 JSON: exactly the bytes of JSON.stringify(inclusionJson(inc)) for the
 * Inclusion with the same entry, first-seen time, checkpoint and proof (head then tail.hashes),
 * given that `leaf` is the entry's record hash and logged.entry is parseEntry(logged.data), as in
 * every LoggedEntry. Throws formatTlogProof's TlogProofError where inclusionJson would. Written as
 * bytes: the checkpoint's and the tail's parts are cached bytes, and building one string (which
 * the note's non-ASCII signature dash makes two-byte) then encoding it cost more than the proof.
 */
export function inclusionBody(p: InclusionParts): Uint8Array {
  const { index, entry: e, data } = p.logged;
  const { head, tail } = p;
  if (!Number.isSafeInteger(index) || index < 0 || head.length + tail.hashes.length > MAX_PROOF_LENGTH || !allHashes(head)) {
    // Whatever formatTlogProof refuses, refused by it (the tail's hashes are all 32 bytes).
    formatTlogProof({ index, proof: [...head, ...tail.hashes], checkpoint: p.checkpoint.note });
  }
  const cp = checkpointBytesOnce(p.checkpoint);
  const plain = plainRecord(data);
  const first = plain ? entryPartPlain(index, e, data) : entryPart(index, e, data);
  const seen = `","first_seen":${p.firstSeen === undefined ? 'null' : JSON.stringify(p.firstSeen.toISOString())}`;
  const proofStart = `],"tlog_proof":"${TLOG_PROOF_HEADER}\\nindex ${index}\\n`;
  const firstBytes = plain ? first.length : Buffer.byteLength(first, 'utf8');
  const size =
    firstBytes + HASH_BASE64_LENGTH + seen.length + cp.mid.length + head.length * HEAD_ITEM + tail.jsonItems.length +
    proofStart.length + head.length * HEAD_LINE + tail.jsonLines.length + cp.end.length;
  const out = Buffer.allocUnsafe(size);
  let pos = out.write(first, 0, firstBytes, plain ? 'latin1' : 'utf8');
  pos = writeBase64Hash(out, pos, p.leaf);
  pos += out.write(seen, pos, 'latin1'); // ASCII
  out.set(cp.mid, pos);
  pos += cp.mid.length;
  for (let i = 0; i < head.length; i++) {
    if (i > 0) out[pos++] = 0x2c; // ','
    out[pos++] = 0x22; // '"'
    pos = writeBase64Hash(out, pos, head[i]);
    out[pos++] = 0x22;
  }
  if (head.length > 0 && tail.jsonItems.length > 0) out[pos++] = 0x2c;
  out.set(tail.jsonItems, pos);
  pos += tail.jsonItems.length;
  pos += out.write(proofStart, pos, 'latin1'); // ASCII
  for (let i = 0; i < head.length; i++) {
    pos = writeBase64Hash(out, pos, head[i]);
    out[pos++] = 0x5c; // '\\'
    out[pos++] = 0x6e; // 'n'
  }
  out.set(tail.jsonLines, pos);
  pos += tail.jsonLines.length;
  out.set(cp.end, pos);
  pos += cp.end.length;
  // The size counted one comma per head item; the first has none.
  return pos === out.length ? out : out.subarray(0, pos);
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
  const firstSeen = await src.firstSeen.get(logged.index);
  return inclusionBody({ logged, firstSeen, checkpoint, leaf, head, tail });
}
