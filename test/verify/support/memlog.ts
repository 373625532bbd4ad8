// A known-hashes log in memory, serving the HTTP API distsum verify reads (/checkpoint, C2SP tiles,
// /lookup/<filename>, /lookup/sha256/<hex>, and POST /lookup batches) through a Getter and a Poster,
// without sockets. Built directly on src/tlog and src/log/entry (not on the log server), so tests
// can fork it, rewind it and tamper with what it serves at will.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeEntry } from '../../../src/log/entry.ts';
import type { Entry } from '../../../src/log/entry.ts';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.ts';
import { generateCosignerKey, newCosigner } from '../../../src/tlog/cosignature.ts';
import { recordHash } from '../../../src/tlog/hash.ts';
import type { Hash } from '../../../src/tlog/hash.ts';
import { generateKey, newSigner, signNote } from '../../../src/tlog/note.ts';
import type { Signer } from '../../../src/tlog/note.ts';
import { proveRecord } from '../../../src/tlog/proof.ts';
import { arrayHashReader, storedHashesForRecordHash, treeHash } from '../../../src/tlog/stored.ts';
import { parseTilePath, readTileData } from '../../../src/tlog/tile.ts';
import { formatTlogProof } from '../../../src/tlog/tlogproof.ts';
import type { Getter, GetResult, Poster } from '../../../src/verify/fetch.ts';

export const ORIGIN = 'mem.example/log';

/** A deterministic key pair for the in-memory log (seed byte `n`). */
export function logKey(n = 1, origin = ORIGIN): { signerKey: string; verifierKey: string } {
  return generateKey(origin, new Uint8Array(32).fill(n));
}

/** hex sha256 of a label: stable fake digests. */
export function hexOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** A plausible entry number i of project p (wheel file name derived from both). */
export function entry(i: number, p = `proj-${i % 5}`, salt = ''): Entry {
  return {
    project: p,
    version: `1.${i}`,
    filename: `${p.replace(/-/g, '_')}-1.${i}-py3-none-any.whl`,
    size: 1000 + i,
    sha256: hexOf(`sha ${p} ${i} ${salt}`),
    blake2b256: hexOf(`b2 ${p} ${i} ${salt}`),
  };
}

/** An in-memory log. */
export interface MemLog {
  entries: Entry[];
  records: Uint8Array[];
  stored: Hash[];
  signer: Signer;
  /** Extra signers (witness cosigners) applied to every checkpoint. */
  cosigners: Signer[];
  append(...es: Entry[]): void;
  /** The signed checkpoint of the first `size` entries (default: all). */
  checkpoint(size?: number): Uint8Array;
}

/** A log signed by `signerKey` holding `entries`. */
export function memLog(signerKey: string, entries: Entry[] = []): MemLog {
  const stored: Hash[] = [];
  const read = arrayHashReader(stored);
  const log: MemLog = {
    entries: [],
    records: [],
    stored,
    signer: newSigner(signerKey),
    cosigners: [],
    append(...es) {
      for (const e of es) {
        const rec = encodeEntry(e);
        for (const h of storedHashesForRecordHash(log.records.length, recordHash(rec), read)) stored.push(h);
        log.entries.push(e);
        log.records.push(rec);
      }
    },
    checkpoint(size = log.records.length) {
      const text = formatCheckpoint({ origin: log.signer.name, size, hash: treeHash(size, read), extensions: [] });
      return signNote(text, [log.signer, ...log.cosigners]);
    },
  };
  log.append(...entries);
  return log;
}

/** Adds a witness cosigner (seed byte `n`) to every checkpoint the log signs; returns the witness verifier key. */
export function addWitness(log: MemLog, name: string, n: number, now = () => 1_700_000_000): string {
  const { signerKey, verifierKey } = generateCosignerKey(name, new Uint8Array(32).fill(n));
  log.cosigners.push(newCosigner(signerKey, now));
  return verifierKey;
}

const enc = new TextEncoder();

function lookupJson(log: MemLog, index: number, size: number): object {
  const read = arrayHashReader(log.stored);
  const proof = formatTlogProof({ index, proof: proveRecord(size, index, read), checkpoint: log.checkpoint(size) });
  return { index, record: Buffer.from(log.records[index]).toString('utf8'), tlog_proof: Buffer.from(proof).toString('utf8') };
}

/** The JSON of a batch answer (POST /lookup), as the log server writes it. */
export interface BatchJson {
  checkpoint: { size: number; note: string };
  results: ({ filename: string; found: false } | { filename: string; found: true; index: number; record: string; inclusion_proof: string[] })[];
}

