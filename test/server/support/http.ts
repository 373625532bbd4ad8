// A raw HTTP/1.1 client for server tests (node:http): no automatic decompression, so tests see
// exactly the bytes and headers the server sent.

import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** A response as received. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request to `url` and collects the response. */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; agent?: false } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
