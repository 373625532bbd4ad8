// The admin bearer token that guards writes. Compared in constant time: both sides are hashed to a
// fixed length first, so neither the token's length nor a common prefix shows in the timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './httperror.ts';

/** Longest Authorization header value considered (a token is ~43 characters). */
export const MAX_AUTHORIZATION = 1024;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * True when `authorization` (the header value) is `Bearer <token>` with exactly `token`. The scheme
 * is case-insensitive (RFC 7235); an empty `token` never matches.
 */
export function bearerMatches(authorization: string | undefined | null, token: string): boolean {
  if (token.length === 0 || typeof authorization !== 'string' || authorization.length > MAX_AUTHORIZATION) return false;
  const m = /^bearer +(\S+) *$/i.exec(authorization);
  if (m === null) return false;
  return timingSafeEqual(digest(m[1]), digest(token));
}

/** The parts of a request context checkAdmin uses (a Hono Context has them). */
export interface AdminRequest {
  req: { header(name: string): string | undefined };
  header(name: string, value: string): void;
}

/**
 * Returns when request `c` carries the admin token. Otherwise throws the HttpError: 405 (`readOnly`
 * says why) when this server has no admin token, 401 when the Authorization header is missing or
 * not the admin token, after setting the WWW-Authenticate challenge on `c`.
 */
export function checkAdmin(c: AdminRequest, token: string | undefined, readOnly: string): void {
  if (token === undefined) throw new HttpError(405, readOnly);
  const authorization = c.req.header('authorization');
  if (!bearerMatches(authorization, token)) {
    c.header('www-authenticate', 'Bearer realm="distsum"');
    throw new HttpError(401, authorization === undefined ? 'this request needs Authorization: Bearer <admin token>' : 'the bearer token is not the admin token of this log');
  }
}
