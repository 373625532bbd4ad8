// Reads one member of a .tar.gz (an sdist's PKG-INFO) by streaming it through gunzip and a small
// ustar/pax/GNU header parser of our own: nothing is extracted, every member name is checked,
// and the decompressed bytes, the compression ratio, the member count and every header record
// are bounded, so a gzip bomb or a hostile archive fails fast and in bounded memory.

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.ts';
import { fileReadError } from '../digest/file.ts';
import { memberPath } from './member-name.ts';
import type { ArchiveLimits } from './limits.ts';
import { oneLine, type ArchiveMember } from './zip.ts';

const BLOCK = 512;

/** What a tar header says about a member, after pax and GNU long-name records are applied. */
export interface TarHeader {
  path: string;
  /** `path` as checked components (see memberPath). */
  parts: string[];
  /** The tar type flag: '0' file, '5' directory, '2' symlink, '1' hard link, ... */
  type: string;
  size: number;
  linkpath: string;
}

/** Incremental tar parser: feed the decompressed stream with `push`, then call `end`. */
export interface TarScanner {
  /** Consumes `chunk`; returns true once the end-of-archive marker has been seen. */
  push(chunk: Uint8Array): boolean;
  /** Throws InputError if the archive ended early (no end-of-archive marker, or inside a member). */
  end(): void;
}

/**
 * Creates a tar parser that calls `onMember` for each member (not for pax/GNU records) and, when
 * it returns true, `onBody` once with that member's whole content. Throws InputError naming
 * `archive` on a bad header checksum, an unsupported member type, a malformed pax record, more
 * than `limits.maxEntries` members, a record over `limits.maxTarMetaBytes`, or a captured body
 * over `limits.maxMetadataBytes`.
 */
