// Verified lookup answers kept between runs, so a lock file checked before is checked again without
// asking the log about every file. A run typically adds thousands of small answers; creating a file
// for each costs more than fetching them (file creation is slow on a busy machine), so answers are
// kept in a few pack files: every run reads the packs once and writes what it learnt as one new
// pack; when packs pile up, a run merges them. Everything read back is verified again before use,
// so a damaged or planted pack can only cost a fetch.
//
// Pack format: "distsum-lookups v2\n", then records of
//   u16 key length | key (UTF-8) | u32 value length | value (a cached answer, see encodeCachedAnswer)
// (v1 packs held answers as tlog-proof text; they are ignored, and dropped at the next merge.)

import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('distsum-lookups v2\n');

/** Packs beyond which a run merges them into one. */
export const MAX_PACKS = 8;

/** Bytes of packs read at most; older packs beyond it are ignored (and dropped at the next merge). */
export const MAX_PACK_BYTES = 256 << 20;

/** Largest key or value accepted in a pack. */
const MAX_KEY = 4096;
const MAX_VALUE = 4 << 20;

/** Cached answers by key, loaded once per run, plus what the run adds. */
export interface LookupCache {
  /** The values stored under `key` (several for sha256 lookups), or undefined. */
  get(key: string): Uint8Array[] | undefined;
  /** Records `values` under `key` for the next runs (written by flush). */
  set(key: string, values: Uint8Array[]): void;
  /** Forgets `key` (its cached values did not verify). */
  drop(key: string): void;
  /** Writes what this run added as a new pack, merging packs when there are too many. Never throws. */
  flush(): void;
}

/** Encodes key -> values pairs as a pack (one record per value). */
export function encodePack(entries: Iterable<[string, Uint8Array[]]>): Buffer {
  const parts: Buffer[] = [MAGIC];
  for (const [key, values] of entries) {
    const k = Buffer.from(key, 'utf8');
    if (k.length > MAX_KEY) continue;
    for (const v of values) {
      if (v.length > MAX_VALUE) continue;
      const head = Buffer.alloc(2 + k.length + 4);
      head.writeUInt16BE(k.length, 0);
      k.copy(head, 2);
      head.writeUInt32BE(v.length, 2 + k.length);
      parts.push(head, Buffer.from(v.buffer, v.byteOffset, v.length));
    }
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a pack into key -> values (values in record order). A pack that does not start with the
 * magic line yields nothing; a truncated or malformed tail is ignored (earlier records are kept).
 */
export function decodePack(data: Uint8Array): Map<string, Uint8Array[]> {
  const into = new Map<string, Uint8Array[]>();
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (b.length < MAGIC.length || !b.subarray(0, MAGIC.length).equals(MAGIC)) return into;
  let off = MAGIC.length;
  while (off + 2 <= b.length) {
    const kl = b.readUInt16BE(off);
    if (kl > MAX_KEY || off + 2 + kl + 4 > b.length) return into;
    const key = b.toString('utf8', off + 2, off + 2 + kl);
    const vl = b.readUInt32BE(off + 2 + kl);
    const start = off + 2 + kl + 4;
    if (vl > MAX_VALUE || start + vl > b.length) return into;
    const list = into.get(key);
    const v = new Uint8Array(b.subarray(start, start + vl));
    if (list) list.push(v);
    else into.set(key, [v]);
    off = start + vl;
  }
  return into;
}

function readWhole(path: string, max: number): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size > max) return undefined;
    const buf = new Uint8Array(size);
    let n = 0;
    while (n < size) {
      const got = readSync(fd, buf, n, size - n, n);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A lookup cache in directory `dir` (undefined: a cache that holds nothing). Packs are read on first use. */
export function lookupCache(dir: string | undefined): LookupCache {
  let loaded: Map<string, Uint8Array[]> | undefined;
  let packs: string[] = [];
  // The time stamp in the name of the newest pack read (ms).
  let newestRead = 0;
  const added = new Map<string, Uint8Array[]>();

  const load = (): Map<string, Uint8Array[]> => {
    if (loaded) return loaded;
    loaded = new Map();
    if (dir === undefined) return loaded;
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.startsWith('pack-') && !n.endsWith('.tmp'));
    } catch {
      return loaded;
    }
    // Newest first, so the byte budget keeps recent answers and a key's newest values win.
    names.sort().reverse();
    let budget = MAX_PACK_BYTES;
    for (const n of names) {
      const data = readWhole(join(dir, n), budget);
      if (data === undefined) continue;
      budget -= data.length;
      for (const [k, v] of decodePack(data)) if (!loaded.has(k)) loaded.set(k, v);
      packs.push(n);
      const stamp = Number(/^pack-([0-9]{1,15})-/.exec(n)?.[1] ?? 0);
      if (stamp > newestRead) newestRead = stamp;
    }
    return loaded;
  };

  const writePack = (entries: Iterable<[string, Uint8Array[]]>): boolean => {
    if (dir === undefined) return false;
    // Later than every pack this run read, even within one millisecond: its answers supersede theirs.
    const stamp = Math.max(Date.now(), newestRead + 1);
    const name = `pack-${stamp.toString().padStart(15, '0')}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmp = join(dir, `${name}.tmp`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(tmp, encodePack(entries), { mode: 0o644 });
      renameSync(tmp, join(dir, name));
      return true;
    } catch {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // nothing more to do
      }
      return false;
    }
  };

  return {
    get(key) {
      return added.get(key) ?? load().get(key);
    },
    set(key, values) {
      added.set(key, values);
    },
    drop(key) {
      added.delete(key);
      load().delete(key);
    },
    flush() {
      if (dir === undefined || added.size === 0) return;
      const all = load();
      if (packs.length + 1 <= MAX_PACKS) {
        writePack(added);
        added.clear();
        return;
      }
      // Merge: everything known (this run's answers win) into one pack, then drop the packs read.
      // Packs other runs wrote meanwhile are not touched; duplicates between packs are harmless.
      for (const [k, v] of added) all.set(k, v);
      if (writePack(all)) {
        for (const n of packs) {
          try {
            rmSync(join(dir, n), { force: true });
          } catch {
            // another run merged it already
          }
        }
        packs = [];
      }
      added.clear();
    },
  };
}
