// Fetching what verification needs (checkpoints, tiles, lookup answers, manifests, signatures) over
// https://, http:// to loopback, or file://. Bounded: every body has a byte cap and every request a
// time limit; redirects are followed only to URLs the same policy allows. Batch lookups POST a
// small JSON body under the same policy (httpPoster).

import { open } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fileURLToPath } from 'node:url';
import { InputError, errorMessage } from '../errors.ts';
import { nodeHttpFetch } from '../index/http.ts';
import type { HttpFetch } from '../index/http.ts';
import { urlProblem } from '../config/template.ts';

/** The answer to a GET: the final URL, status and the (bounded) body. */
export interface GetResult {
  url: string;
  status: number;
  body: Uint8Array;
}

/**
 * Fetches `url`, reading at most `maxBytes` of body. Resolves for any HTTP status (a missing file://
 * file is status 404); rejects with FetchError when the URL is not allowed, the server cannot be
 * reached, the time limit passes or the body is larger than `maxBytes`.
 */
export type Getter = (url: string, maxBytes: number) => Promise<GetResult>;

/** A fetch that did not produce an answer. Exit 2: the input (configuration or network) is at fault. */
export class FetchError extends InputError {}

/** Redirects followed per request. */
export const MAX_REDIRECTS = 5;

/** Default time limit of one request. */
export const DEFAULT_TIMEOUT_MS = 30_000;

async function readFileUrl(url: URL, maxBytes: number): Promise<GetResult> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (e) {
    throw new FetchError(`${url.href}: ${errorMessage(e)}`);
  }
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { url: url.href, status: 404, body: new Uint8Array(0) };
    throw new FetchError(`cannot read ${path}: ${code ?? errorMessage(e)}`);
  }
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw new FetchError(`${path} is larger than ${maxBytes} bytes`);
    }
    return { url: url.href, status: 200, body: new Uint8Array(buf.subarray(0, n)) };
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  } finally {
    await fh.close();
  }
}

/**
 * A Getter over `transport` (node:http/https by default). Sends a User-Agent, no Accept-Encoding
 * (bodies arrive as stored), follows up to MAX_REDIRECTS redirects that urlProblem allows and that
 * do not go from https to http, and gives each request `timeoutMs`.
 */
export function httpGetter(opts: { transport?: HttpFetch; timeoutMs?: number; userAgent?: string } = {}): Getter {
  const transport = opts.transport ?? nodeHttpFetch();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers = { 'user-agent': opts.userAgent ?? 'distsum-verify', accept: '*/*' };
  return async (start, maxBytes) => {
    let url = start;
    for (let hop = 0; ; hop++) {
      const problem = urlProblem(url);
      if (problem) throw new FetchError(`refusing to fetch ${url.slice(0, 200)}: ${problem}`);
      const u = new URL(url);
      if (u.protocol === 'file:') return readFileUrl(u, maxBytes);
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutMs);
      try {
        let res;
        try {
          res = await transport({ url: u, headers, signal: ac.signal });
        } catch (e) {
          const why = ac.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : ((e as NodeJS.ErrnoException).code ?? errorMessage(e));
          throw new FetchError(`cannot fetch ${u.href}: ${why}`);
        }
        // Aborting destroys the response stream with an error; the iterator below still sees it,
        // but an unread body must not turn it into an uncaught exception.
        (res.body as { on?: (ev: string, fn: () => void) => void }).on?.('error', () => {});
        if (res.status >= 300 && res.status < 400 && res.header('location') !== undefined) {
          ac.abort();
          if (hop >= MAX_REDIRECTS) throw new FetchError(`${start}: more than ${MAX_REDIRECTS} redirects`);
          const next = new URL(res.header('location')!, u);
          if (u.protocol === 'https:' && next.protocol !== 'https:') throw new FetchError(`${u.href} redirects to ${next.protocol} (refused: no downgrade from https)`);
          url = next.href;
          continue;
        }
        const enc = res.header('content-encoding');
        if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
          ac.abort();
          throw new FetchError(`${u.href}: unexpected Content-Encoding ${JSON.stringify(enc.slice(0, 40))}`);
        }
        const declared = Number(res.header('content-length') ?? NaN);
        if (declared > maxBytes) {
          ac.abort();
          throw new FetchError(`${u.href}: the response is larger than ${maxBytes} bytes`);
        }
        const chunks: Uint8Array[] = [];
        let total = 0;
        try {
          for await (const chunk of res.body) {
            total += chunk.length;
            // Leaving the loop destroys the response stream, which closes the connection.
            if (total > maxBytes) throw new FetchError(`${u.href}: the response is larger than ${maxBytes} bytes`);
            chunks.push(chunk);
          }
        } catch (e) {
          if (e instanceof FetchError) throw e;
          const why = ac.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : ((e as NodeJS.ErrnoException).code ?? errorMessage(e));
          throw new FetchError(`cannot fetch ${u.href}: ${why}`);
        }
        return { url: u.href, status: res.status, body: new Uint8Array(Buffer.concat(chunks, total)) };
      } finally {
        clearTimeout(timer);
      }
    }
  };
}

