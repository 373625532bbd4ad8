// Errors that carry the HTTP status of the response they become. Messages are one line a client
// can act on; they are shown to whoever made the request, so they never include stack traces,
// file system paths or secrets.

import { InputError } from '../errors.ts';

/** An error answered with `status` and its message. */
export class HttpError extends InputError {
  readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 414 | 415 | 503;
  constructor(status: HttpError['status'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** 400: the request is malformed (bad path, bad parameter). */
export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** 404: the thing asked for is not in the log (yet). */
export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}
