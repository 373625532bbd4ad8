// An entry together with the evidence that it is in the log: its index, when the log first committed
// it, and a C2SP tlog-proof against the latest checkpoint, which a client verifies offline.

import type { LoggedEntry } from '../log/reads.ts';
import type { StoredCheckpoint } from '../store/store.ts';
import type { Hash } from '../tlog/hash.ts';
import { recordHash } from '../tlog/hash.ts';
import { formatTlogProof } from '../tlog/tlogproof.ts';
import type { TileCache } from './tilecache.ts';
import type { LatestCheckpoint } from './latest.ts';
import type { FirstSeen } from './firstseen.ts';
import { inclusionProof } from './proofs.ts';
import { checkpointJson, entryJson } from './entryjson.ts';
import type { CheckpointJson, EntryJson } from './entryjson.ts';

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
