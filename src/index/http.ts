// The transport under the index client: one GET, no redirect followed, the body as a stream the
// caller reads (and stops reading by aborting). Bodies are read with a byte cap, and
// Content-Encoding is undone with an output cap, so neither a huge page nor a gzip bomb can
// exhaust memory.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { IndexFormatError, IndexTooLargeError } from './errors.ts';

/** One GET request. The transport must stop (and close the connection) when `signal` aborts. */
export interface HttpRequest {
  url: URL;
  /** Lowercase names. */
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** A response whose body has not been read yet. Content-Encoding is not undone by the transport. */
export interface HttpResponse {
  status: number;
  /** A header value (case-insensitive name), repeated headers joined with ", "; undefined if absent. */
  header(name: string): string | undefined;
  body: AsyncIterable<Uint8Array>;
}

/** Performs one request; rejects (with an error carrying a `code`) when there is no response. */
export type HttpFetch = (req: HttpRequest) => Promise<HttpResponse>;

/** TLS settings for https. */
export interface TlsOptions {
  /** CA certificates (PEM) replacing the default roots. */
  ca?: string | Buffer;
}

/**
 * The default transport: node:http / node:https, never following redirects and never decoding
 * bodies; aborting `signal` destroys the request and its socket.
 */
export function nodeHttpFetch(tls: TlsOptions = {}): HttpFetch {
  return (req) =>
    new Promise((resolve, reject) => {
      const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const r = send(req.url, { method: 'GET', headers: req.headers, signal: req.signal, ...(tls.ca ? { ca: tls.ca } : {}) }, (res) => {
        resolve({
          status: res.statusCode ?? 0,
          header(name) {
            const v = res.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          },
          body: res,
        });
      });
      r.on('error', reject);
      r.end();
    });
}

/**
 * Reads `res.body` to the end into one buffer, calling `onChunk` (if given) after each chunk.
 * Throws IndexTooLargeError as soon as the body (or its Content-Length) exceeds `maxBytes`; the
 * caller then aborts the request so the rest is never received.
 */
export async function readBounded(res: HttpResponse, maxBytes: number, url: string, onChunk?: () => void): Promise<Buffer> {
  const declared = contentLength(res);
  if (declared !== undefined && declared > maxBytes) throw new IndexTooLargeError(url, maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.length;
    if (total > maxBytes) throw new IndexTooLargeError(url, maxBytes);
    chunks.push(chunk);
    onChunk?.();
  }
  return Buffer.concat(chunks, total);
}

/** The Content-Length header as a number, or undefined when absent or malformed. */
export function contentLength(res: HttpResponse): number | undefined {
  const v = res.header('content-length')?.trim();
  return v !== undefined && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined;
}

/**
 * Undoes `contentEncoding` (absent, identity, gzip, x-gzip or deflate, zlib-wrapped or raw) on
 * `body`, producing at most `maxBytes` bytes: more throws IndexTooLargeError (zlib stops there; the
 * rest is never inflated). Corrupt data and other encodings throw IndexFormatError.
 */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number, url: string): Promise<Buffer> {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const run = (fn: typeof gunzip) =>
    new Promise<Buffer>((resolve, reject) => fn(body as InputType, { maxOutputLength: Math.max(1, maxBytes) } as ZlibOptions, (err, out) => (err ? reject(err) : resolve(out))));
  const tooLarge = (e: unknown) => (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await run(gunzip);
    if (enc === 'deflate') {
      try {
        return await run(inflate);
      } catch (e) {
        // Some servers send raw deflate under this name.
        if (tooLarge(e)) throw e;
        return await run(inflateRaw);
      }
    }
  } catch (e) {
    if (tooLarge(e)) throw new IndexTooLargeError(url, maxBytes, 'decoded response');
    throw new IndexFormatError(url, `the ${enc} response body is corrupt (${(e as Error).message})`);
  }
  throw new IndexFormatError(url, `unsupported Content-Encoding ${JSON.stringify(enc.slice(0, 40))}`);
}
