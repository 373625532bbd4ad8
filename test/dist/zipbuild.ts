// Builds zip files byte by byte, so tests can make the malformed and hostile ones that no
// well-behaved zip writer produces (lying sizes, mismatched names, bad CRCs, huge counts).

import { crc32, deflateRawSync } from 'node:zlib';

/** One member; the optional fields override what an honest writer would store. */
export interface ZipMember {
  name: string | Buffer;
  data: Buffer;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
  /** Overrides: the declared uncompressed size, CRC, flags, the local header's name, extra field. */
  declaredSize?: number;
  crc?: number;
  flags?: number;
  localName?: string | Buffer;
  extra?: Buffer;
}

/**
 * A zip archive of `members`; `entryCount` overrides the count in the end record (written as a
 * zip64 end record when it does not fit in 16 bits).
 */
export function buildZip(members: ZipMember[], opts: { entryCount?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.isBuffer(m.name) ? m.name : Buffer.from(m.name, 'utf8');
    const localName = m.localName === undefined ? name : Buffer.isBuffer(m.localName) ? m.localName : Buffer.from(m.localName, 'utf8');
    const method = m.method ?? 8;
    const body = method === 8 ? deflateRawSync(m.data) : m.data;
    const crc = m.crc ?? crc32(m.data);
    const size = m.declaredSize ?? m.data.length;
    const flags = (m.flags ?? 0) | 0x800;
    const extra = m.extra ?? Buffer.alloc(0);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt32LE(crc >>> 0, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(localName.length, 26);
    lh.writeUInt16LE(extra.length, 28);
    const local = Buffer.concat([lh, localName, extra, body]);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt32LE(crc >>> 0, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt16LE(extra.length, 30);
    ch.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([ch, name, extra]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const total = opts.entryCount ?? members.length;
  const z64: Buffer[] = [];
  if (total > 0xffff) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(total), 24);
    rec.writeBigUInt64LE(BigInt(total), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    z64.push(rec, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Math.min(total, 0xffff);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, ...z64, end]);
}

/** An Info-ZIP Unicode Path extra field (0x7075) claiming `unicodeName` for raw name `raw`. */
export function unicodePathExtra(raw: Buffer, unicodeName: string): Buffer {
  const u = Buffer.from(unicodeName, 'utf8');
  const data = Buffer.alloc(5 + u.length);
  data.writeUInt8(1, 0);
  data.writeUInt32LE(crc32(raw) >>> 0, 1);
  u.copy(data, 5);
  const head = Buffer.alloc(4);
  head.writeUInt16LE(0x7075, 0);
  head.writeUInt16LE(data.length, 2);
  return Buffer.concat([head, data]);
}

/** Minimal valid core metadata. */
export function metadataText(name: string, version: string): string {
  return `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: test\n\nBody.\n`;
}