export function createTarScanner(
  archive: string,
  limits: ArchiveLimits,
  onMember: (h: TarHeader) => boolean,
  onBody: (h: TarHeader, body: Uint8Array) => void,
): TarScanner {
  const bad = (why: string) => new InputError(`${archive}: ${why}; the archive is broken or hostile`);
  const header = new Uint8Array(BLOCK);
  let headerFill = 0;
  let state: 'header' | 'body' | 'done' = 'header';
  let zeroBlocks = 0;
  let members = 0;
  // The member whose body is being read: its data bytes still to come, then padding to skip.
  let remaining = 0;
  let padding = 0;
  let sink: { kind: 'skip' } | { kind: 'meta'; type: string; parts: Uint8Array[]; got: number } | { kind: 'body'; h: TarHeader; parts: Uint8Array[]; got: number } = { kind: 'skip' };
  // Records that apply to the next member.
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;

  const startMember = (h: Uint8Array) => {
    if (!checksumOk(h)) throw bad('a tar header fails its checksum (not a tar archive, or corrupt)');
    const type = String.fromCharCode(h[156] || 0x30);
    const size = parseNumber(h.subarray(124, 136));
    if (size === undefined) throw bad('a tar header has an invalid size field');
    // Every header counts, pax and GNU records too, so no kind of record is unbounded.
    if (++members > limits.maxEntries) throw bad(`more than ${limits.maxEntries} archive members`);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > limits.maxTarMetaBytes) throw bad(`a tar ${type} record is ${size} bytes, more than the limit of ${limits.maxTarMetaBytes}`);
      return beginBody(size, { kind: 'meta', type, parts: [], got: 0 });
    }
    const ustar = text(h.subarray(257, 263)) === 'ustar';
    const prefix = ustar && h[263] === 0x30 && h[264] === 0x30 ? text(h.subarray(345, 500)) : '';
    const name = text(h.subarray(0, 100));
    const path = pax?.get('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const linkpath = pax?.get('linkpath') ?? longLink ?? text(h.subarray(157, 257));
    let realSize = size;
    const paxSize = pax?.get('size');
    if (paxSize !== undefined) {
      if (!/^[0-9]{1,16}$/.test(paxSize)) throw bad('a pax size record is not a number');
      realSize = Number(paxSize);
    }
    pax = undefined;
    longName = undefined;
    longLink = undefined;
    const parts = memberPath(archive, path);
    if (type === '1' || type === '2') checkLink(parts, type, linkpath);
    else if (!isDataType(type) && type !== '5') {
      throw bad(`member ${JSON.stringify(path)} has tar type ${JSON.stringify(type)} (devices, FIFOs and unknown types are not allowed)`);
    }
    const hdr: TarHeader = { path, parts, type, size: isDataType(type) ? realSize : 0, linkpath };
    const capture = isDataType(type) && onMember(hdr);
    if (capture && hdr.size > limits.maxMetadataBytes) {
      throw new InputError(`${archive}: ${path} is ${hdr.size} bytes, more than the limit of ${limits.maxMetadataBytes}`);
    }
    beginBody(hdr.size, capture ? { kind: 'body', h: hdr, parts: [], got: 0 } : { kind: 'skip' });
  };

  const checkLink = (parts: string[], type: string, target: string) => {
    if (target === '') throw bad(`link ${JSON.stringify(parts.join('/'))} has no target`);
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\')) {
      throw bad(`link ${JSON.stringify(parts.join('/'))} points to ${JSON.stringify(target)}, outside the archive`);
    }
    // Symlink targets are relative to the link's directory, hard link targets to the archive root.
    const depth = type === '2' ? parts.slice(0, -1) : [];
    for (const p of target.split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') {
        if (depth.length === 0) throw bad(`link ${JSON.stringify(parts.join('/'))} points to ${JSON.stringify(target)}, outside the archive`);
        depth.pop();
      } else depth.push(p);
    }
  };

  const beginBody = (size: number, s: typeof sink) => {
    sink = s;
    remaining = size;
    padding = (BLOCK - (size % BLOCK)) % BLOCK;
    state = 'body';
    if (remaining === 0 && padding === 0) finishBody();
  };

  const finishBody = () => {
    const s = sink;
    sink = { kind: 'skip' };
    state = 'header';
    if (s.kind === 'body') onBody(s.h, concat(s.parts, s.got));
    else if (s.kind === 'meta') applyMeta(s.type, concat(s.parts, s.got));
  };

  const applyMeta = (type: string, data: Uint8Array) => {
    if (type === 'L') longName = cString(data);
    else if (type === 'K') longLink = cString(data);
    else if (type === 'x') pax = parsePax(data, bad);
    else parsePax(data, bad); // global records: validated, not applied (no global path makes sense)
  };

  return {
    push(chunk) {
      let off = 0;
      while (off < chunk.length && state !== 'done') {
        if (state === 'header') {
          const n = Math.min(BLOCK - headerFill, chunk.length - off);
          header.set(chunk.subarray(off, off + n), headerFill);
          headerFill += n;
          off += n;
          if (headerFill < BLOCK) break;
          headerFill = 0;
          if (header.every((b) => b === 0)) {
            // The end-of-archive marker is two zero blocks; a zero block followed by a header is corrupt.
            if (++zeroBlocks === 2) state = 'done';
            continue;
          }
          if (zeroBlocks > 0) throw bad('a tar header follows an end-of-archive block');
          startMember(header);
        } else {
          if (remaining > 0) {
            const n = Math.min(remaining, chunk.length - off);
            if (sink.kind !== 'skip') {
              // A copy: the caller may reuse its chunk buffer after push returns.
              sink.parts.push(Uint8Array.prototype.slice.call(chunk, off, off + n));
              sink.got += n;
            }
            remaining -= n;
            off += n;
          }
          if (remaining === 0) {
            const n = Math.min(padding, chunk.length - off);
            padding -= n;
            off += n;
            if (padding === 0) finishBody();
          }
        }
      }
      return state === 'done';
    },
    end() {
      // One zero block then EOF is accepted (some writers stop there); anything else is truncation.
      if (state === 'done' || (state === 'header' && headerFill === 0 && zeroBlocks === 1)) return;
      throw new InputError(`${archive}: the tar archive is truncated`);
    },
  };
}

/**
 * Streams the .tar.gz `archive` through createTarScanner and returns the one member whose path
 * components satisfy `pick` (`what` names it in messages). Throws InputError naming the archive
 * for a non-gzip or truncated file, more than `limits.maxScanBytes` decompressed, a compression
 * ratio over `limits.maxRatio`, anything createTarScanner rejects, and no or several matches.
 */
