// Reading a request body with a hard size limit: the declared length is checked before reading and
// the bytes actually received are counted while streaming, so an oversized or lying upload is cut
// off at the limit instead of being buffered.

import { InputError } from '../errors.ts';

/** The request body exceeds `limit` bytes (HTTP 413). */
export class BodyTooLargeError extends InputError {
  readonly limit: number;
  constructor(limit: number) {
    super(`the request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * The whole body (at most `limit` bytes). `declared` is the Content-Length header, if any. Throws
 * BodyTooLargeError as soon as either says the body is larger, cancelling the stream.
 */
export async function readBody(body: ReadableStream<Uint8Array> | null, declared: string | undefined | null, limit: number): Promise<Uint8Array> {
  if (declared !== undefined && declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > limit) throw new BodyTooLargeError(limit);
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
