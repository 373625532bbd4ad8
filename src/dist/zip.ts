// Reads one member of a zip archive (a wheel's METADATA, a legacy zip sdist's PKG-INFO) without
// extracting anything, treating the archive as hostile: every member name is checked, the member
// must be unique, its declared size is checked before inflating, and the inflated bytes must
// match the declared size and CRC (a "lying size" entry is a classic zip bomb).
//
// Our own parser, with synchronous positional reads: it costs tens of microseconds per wheel, where
// a general zip library with streams cost most of a millisecond, and `distsum hash` reads the
// metadata of every file on the thread that coordinates the hashing workers (bench:hash).

import { crc32, inflateRawSync } from 'node:zlib';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { fileReadError } from '../digest/file.ts';
import { memberPath } from './member-name.ts';
import type { ArchiveLimits } from './limits.ts';

/** One member read out of an archive. */
export interface ArchiveMember {
  /** The member's name as stored in the archive. */
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads the single member of the zip file `archive` whose path components satisfy `pick`
 * (`what` names it in messages). Throws InputError naming the archive when it is not a zip, is
 * truncated or corrupt, has more than `limits.maxEntries` members, any unsafe or duplicate member
 * name, no or several matching members, or a matching member that is encrypted, larger than
 * `limits.maxMetadataBytes`, or whose data disagrees with its declared size, name or CRC.
 */
export async function readZipMember(
  archive: string,
  pick: (parts: readonly string[]) => boolean,
  what: string,
  limits: ArchiveLimits,
): Promise<ArchiveMember> {
  let fd: number;
  try {
    fd = openSync(archive, 'r');
  } catch (e) {
    throw fileReadError(archive, e);
  }
  try {
    let size: number;
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      size = st.size;
    } catch (e) {
      throw fileReadError(archive, e);
    }
    return readMember(new Reader(archive, fd, size), pick, what, limits);
  } finally {
    closeSync(fd);
  }
}

