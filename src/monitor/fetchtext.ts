// Fetching a publisher's manifest (and its signature) from where the publisher keeps it: https
// (redirects followed, to https only: release assets on GitHub redirect to another host), a local
// file, or http to a loopback host. Bounded in bytes and time; "not there" (404, 410, no such file)
// is an answer, not an error, so the caller can wait for a manifest that is not published yet.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { nodeHttpFetch, readBounded, type HttpFetch } from '../index/http.ts';
import { isLoopback } from '../index/url.ts';
import { errorMessage } from '../errors.ts';

/** The answer to a fetch. */
export type TextAnswer = { found: true; body: Buffer; url: string } | { found: false; reason: string };

/** Fetches `url` (at most `maxBytes`); throws an Error with a one-line message when it cannot tell. */
export type TextFetch = (url: string, maxBytes: number) => Promise<TextAnswer>;

/** Options of httpTextFetch. */
export interface TextFetchOptions {
  userAgent: string;
  fetch?: HttpFetch;
  /** Whole-request time limit (default 30 s). */
  timeoutMs?: number;
  maxRedirects?: number;
}

const GONE = new Set([404, 410]);

// A URL we may fetch from: https; http only to loopback (and, when the start was loopback, stays there).
function allowed(u: URL): boolean {
  return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopback(u.hostname));
}

/** The default TextFetch: file URLs from disk, http(s) through `opts.fetch` (node:http by default). */
export function textFetch(opts: TextFetchOptions): TextFetch {
  const transport = opts.fetch ?? nodeHttpFetch();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxRedirects = opts.maxRedirects ?? 5;
  return async (url, maxBytes) => {
    let u = new URL(url);
    if (u.protocol === 'file:') return readLocal(u, maxBytes);
    if (!allowed(u)) throw new Error(`${url}: refusing to fetch a manifest other than over https (or http to a loopback host)`);
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      for (let hop = 0; ; hop++) {
        const res = await transport({ url: u, headers: { accept: 'text/plain, */*;q=0.5', 'accept-encoding': 'identity', 'user-agent': opts.userAgent }, signal: ctl.signal });
        if ([301, 302, 303, 307, 308].includes(res.status)) {
          const loc = res.header('location');
          if (loc === undefined || hop >= maxRedirects) throw new Error(`${u.href}: ${loc === undefined ? 'a redirect without Location' : 'too many redirects'}`);
          const next = new URL(loc, u);
          if (!allowed(next)) throw new Error(`${u.href}: refusing a redirect to ${next.protocol}//${next.host}`);
          next.hash = '';
          u = next;
          continue;
        }
        if (GONE.has(res.status)) return { found: false, reason: `${u.href} answered HTTP ${res.status}` };
        if (res.status !== 200) throw new Error(`${u.href} answered HTTP ${res.status}`);
        const enc = (res.header('content-encoding') ?? '').trim().toLowerCase();
        if (enc !== '' && enc !== 'identity') throw new Error(`${u.href}: unexpected Content-Encoding ${JSON.stringify(enc.slice(0, 40))}`);
        return { found: true, body: await readBounded(res, maxBytes, u.href), url: u.href };
      }
    } catch (e) {
      if (ctl.signal.aborted) throw new Error(`${u.href}: no answer within ${timeoutMs} ms`);
      throw new Error(errorMessage(e));
    } finally {
      clearTimeout(timer);
      // Stop reading whatever body is still in flight.
      ctl.abort();
    }
  };
}

async function readLocal(u: URL, maxBytes: number): Promise<TextAnswer> {
  let path: string;
  try {
    path = fileURLToPath(u);
  } catch {
    throw new Error(`${u.href} is not a local file URL`);
  }
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { found: false, reason: `${path} is not a file` };
    size = st.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { found: false, reason: `${path} does not exist` };
    throw new Error(`${path}: ${errorMessage(e)}`);
  }
  if (size > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
  const body = await readFile(path);
  if (body.length > maxBytes) throw new Error(`${path} is larger than ${maxBytes} bytes`);
  return { found: true, body, url: u.href };
}
