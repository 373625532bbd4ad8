// The admin bearer token that guards writes. Compared in constant time: both sides are hashed to a
// fixed length first, so neither the token's length nor a common prefix shows in the timing.

import { createHash, timingSafeEqual } from 'node:crypto';

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
