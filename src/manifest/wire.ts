// SSH wire encoding (RFC 4251 section 5): uint32, string, mpint. Used by public keys, signatures,
// SSHSIG blobs, OpenSSH private key headers and the ssh-agent protocol.
//
// A Reader is plain data (bytes + position); the read functions advance it and throw InputError on any
// truncation, so a hostile length field can never make us read past the buffer or allocate from it.

import { InputError } from '../errors.ts';

/** A cursor over untrusted bytes. Invariant: 0 <= pos <= buf.length. */
export interface Reader {
  readonly buf: Uint8Array;
  pos: number;
}

/** A reader positioned at the start of `buf`. */
export function reader(buf: Uint8Array): Reader {
  return { buf, pos: 0 };
}

/** Bytes left to read. */
export function remaining(r: Reader): number {
  return r.buf.length - r.pos;
}

/** Reads `n` raw bytes (a view, not a copy); throws InputError if fewer are left. */
export function readBytes(r: Reader, n: number, what = 'data'): Uint8Array {
  if (n < 0 || n > remaining(r)) throw new InputError(`truncated ${what}`);
  const out = r.buf.subarray(r.pos, r.pos + n);
  r.pos += n;
  return out;
}

/** Reads one byte. */
export function readByte(r: Reader, what = 'byte'): number {
  return readBytes(r, 1, what)[0];
}

/** Reads a big-endian uint32. */
export function readUint32(r: Reader, what = 'uint32'): number {
  const b = readBytes(r, 4, what);
  return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
}

/** Reads an SSH `string` (uint32 length + bytes), at most `max` bytes long. */
export function readString(r: Reader, what = 'string', max = 1 << 20): Uint8Array {
  const n = readUint32(r, `${what} length`);
  if (n > max) throw new InputError(`${what} too long (${n} bytes, limit ${max})`);
  return readBytes(r, n, what);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an SSH `string` holding text: valid UTF-8 without NUL (OpenSSH reads these with
 * sshbuf_get_cstring, which refuses embedded NULs).
 */
export function readText(r: Reader, what = 'string', max = 1024): string {
  const b = readString(r, what, max);
  if (b.includes(0)) throw new InputError(`${what} contains a NUL byte`);
  try {
    return utf8.decode(b);
  } catch {
    throw new InputError(`${what} is not valid UTF-8`);
  }
}

/**
 * Reads an SSH `mpint` that must be non-negative; returns its magnitude without leading zero bytes
 * (empty for zero). At most `maxBytes` significant bytes.
 */
export function readMpint(r: Reader, what = 'mpint', maxBytes = 2049): Uint8Array {
  const b = readString(r, what, maxBytes + 1);
  if (b.length > 0 && b[0] & 0x80) throw new InputError(`${what} is negative`);
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  const mag = b.subarray(i);
  if (mag.length > maxBytes) throw new InputError(`${what} too large`);
  return mag;
}

/** Throws InputError unless the reader is exhausted (no trailing data). */
export function expectEnd(r: Reader, what = 'data'): void {
  if (remaining(r) !== 0) throw new InputError(`${what} has ${remaining(r)} trailing bytes`);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian uint32 encoding. */
export function encodeUint32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a uint32: ${n}`);
  return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

/** SSH `string` encoding of bytes, or of text as UTF-8. */
export function encodeString(data: Uint8Array | string): Uint8Array {
  const b = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return concat(encodeUint32(b.length), b);
}

/**
 * SSH `mpint` encoding of a non-negative big-endian magnitude: leading zeros removed, and one zero byte
 * added when the top bit is set so the value does not read as negative.
 */
export function encodeMpint(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return encodeString(m.length > 0 && m[0] & 0x80 ? concat(new Uint8Array([0]), m) : m);
}

/** Left-pads (or strips leading zeros of) a big-endian magnitude to exactly `len` bytes; throws if too big. */
export function fixedLength(magnitude: Uint8Array, len: number): Uint8Array {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length > len) throw new InputError(`integer does not fit in ${len} bytes`);
  const out = new Uint8Array(len);
  out.set(m, len - m.length);
  return out;
}

/** True when two byte arrays are equal (not constant time: for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Decodes standard padded base64 strictly: only the base64 alphabet, length a multiple of 4, and the
 * canonical encoding (re-encoding gives the same text). Buffer.from(s, 'base64') silently skips junk,
 * which would let two different texts carry one signature.
 */
export function decodeBase64Strict(text: string, what = 'base64'): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new InputError(`${what} is not valid base64`);
  const out = Buffer.from(text, 'base64');
  if (out.toString('base64') !== text) throw new InputError(`${what} is not canonical base64`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