/** The batch answer for `names` against the tree of `size` entries. */
export function batchJson(log: MemLog, names: string[], size: number): BatchJson {
  const read = arrayHashReader(log.stored);
  return {
    checkpoint: { size, note: Buffer.from(log.checkpoint(size)).toString('utf8') },
    results: names.map((filename) => {
      const i = log.entries.findIndex((e) => e.filename === filename);
      if (i < 0 || i >= size) return { filename, found: false as const };
      const proof = proveRecord(size, i, read).map((h) => Buffer.from(h).toString('base64'));
      return { filename, found: true as const, index: i, record: Buffer.from(log.records[i]).toString('utf8'), inclusion_proof: proof };
    }),
  };
}

/** Options of memServer: which tree size it presents, and hooks to tamper with answers. */
export interface MemServerOptions {
  /** The tree size served (default: all entries). */
  size?: () => number;
  /** Rewrites a response before it is returned (path without the base URL). */
  tamper?: (path: string, r: GetResult) => GetResult;
  /** Answers POST /lookup with this status instead (an older server: 404 or 405). */
  batchStatus?: number;
  /** Rewrites a batch answer before it is encoded. */
  tamperBatch?: (names: string[], j: BatchJson) => BatchJson;
}

/**
 * A Getter serving `log` under base URL `base`, with `post`, a Poster answering POST /lookup;
 * counts requests per path prefix in `hits` (batches under "POST lookup") and records the names
 * of every batch in `batches`.
 */
export function memServer(base: string, log: MemLog, opts: MemServerOptions = {}): Getter & { hits: Map<string, number>; post: Poster; batches: string[][] } {
  const hits = new Map<string, number>();
  const batches: string[][] = [];
  const post: Poster = async (url, body, contentType, maxBytes) => {
    if (url !== `${base}/lookup`) throw new Error(`memServer: unexpected POST ${url}`);
    hits.set('POST lookup', (hits.get('POST lookup') ?? 0) + 1);
    assert.equal(contentType, 'application/json');
    const names = JSON.parse(Buffer.from(body).toString('utf8')).filenames as string[];
    batches.push(names);
    if (opts.batchStatus !== undefined) return { url, status: opts.batchStatus, body: enc.encode('{"error":"no"}') };
    assert.ok(names.length <= 1000 && new Set(names).size === names.length, 'the server accepts at most 1000 distinct names');
    let j = batchJson(log, names, opts.size?.() ?? log.records.length);
    if (opts.tamperBatch) j = opts.tamperBatch(names, j);
    const out = enc.encode(JSON.stringify(j));
    if (out.length > maxBytes) throw new Error(`memServer: body of ${out.length} bytes exceeds ${maxBytes}`);
    return { url, status: 200, body: out };
  };
  const get = async (url: string, maxBytes: number): Promise<GetResult> => {
    if (!url.startsWith(base + '/')) throw new Error(`memServer: unexpected URL ${url}`);
    const path = url.slice(base.length + 1);
    const kind = path.split('/').slice(0, path.startsWith('lookup/sha256') ? 2 : 1).join('/');
    hits.set(kind, (hits.get(kind) ?? 0) + 1);
    const size = opts.size?.() ?? log.records.length;
    const reply = (status: number, body: Uint8Array | string): GetResult => {
      const b = typeof body === 'string' ? enc.encode(body) : body;
      const r = { url, status, body: b };
      const t = opts.tamper ? opts.tamper(path, r) : r;
      if (t.body.length > maxBytes) throw new Error(`memServer: body of ${t.body.length} bytes exceeds ${maxBytes}`);
      return t;
    };
    if (path === 'checkpoint') return reply(200, log.checkpoint(size));
    if (path.startsWith('tile/')) {
      let parsed;
      try {
        parsed = parseTilePath(path);
      } catch {
        return reply(400, 'bad path');
      }
      if (parsed.kind !== 'hash') return reply(404, 'no entry bundles here');
      const t = parsed.tile;
      // Tiles come from all the data the server holds; the checkpoint may present less (a stale one).
      const have = Math.floor(log.records.length / 256 ** t.level);
      if ((t.n * 256 + t.width) > have) return reply(404, 'not in the tree');
      return reply(200, readTileData(t, arrayHashReader(log.stored)));
    }
    if (path.startsWith('lookup/sha256/')) {
      const hex = path.slice('lookup/sha256/'.length);
      const matches = log.entries.map((e, i) => ({ e, i })).filter(({ e, i }) => i < size && e.sha256 === hex);
      if (matches.length === 0) return reply(404, '{"error":"not found"}');
      return reply(200, JSON.stringify({ sha256: hex, matches: matches.map(({ i }) => lookupJson(log, i, size)) }));
    }
    if (path.startsWith('lookup/')) {
      const name = decodeURIComponent(path.slice('lookup/'.length));
      const i = log.entries.findIndex((e) => e.filename === name);
      if (i < 0 || i >= size) return reply(404, '{"error":"not found"}');
      return reply(200, JSON.stringify(lookupJson(log, i, size)));
    }
    return reply(404, 'no such path');
  };
  return Object.assign(get, { hits, post, batches });
}
