// The log's storage interface: read-only and read-write transactions over a few operations, as small
// as golang.org/x/mod/sumdb/storage, so SQLite (embedded) and PostgreSQL (scale-out) both fit and the
// log logic never sees SQL. The store keeps bytes and indexes; what they mean (entries, tiles,
// checkpoints) is decided by src/log, which is the only writer.

/**
 * A signed checkpoint as stored: tree size, root hash, the exact signed note bytes and when it was
 * signed (ms since the epoch). One per tree size; kept forever.
 */
export interface StoredCheckpoint {
  size: number;
  hash: Uint8Array;
  note: Uint8Array;
  created: number;
}

/** A hash tile's current contents: the concatenated hashes at level*8, 1..256 of them. */
export interface StoredTile {
  level: number;
  n: number;
  data: Uint8Array;
}

/** An entry bundle's current contents (C2SP encoding: uint16 length + bytes per entry). */
export interface StoredBundle {
  n: number;
  data: Uint8Array;
}

/** What the store indexes about one entry so it can be found by file name, project or sha256. */
export interface EntryKeys {
  index: number;
  filename: string;
  project: string;
  /** The sha256 digest (32 bytes). */
  sha256: Uint8Array;
}

/** The store's lookup indexes. */
export type IndexName = 'filename' | 'sha256' | 'project';

/** The 32-bit keys an entry is indexed under, one per index. */
export type IndexKeys = Record<IndexName, number>;

/** The index keys of consecutive entries, one array per index, all of one length. */
export type KeyArrays = Record<IndexName, Uint32Array>;

/** A contiguous run of entries of one project: indexes first .. first+count-1. */
export interface ProjectRun {
  first: number;
  count: number;
}

/** Alert severities, most severe first. */
export type Severity = 'critical' | 'warning' | 'info';

/** An alert to record. `dedupKey` identifies the condition: the same key is recorded only once. */
export interface NewAlert {
  kind: string;
  severity: Severity;
  project: string;
  filename?: string;
  version?: string;
  /** ISO 8601 time the condition was seen. */
  created: string;
  /** JSON-serializable details (both values of a hash change, where it was seen, ...). */
  details: Record<string, unknown>;
  dedupKey: string;
}

/** A recorded alert. */
export interface StoredAlert extends NewAlert {
  id: number;
  /** ISO 8601 time it was resolved, or undefined while open. */
  resolvedAt?: string;
}

/** Filter for listing alerts; results are ordered by id, at most `limit`. */
export interface AlertQuery {
  kind?: string;
  project?: string;
  filename?: string;
  /** Only alerts not yet resolved. */
  open?: boolean;
  /** Only alerts with a larger id (paging). */
  afterId?: number;
  limit: number;
}

