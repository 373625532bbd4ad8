// The JSON shapes of log data the API returns. Field names are part of the public API (docs/api.md):
// snake_case, digests as lowercase hex, times as ISO 8601 UTC, absent values as null (never omitted).

import type { Entry } from '../log/entry.ts';
import type { StoredAlert, StoredCheckpoint } from '../store/store.ts';

/** A log entry's fields. */
export interface EntryJson {
  project: string;
  version: string;
  filename: string;
  size: number;
  sha256: string;
  /** null when the index did not give it and the file was not fetched. */
  blake2b_256: string | null;
}

/** `e` as JSON. */
export function entryJson(e: Entry): EntryJson {
  return { project: e.project, version: e.version, filename: e.filename, size: e.size, sha256: e.sha256, blake2b_256: e.blake2b256 ?? null };
}

/** An alert. */
export interface AlertJson {
  id: number;
  kind: string;
  severity: string;
  project: string;
  filename: string | null;
  version: string | null;
  created: string;
  resolved_at: string | null;
  details: Record<string, unknown>;
}

/** `a` as JSON (the store's dedup key is internal and left out). */
export function alertJson(a: StoredAlert): AlertJson {
  return {
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    project: a.project,
    filename: a.filename ?? null,
    version: a.version ?? null,
    created: a.created,
    resolved_at: a.resolvedAt ?? null,
    details: a.details,
  };
}

/** A signed checkpoint. */
export interface CheckpointJson {
  size: number;
  /** Root hash, standard base64 (as in the note). */
  root_hash: string;
  /** The signed note exactly as served at /checkpoint. */
  note: string;
  /** When the log signed it (ISO 8601). */
  signed_at: string;
}

/** `c` as JSON. */
export function checkpointJson(c: StoredCheckpoint): CheckpointJson {
  return {
    size: c.size,
    root_hash: Buffer.from(c.hash).toString('base64'),
    note: Buffer.from(c.note).toString('utf8'),
    signed_at: new Date(c.created).toISOString(),
  };
}
