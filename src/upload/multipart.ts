// multipart/form-data bodies laid out byte for byte as twine's encoder (requests_toolbelt + urllib3)
// writes them, with the file part streamed from disk: the length is known up front, memory stays flat.

import { open } from 'node:fs/promises';

/** A form part before the file: text, or a small in-memory file (a `.asc` signature: filename, no type). */
export type FormPart = { name: string; value: string } | { name: string; filename: string; data: Uint8Array };

/** The file being uploaded: streamed from `path`, which must hold exactly `size` bytes. */
export interface FilePart {
  name: string;
  filename: string;
  contentType: string;
  path: string;
  size: number;
}

/** A body ready to send: the header value, its exact length, and its pieces in order. */
export interface MultipartBody {
  boundary: string;
  contentType: string;
  length: number;
  /** Buffers are sent as they are; a FilePart is streamed from disk. */
  pieces: Array<Buffer | FilePart>;
}

/**
 * Quotes a header parameter the way urllib3's HTML5 formatter does: `"` -> %22, `\` -> \\, and
 * control characters other than ESC as %XX. The result cannot end the quoted string or the header.
 */
export function quoteParam(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '%22';
    else if (ch === '\\') out += '\\\\';
    else if (c < 0x20 && c !== 0x1b) out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += ch;
  }
  return out;
}

function header(boundary: string, name: string, filename?: string, contentType?: string): Buffer {
  let h = `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(name)}"`;
  if (filename !== undefined) h += `; filename="${quoteParam(filename)}"`;
  h += '\r\n';
  if (contentType !== undefined) h += `Content-Type: ${contentType}\r\n`;
  h += '\r\n';
  return Buffer.from(h, 'utf8');
}

const CRLF = Buffer.from('\r\n');

/**
 * Lays out the parts in order, then the streamed file, each as `--B\r\n<headers>\r\n\r\n<data>\r\n`, and
 * `--B--\r\n` at the end: text parts carry only Content-Disposition, in-memory files add a filename, the
 * file adds its Content-Type. Throws if the boundary occurs in an in-memory value (pick another); the
 * file cannot be checked without reading it, which a random 128-bit boundary makes unnecessary.
 */
export function buildMultipart(boundary: string, parts: FormPart[], file: FilePart): MultipartBody {
  if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) throw new Error(`invalid multipart boundary ${boundary}`);
  const pieces: Array<Buffer | FilePart> = [];
  const marker = Buffer.from(`--${boundary}`);
  for (const p of parts) {
    const v = 'value' in p ? Buffer.from(p.value, 'utf8') : Buffer.from(p.data);
    if (v.includes(marker)) throw new Error('boundary occurs in a form value');
    pieces.push('value' in p ? header(boundary, p.name) : header(boundary, p.name, p.filename), v, CRLF);
  }
  pieces.push(header(boundary, file.name, file.filename, file.contentType), file, CRLF);
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  const length = pieces.reduce((n, p) => n + (Buffer.isBuffer(p) ? p.length : p.size), 0);
  return { boundary, contentType: `multipart/form-data; boundary=${boundary}`, length, pieces };
}

/** Chunk size for reading the file: large reads keep syscalls and event-loop turns few. */
export const READ_CHUNK = 1 << 20;

/**
 * Writes one chunk of the body and resolves once the transport is done with it (the chunk's memory
 * may then be reused); rejects if the transport failed or was stopped.
 */
export type WriteChunk = (chunk: Uint8Array) => Promise<void>;

/** Produces a body by calling `write` for each chunk in order; resolves when all is written. */
export type BodyProducer = (write: WriteChunk) => Promise<void>;

/**
 * A producer for the body. The file is read with two reused READ_CHUNK buffers: one is being sent
 * while the next is read into the other, and a buffer is refilled only after the transport has
 * released it. Memory therefore stays at a few MiB whatever the file size, and no garbage piles up
 * between collections. `onBytes` hears of every chunk handed on (for progress). If the file is not
 * exactly its declared size (it changed after hashing), the producer fails rather than send a body
 * whose length or digests would be wrong.
 */
export function multipartProducer(body: MultipartBody, onBytes?: (n: number) => void): BodyProducer {
  return async (write) => {
    for (const p of body.pieces) {
      if (Buffer.isBuffer(p)) {
        onBytes?.(p.length);
        await write(p);
      } else {
        await sendFile(p, write, onBytes);
      }
    }
  };
}

async function sendFile(p: FilePart, write: WriteChunk, onBytes?: (n: number) => void): Promise<void> {
  const fh = await open(p.path, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(READ_CHUNK), Buffer.allocUnsafe(READ_CHUNK)];
    const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
    let pos = 0;
    for (let k = 0; pos < p.size; k++) {
      const slot = k % 2;
      await inFlight[slot];
      const { bytesRead } = await fh.read(buffers[slot], 0, Math.min(READ_CHUNK, p.size - pos), pos);
      if (bytesRead === 0) throw new FileChangedError(p.path);
      pos += bytesRead;
      onBytes?.(bytesRead);
      const w = write(buffers[slot].subarray(0, bytesRead));
      // Awaited before the buffer is reused (or at the end); marked handled now so that a failure
      // while the other buffer is being read is not an unhandled rejection.
      w.catch(() => {});
      inFlight[slot] = w;
    }
    await Promise.all(inFlight);
    const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, pos);
    if (bytesRead !== 0) throw new FileChangedError(p.path);
  } finally {
    await fh.close();
  }
}

/** The file being streamed is not the size it had when it was hashed. */
export class FileChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed while it was being uploaded`);
    this.name = 'FileChangedError';
  }
}

/** A boundary like requests_toolbelt's: 32 lowercase hex digits (uuid4().hex) from `randomBytes`. */
export function newBoundary(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(16)).toString('hex');
}