export async function readTarGzMember(
  archive: string,
  pick: (parts: readonly string[]) => boolean,
  what: string,
  limits: ArchiveLimits,
): Promise<ArchiveMember> {
  const found: ArchiveMember[] = [];
  const scanner = createTarScanner(
    archive,
    limits,
    (h) => pick(h.parts),
    (h, body) => {
      found.push({ name: h.path, bytes: body });
      if (found.length > 1) {
        throw new InputError(`${archive}: several ${what} files (${found.map((f) => f.name).join(', ')}); expected exactly one`);
      }
    },
  );
  // A small read size keeps the ratio check tight: at most ratio x 64 KiB is inflated unchecked.
  const src = createReadStream(archive, { highWaterMark: 64 << 10 });
  const gunzip = createGunzip();
  let compressed = 0;
  let scanned = 0;
  src.on('data', (c) => (compressed += c.length));
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  let ended = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      scanned += chunk.length;
      if (scanned > limits.maxScanBytes) {
        throw new InputError(`${archive}: more than ${limits.maxScanBytes} bytes after decompression; refusing to read further`);
      }
      if (scanned > limits.ratioAfterBytes && scanned > compressed * limits.maxRatio) {
        throw new InputError(`${archive}: decompresses more than ${limits.maxRatio}x (a gzip bomb?); refusing to read further`);
      }
      if (scanner.push(chunk)) {
        ended = true;
        break;
      }
    }
    if (!ended) scanner.end();
  } catch (e) {
    if (e instanceof InputError) throw e;
    if ((e as NodeJS.ErrnoException).syscall) throw fileReadError(archive, e);
    throw new InputError(`${archive}: not a gzip file, or truncated or corrupt (${oneLine(e)})`, { cause: e });
  } finally {
    gunzip.destroy();
    // Wait for the fd to be closed, so a caller that moves on has no file left open.
    if (!src.closed) await new Promise<void>((resolve) => src.destroy().once('close', () => resolve()));
  }
  if (found.length === 0) throw new InputError(`${archive}: no ${what} in the archive`);
  return found[0];
}

function isDataType(type: string): boolean {
  return type === '0' || type === '\u0000' || type === '7';
}

function checksumOk(h: Uint8Array): boolean {
  const stored = parseNumber(h.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

// Octal (NUL/space terminated) or GNU base-256 (high bit set) numeric field; undefined if malformed.
function parseNumber(f: Uint8Array): number | undefined {
  if (f[0] & 0x80) {
    if (f[0] & 0x40) return undefined; // negative
    let v = f[0] & 0x3f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const s = text(f).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  const v = parseInt(s, 8);
  return Number.isSafeInteger(v) ? v : undefined;
}

// A NUL-terminated field as UTF-8 (names are bytes; UTF-8 is what every modern writer uses).
function text(f: Uint8Array): string {
  const nul = f.indexOf(0);
  return Buffer.from(f.buffer, f.byteOffset, nul === -1 ? f.length : nul).toString('utf8');
}

function cString(data: Uint8Array): string {
  return text(data);
}

// pax extended header: records "<len> <key>=<value>\n", where <len> counts the whole record.
function parsePax(data: Uint8Array, bad: (why: string) => InputError): Map<string, string> {
  const out = new Map<string, string>();
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // NUL padding after the last record
    const sp = buf.indexOf(0x20, off);
    if (sp === -1 || sp - off > 10) throw bad('a pax header record is malformed');
    const lenText = buf.toString('latin1', off, sp);
    if (!/^[0-9]+$/.test(lenText)) throw bad('a pax header record is malformed');
    const len = Number(lenText);
    const end = off + len;
    if (len <= sp - off + 1 || end > buf.length || buf[end - 1] !== 0x0a) throw bad('a pax header record is malformed');
    const rec = buf.toString('utf8', sp + 1, end - 1);
    const eq = rec.indexOf('=');
    if (eq <= 0) throw bad('a pax header record is malformed');
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    off = end;
  }
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  return Buffer.concat(parts, total);
}
