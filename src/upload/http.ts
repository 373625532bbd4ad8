// One HTTP exchange with an index: node's http/https client, a streamed request body, a bounded
// response body, and never a redirect followed (the caller sees the 3xx and decides).

import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { BodyProducer } from './multipart.ts';

/** A response as far as we read it. `body` holds at most `maxBodyBytes` bytes (`truncated` says so). */
export interface HttpResponse {
  status: number;
  /** The HTTP reason phrase as the server sent it (warehouse puts its error message here). */
  reason: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

/** TLS settings for https requests; PEM contents, not paths. */
export interface TlsOptions {
  /** CA bundle replacing the default roots (twine's --cert / TWINE_CERT). */
  ca?: Buffer;
  /** Client certificate and key in one PEM (twine's --client-cert). */
  clientCert?: Buffer;
}

/**
 * One request. A Buffer body is sent as is; a Readable is piped; a BodyProducer is called with a write
 * function that resolves once each chunk is flushed. Streamed bodies must total `contentLength` bytes.
 */
export interface HttpRequestOptions {
  method: 'GET' | 'POST';
  url: URL;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | Readable | BodyProducer;
  contentLength?: number;
  tls?: TlsOptions;
  /** Idle-socket timeout: no byte sent or received for this long fails the request. */
  timeoutMs?: number;
  /** Response bytes kept; the rest is read and dropped so the connection ends cleanly. */
  maxBodyBytes?: number;
}

/** A transport failure (no HTTP response): connection refused, reset, TLS, timeout. */
export class NetworkError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
    this.code = code;
  }
}

/** Default bound on a response body we keep (error pages, JSON documents). */
export const DEFAULT_MAX_BODY = 1 << 20;
/** Default idle timeout. Generous: an index may take a while to check a large upload before answering. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Performs one request and resolves with the response (any status, 3xx included: redirects are never
 * followed). Rejects with NetworkError when there is no response. If the server answers before the
 * request body is fully sent (an early 403, say), the answer is returned and the rest of the body is
 * not sent.
 */
export function sendRequest(opts: HttpRequestOptions): Promise<HttpResponse> {
  const { url } = opts;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: OutgoingHttpHeaders = { ...opts.headers };
  if (opts.body !== undefined) {
    headers['content-length'] = opts.contentLength ?? (Buffer.isBuffer(opts.body) ? opts.body.length : undefined);
    if (headers['content-length'] === undefined) throw new Error('streamed body needs contentLength');
  }
  const isHttps = url.protocol === 'https:';
  const requestFn = isHttps ? httpsRequest : httpRequest;

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    // Set once the response has begun: what we have of it, should the connection then break.
    let started: (() => HttpResponse) | undefined;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    const req = requestFn(
      url,
      {
        method: opts.method,
        headers,
        // A fresh connection per request: no agent pooling, nothing kept alive after we are done.
        agent: false,
        ...(isHttps
          ? {
              ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
              ...(opts.tls?.clientCert ? { cert: opts.tls.clientCert, key: opts.tls.clientCert } : {}),
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        started = () => ({
          status: res.statusCode ?? 0,
          reason: res.statusMessage || STATUS_CODES[res.statusCode ?? 0] || '',
          headers: res.headers,
          body: Buffer.concat(chunks),
          truncated: true,
        });
        res.on('data', (c: Buffer) => {
          if (kept < maxBody) {
            const take = c.subarray(0, maxBody - kept);
            chunks.push(take);
            kept += take.length;
            if (take.length < c.length) truncated = true;
          } else {
            truncated = true;
          }
        });
        res.on('end', () => {
          done(() =>
            resolve({
              status: res.statusCode ?? 0,
              reason: res.statusMessage || STATUS_CODES[res.statusCode ?? 0] || '',
              headers: res.headers,
              body: Buffer.concat(chunks),
              truncated,
            }),
          );
          stopBody();
        });
        res.on('error', () => done(() => resolve(started!())));
      },
    );
    let producerStopped = false;
    const stopBody = () => {
      const b = opts.body;
      producerStopped = true;
      if (b && typeof b !== 'function' && !Buffer.isBuffer(b) && !b.destroyed) {
        b.unpipe(req);
        b.destroy();
      }
    };
    req.setTimeout(timeoutMs, () => {
      req.destroy(new NetworkError(`no response from ${url.host} for ${Math.round(timeoutMs / 1000)} s`, 'ETIMEDOUT'));
    });
    req.on('error', (e) => {
      stopBody();
      // The server answered and then closed the connection while the body was still being sent (an
      // early refusal): its answer is what matters, not the broken pipe.
      if (started) done(() => resolve(started!()));
      else done(() => reject(toNetworkError(e, url)));
    });
    const body = opts.body;
    if (body === undefined) {
      req.end();
    } else if (Buffer.isBuffer(body)) {
      req.end(body);
    } else if (typeof body === 'function') {
      const write = (chunk: Uint8Array) =>
        new Promise<void>((res, rej) => {
          if (producerStopped) return rej(new BodyStopped());
          req.write(chunk, (e) => (e ? rej(e) : res()));
        });
      body(write).then(
        () => {
          if (!req.destroyed) req.end();
        },
        (e) => {
          // Stopped because the server answered or the connection failed: that outcome is reported.
          if (producerStopped) return;
          req.destroy(e);
          done(() => reject(e));
        },
      );
    } else {
      body.on('error', (e) => {
        req.destroy(e);
        done(() => reject(e));
      });
      body.pipe(req);
    }
  });
}

/** A body producer's write after the exchange ended (the server answered early, or the connection broke). */
class BodyStopped extends Error {
  constructor() {
    super('request body no longer wanted');
    this.name = 'BodyStopped';
  }
}

function toNetworkError(e: unknown, url: URL): NetworkError {
  if (e instanceof NetworkError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? 'ERR';
  return new NetworkError(`cannot reach ${url.host}: ${err?.message ?? String(e)}`, code, { cause: e });
}

/** The standard reason phrase for a status, used when a server sends none. */
export function standardReason(status: number): string {
  return STATUS_CODES[status] ?? '';
}