/** A zip member as its central directory entry describes it. */
interface Entry {
  rawName: Buffer;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_LEN = 22;
const MAX_COMMENT = 0xffff;

function readMember(r: Reader, pick: (parts: readonly string[]) => boolean, what: string, limits: ArchiveLimits): ArchiveMember {
  const archive = r.archive;
  const dir = findCentralDirectory(r);
  if (dir.entries > limits.maxEntries) {
    throw new InputError(`${archive}: ${dir.entries} archive members, more than the limit of ${limits.maxEntries}`);
  }
  const seen = new Set<string>();
  const found: Entry[] = [];
  let pos = dir.offset;
  const end = dir.offset + dir.size;
  for (let i = 0; i < dir.entries; i++) {
    const entry = readCentralEntry(r, pos, end);
    pos = entry.next;
    const parts = memberPath(archive, entry.name);
    // The raw bytes are what Python's zipfile uses when no flag or extra field says otherwise; they must be safe too.
    memberPath(archive, entry.rawName.toString('latin1'));
    const key = parts.join('/');
    if (seen.has(key)) throw new InputError(`${archive}: archive member ${JSON.stringify(key)} appears twice; the archive is broken or hostile`);
    seen.add(key);
    if (pick(parts) && !entry.name.endsWith('/')) found.push(entry);
  }
  if (found.length === 0) throw new InputError(`${archive}: no ${what} in the archive`);
  if (found.length > 1) {
    throw new InputError(`${archive}: ${found.length} ${what} files (${found.map((f) => f.name).join(', ')}); expected exactly one`);
  }
  return { name: found[0].name, bytes: readEntryData(r, found[0], dir.offset, limits) };
}

/**
 * Where the central directory is and how many entries it has, from the end record (and the zip64
 * end record when there is one). The directory must lie wholly before the end records.
 */
function findCentralDirectory(r: Reader): { offset: number; size: number; entries: number } {
  const notZip = (why: string) => new InputError(`${r.archive}: not a zip archive, or truncated (${why})`);
  if (r.size < EOCD_LEN) throw notZip('too short');
  const tailStart = Math.max(0, r.size - EOCD_LEN - MAX_COMMENT);
  const tail = r.bytes(tailStart, r.size - tailStart);
  // The last end record whose comment fits in the file, as Python's zipfile finds it.
  let at = -1;
  for (let i = tail.length - EOCD_LEN; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_LEN + tail.readUInt16LE(i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw notZip('no end of central directory record');
  const eocdPos = tailStart + at;
  const e = r.bytes(eocdPos, EOCD_LEN);
  if (e.readUInt16LE(4) !== 0 || e.readUInt16LE(6) !== 0) throw corrupt(r, 'a multi-disk archive');
  let entries = e.readUInt16LE(10);
  let size = e.readUInt32LE(12);
  let offset = e.readUInt32LE(16);
  let dirEnd = eocdPos;
  if (eocdPos >= 20 && r.bytes(eocdPos - 20, 4).readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
    const loc = r.bytes(eocdPos - 20, 20);
    const at64 = u64(r, loc, 8);
    if (at64 + 56 > eocdPos - 20) throw corrupt(r, 'its zip64 end record lies outside the file');
    const z = r.bytes(at64, 56);
    if (z.readUInt32LE(0) !== SIG_EOCD64) throw corrupt(r, 'no zip64 end record where its locator points');
    if (z.readUInt32LE(16) !== 0 || z.readUInt32LE(20) !== 0) throw corrupt(r, 'a multi-disk archive');
    entries = u64(r, z, 32);
    size = u64(r, z, 40);
    offset = u64(r, z, 48);
    dirEnd = at64;
  }
  if (offset + size > dirEnd) throw corrupt(r, 'its central directory lies outside the file');
  return { offset, size, entries };
}

/** Parses the central directory entry at `pos`, which must end by `end`. */
function readCentralEntry(r: Reader, pos: number, end: number): Entry & { next: number } {
  if (pos + 46 > end) throw corrupt(r, 'its central directory is shorter than its entry count says');
  const h = r.bytes(pos, 46);
  if (h.readUInt32LE(0) !== SIG_CENTRAL) throw corrupt(r, 'a bad central directory entry signature');
  const nameLen = h.readUInt16LE(28);
  const extraLen = h.readUInt16LE(30);
  const commentLen = h.readUInt16LE(32);
  const next = pos + 46 + nameLen + extraLen + commentLen;
  if (next > end) throw corrupt(r, 'a central directory entry runs past the directory');
  const entry: Entry = {
    flags: h.readUInt16LE(8),
    method: h.readUInt16LE(10),
    crc: h.readUInt32LE(16),
    compressedSize: h.readUInt32LE(20),
    size: h.readUInt32LE(24),
    localOffset: h.readUInt32LE(42),
    rawName: Buffer.from(r.bytes(pos + 46, nameLen)),
    name: '',
  };
  const diskStart = h.readUInt16LE(34);
  const extra = r.bytes(pos + 46 + nameLen, extraLen);
  applyZip64(r, entry, diskStart, extra);
  entry.name = decodeName(entry.rawName, entry.flags, extra);
  return { ...entry, next };
}

// Sizes and the offset that do not fit in 32 bits are 0xFFFFFFFF in the entry and stored, in this
// order and only those, in the zip64 extra field (id 0x0001).
function applyZip64(r: Reader, entry: Entry, diskStart: number, extra: Buffer): void {
  const wants = [entry.size, entry.compressedSize, entry.localOffset].some((v) => v === 0xffffffff) || diskStart === 0xffff;
  if (!wants) return;
  const z = extraField(extra, 0x0001);
  if (!z) throw corrupt(r, 'an entry without the zip64 field its sizes call for');
  let at = 0;
  const take = () => {
    if (at + 8 > z.length) throw corrupt(r, 'a zip64 field too short for its entry');
    const v = u64(r, z, at);
    at += 8;
    return v;
  };
  if (entry.size === 0xffffffff) entry.size = take();
  if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
  if (entry.localOffset === 0xffffffff) entry.localOffset = take();
}

/** The data of extra field `id` in `extra` (a sequence of id, length, data), or undefined. */
function extraField(extra: Buffer, id: number): Buffer | undefined {
  for (let i = 0; i + 4 <= extra.length; ) {
    const len = extra.readUInt16LE(i + 2);
    if (i + 4 + len > extra.length) return undefined;
    if (extra.readUInt16LE(i) === id) return extra.subarray(i + 4, i + 4 + len);
    i += 4 + len;
  }
  return undefined;
}

/**
 * The member name as unzip tools read it: the Info-ZIP Unicode Path field (0x7075) when it is for
 * exactly these raw bytes, else UTF-8 when flag bit 11 says so, else code page 437.
 */
function decodeName(raw: Buffer, flags: number, extra: Buffer): string {
  const up = extraField(extra, 0x7075);
  if (up && up.length >= 5 && up[0] === 1 && up.readUInt32LE(1) === crc32(raw)) return up.subarray(5).toString('utf8');
  if (flags & 0x800) return raw.toString('utf8');
  let ascii = true;
  for (const b of raw) if (b >= 0x80) ascii = false;
  if (ascii) return raw.toString('latin1');
  let s = '';
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

// Code page 437, bytes 0x80-0xFF (the zip format's default name encoding).
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function readEntryData(r: Reader, entry: Entry, dirOffset: number, limits: ArchiveLimits): Uint8Array {
  const bad = (why: string) => new InputError(`${r.archive}: ${entry.name} ${why}`);
  if (entry.size > limits.maxMetadataBytes) throw bad(`is ${entry.size} bytes, more than the limit of ${limits.maxMetadataBytes}`);
  if (entry.flags & 0x1) throw bad('is encrypted');
  if (entry.method !== 0 && entry.method !== 8) throw bad(`uses compression method ${entry.method}; only stored and deflate are allowed`);
  if (entry.method === 0 && entry.compressedSize !== entry.size) throw bad('is stored uncompressed but its compressed and uncompressed sizes differ');
  // Deflate never grows data by more than a few bytes per 16 KiB block; more is a bomb's padding.
  if (entry.compressedSize > entry.size + (entry.size >> 10) + 1024) {
    throw bad('has more compressed bytes than its declared size can need; the archive is broken or hostile');
  }
  if (entry.localOffset + 30 > dirOffset) throw bad('has a local header outside the archive data; the archive is broken or hostile');
  const lh = r.bytes(entry.localOffset, 30);
  if (lh.readUInt32LE(0) !== SIG_LOCAL) throw bad('has no local header where the directory says; the archive is broken or hostile');
  const nameLen = lh.readUInt16LE(26);
  const start = entry.localOffset + 30 + nameLen + lh.readUInt16LE(28);
  if (start + entry.compressedSize > dirOffset) throw bad('runs past the archive data; the archive is truncated or hostile');
  const localName = r.bytes(entry.localOffset + 30, nameLen);
  if (!localName.equals(entry.rawName)) {
    throw bad(`has a different name in its local header (${JSON.stringify(localName.toString('latin1'))}); the archive is broken or hostile`);
  }
  const data = r.bytes(start, entry.compressedSize);
  let bytes: Buffer;
  if (entry.method === 0) bytes = Buffer.from(data);
  else {
    try {
      // One byte over the declared size is enough to know it lies; zlib stops there.
      bytes = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size + 1) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw bad('inflates to more bytes than its declared size; the archive is broken or hostile');
      }
      throw bad(`does not match its declared size or is corrupt (${oneLine(e)}); the archive is broken or hostile`);
    }
    if (bytes.length > entry.size) throw bad('inflates to more bytes than its declared size; the archive is broken or hostile');
  }
  if (bytes.length !== entry.size) throw bad('is shorter than its declared size; the archive is broken or hostile');
  if (crc32(bytes) !== entry.crc) throw bad('fails its CRC-32 check; the archive is corrupt');
  return bytes;
}

function corrupt(r: Reader, why: string): InputError {
  return new InputError(`${r.archive}: corrupt zip archive (${why})`);
}

// A zip64 field as a safe integer; anything past 2^53 cannot describe a file we could read.
function u64(r: Reader, b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(r, 'a zip64 size or offset out of range');
  return Number(v);
}

// Positional reads through one cached block: the end records, the directory and the member's
// header are usually a block or two, so a wheel costs a few system calls. (A class: it owns the
// block.)
class Reader {
  private block = Buffer.alloc(0);
  private blockStart = 0;
  constructor(
    readonly archive: string,
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** `len` bytes at `pos`, valid until the next call; a range past the end of the file throws InputError. */
  bytes(pos: number, len: number): Buffer {
    if (pos < 0 || len < 0 || pos + len > this.size) throw corrupt(this, 'a record that runs past the end of the file');
    if (pos >= this.blockStart && pos + len <= this.blockStart + this.block.length) {
      return this.block.subarray(pos - this.blockStart, pos - this.blockStart + len);
    }
    const want = Math.min(Math.max(len, BLOCK), this.size - pos);
    const fresh = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      let n: number;
      try {
        n = readSync(this.fd, fresh, got, want - got, pos + got);
      } catch (e) {
        throw fileReadError(this.archive, e);
      }
      if (n === 0) throw corrupt(this, 'the file shrank while it was read');
      got += n;
    }
    this.block = fresh;
    this.blockStart = pos;
    return fresh.subarray(0, len);
  }
}

const BLOCK = 256 << 10;

/** The first line of an error's message, for wrapping library errors into ours. */
export function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}