/** A Getter for --offline runs: every request fails, naming what was needed. */
export function offlineGetter(): Getter {
  return async (url) => {
    throw new FetchError(`offline: ${url.slice(0, 200)} is not in the cache (run once without --offline)`);
  };
}

/**
 * POSTs `body` (of type `contentType`) to `url` and reads at most `maxBytes` of the answer.
 * Resolves for any HTTP status, redirects included (they are not followed: a caller falls back to
 * GETs, which follow them); rejects with FetchError like a Getter. A file:// URL answers 405.
 */
export type Poster = (url: string, body: Uint8Array, contentType: string, maxBytes: number) => Promise<GetResult>;

/**
 * A Poster over node:http/https: the URL policy of httpGetter (https, or http to loopback), a
 * User-Agent, no Accept-Encoding, `timeoutMs` for the whole exchange, and the answer's
 * Content-Length and streamed size both checked against the cap.
 */
export function httpPoster(opts: { timeoutMs?: number; userAgent?: string } = {}): Poster {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = opts.userAgent ?? 'distsum-verify';
  return async (url, body, contentType, maxBytes) => {
    const problem = urlProblem(url);
    if (problem) throw new FetchError(`refusing to fetch ${url.slice(0, 200)}: ${problem}`);
    const u = new URL(url);
    if (u.protocol === 'file:') return { url: u.href, status: 405, body: new Uint8Array(0) };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    const why = (e: unknown) => (ac.signal.aborted ? `no answer within ${timeoutMs / 1000} s` : ((e as NodeJS.ErrnoException).code ?? errorMessage(e)));
    try {
      let res: IncomingMessage;
      try {
        res = await new Promise<IncomingMessage>((resolve, reject) => {
          const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
          const headers = { 'user-agent': userAgent, accept: 'application/json', 'content-type': contentType, 'content-length': String(body.length) };
          const req = send(u, { method: 'POST', headers, signal: ac.signal }, resolve);
          req.on('error', reject);
          req.end(body);
        });
      } catch (e) {
        throw new FetchError(`cannot fetch ${u.href}: ${why(e)}`);
      }
      // An abort destroys the response with an error; reading below reports it, but it must never go unhandled.
      res.on('error', () => {});
      const enc = res.headers['content-encoding'];
      if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
        res.destroy();
        throw new FetchError(`${u.href}: unexpected Content-Encoding ${JSON.stringify(enc.slice(0, 40))}`);
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > maxBytes) {
        res.destroy();
        throw new FetchError(`${u.href}: the response is larger than ${maxBytes} bytes`);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > maxBytes) throw new FetchError(`${u.href}: the response is larger than ${maxBytes} bytes`);
          chunks.push(chunk);
        }
      } catch (e) {
        if (e instanceof FetchError) throw e;
        throw new FetchError(`cannot fetch ${u.href}: ${why(e)}`);
      }
      return { url: u.href, status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks, total)) };
    } finally {
      clearTimeout(timer);
    }
  };
}