/** Operations valid in any transaction. All results reflect one consistent snapshot. */
export interface ReadTx {
  /** A metadata value (origin, verifier key, schema version), or undefined. */
  getMeta(key: string): Promise<string | undefined>;
  /** The checkpoint with the largest size, or undefined for a store nobody initialized. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Checkpoints with size > afterSize in increasing size order, at most `limit`. */
  checkpoints(afterSize: number, limit: number): Promise<StoredCheckpoint[]>;
  /** The current data of each tile (any width), in the order asked; undefined where none exists. */
  readTiles(keys: { level: number; n: number }[]): Promise<(Uint8Array | undefined)[]>;
  /** The current data of each entry bundle, in the order asked; undefined where none exists. */
  readBundles(ns: number[]): Promise<(Uint8Array | undefined)[]>;
  /**
   * Bytes [start, start + length) of entry bundle n's current data (fewer where the data ends
   * first), or undefined when no bundle n exists. Lets a reader that knows where an entry lies in
   * a bundle fetch just that entry (bundles only ever grow, so such a position stays valid).
   * start and length are non-negative safe integers (RangeError otherwise).
   */
  readBundleSlice(n: number, start: number, length: number): Promise<Uint8Array | undefined>;
  /**
   * For each file name, in the order asked, the indexes (ascending) of the entries that may have it:
   * a superset (index keys are hashes), so callers check each entry's file name.
   */
  filenameCandidates(filenames: string[]): Promise<number[][]>;
  /**
   * filenameCandidates for file name keys computed beforehand (nameKey with the store's keySeed):
   * position in `keys` -> candidate indexes (ascending), for the positions that have any.
   */
  candidatesByKey(keys: ArrayLike<number>): Promise<Map<number, number[]>>;
  /** Indexes of entries that may have this sha256, ascending (a superset: callers check the entry). */
  findSha256(sha256: Uint8Array, limit: number): Promise<number[]>;
  /**
   * Runs of consecutive entries that may be the project's (a superset: callers check the entries),
   * holding at most `limit` entries with indexes > afterIndex, ascending.
   */
  findProject(project: string, afterIndex: number, limit: number): Promise<ProjectRun[]>;
  /** The keys the indexes file `e` under (to check the indexes against the entries). */
  indexKeys(e: EntryKeys): Promise<IndexKeys>;
  /** Calls fn with every (key, index) pair of one index in ascending order; resolves with their number. */
  scanIndex(name: IndexName, fn: (key: number, index: number) => void): Promise<number>;
  /** Alerts matching `q`, ascending id. */
  listAlerts(q: AlertQuery): Promise<StoredAlert[]>;
}

/** Operations of the single writer; effects become visible together when the transaction commits. */
export interface WriteTx extends ReadTx {
  setMeta(key: string, value: string): Promise<void>;
  /** Creates or replaces tiles (a partial tile grows until full; full tiles never change). */
  putTiles(tiles: StoredTile[]): Promise<void>;
  /** Creates or replaces entry bundles (the partial one grows until full). */
  putBundles(bundles: StoredBundle[]): Promise<void>;
  /**
   * Indexes new entries (ascending, contiguous indexes, below 2^32). Throws StoreConflictError when
   * the indexes are not contiguous. One entry per file name is the log's rule, not the index's: the
   * sequencer keeps it and `log audit` checks it.
   */
  indexEntries(entries: EntryKeys[]): Promise<void>;
  /** indexEntries for entries first, first+1, ... given by their keys (computed as indexKeys does). */
  indexKeyArrays(first: number, keys: KeyArrays): Promise<void>;
  /** Records a signed checkpoint; throws StoreConflictError if one of that size exists. */
  addCheckpoint(c: StoredCheckpoint): Promise<void>;
  /** Records alerts; returns each new id, or undefined where an alert with that dedupKey exists. */
  addAlerts(alerts: NewAlert[]): Promise<(number | undefined)[]>;
  /** Marks an open alert resolved at `at` (ISO 8601); false when no such open alert exists. */
  resolveAlert(id: number, at: string): Promise<boolean>;
}

/**
 * A log store. Transactions are serializable and must not be nested; `fn` must only await store
 * operations of its own transaction. A read-write transaction commits durably (or throws) before
 * readWrite resolves; if `fn` throws, nothing it wrote is kept.
 */
export interface Store {
  /**
   * The secret key of this store's name keys (src/store/keyruns.ts nameKey): for code that computes
   * index keys outside the store, such as import worker threads. Never shown or sent anywhere.
   */
  readonly keySeed: Uint8Array;
  readOnly<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T>;
  /**
   * Like readOnly, but no transaction spans `fn`: each operation sees the latest committed state
   * on its own. For reads that do not depend on each other's snapshot (one index probe; tiles and
   * bundles, which only ever grow), where a transaction's begin and end would cost more than the read.
   */
  readEach<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T>;
  readWrite<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /**
   * Marks an open alert resolved at `at` (ISO 8601); false when no such open alert exists. Works on
   * a store opened without the writer lock (while a follower or server writes): alerts are outside
   * the tree, and the database orders this one-row update with the writer's transactions.
   */
  resolveAlert(id: number, at: string): Promise<boolean>;
  /** Releases connections and the writer lock. Idempotent. */
  close(): Promise<void>;
}
