// What the follower's index client thread and the main thread say to each other: requests (the
// IndexClient's methods), answers (plain data, which crosses threads as it is), file chunks with
// their acknowledgements, and errors, which cross as plain data and become the same typed errors
// again (class, message and the fields callers branch on), since the follower acts on them.

import type { ClientLimits, Validators } from '../index/client.ts';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from '../index/errors.ts';
import type { BackoffPolicy } from '../index/retry.ts';
import { DistsumError, InputError, SecurityError, UsageError } from '../errors.ts';

/** The settings of an index client that can cross to a thread: IndexClientOptions without functions. */
export interface ClientSettings {
  indexUrl: string;
  version: string;
  contactUrl?: string;
  allowHttp?: boolean;
  jsonApi?: boolean;
  /** Requests in flight at once (the client's semaphore). */
  concurrency: number;
  backoff?: Partial<BackoffPolicy>;
  idleTimeoutMs?: number;
  pageTimeoutMs?: number;
  maxRedirects?: number;
  limits?: Partial<ClientLimits>;
}

/** Main thread to client thread (messages are arrays of these). `ack`/`nack` answer a chunk of download `id`. */
export type WireRequest =
  | { id: number; op: 'list'; cond?: Validators }
  | { id: number; op: 'project'; name: string; cond?: Validators }
  | { id: number; op: 'jsonApi'; name: string; version?: string }
  | { id: number; op: 'download'; url: string; expectedSize?: number }
  | { id: number; op: 'ack' }
  | { id: number; op: 'nack' };

/** Client thread to main thread (messages are arrays of these): the answer to request `id`, or a chunk of its download. */
export type WireReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError } | { id: number; chunk: Uint8Array };

/** An error as plain data. */
export interface WireError {
  cls: string;
  message: string;
  status?: number;
  url?: string;
  retryAfterMs?: number;
  code?: string;
  timedOut?: boolean;
  limit?: number;
  location?: string;
}

/** The plain-data form of `e` (any thrown value). */
export function encodeError(e: unknown): WireError {
  if (!(e instanceof Error)) return { cls: 'Error', message: String(e) };
  const w: WireError = { cls: e instanceof DistsumError ? e.name : 'Error', message: e.message };
  if (e instanceof IndexHttpError) {
    w.status = e.status;
    w.url = e.url;
    if (e.retryAfterMs !== undefined) w.retryAfterMs = e.retryAfterMs;
  } else if (e instanceof IndexNetworkError) {
    w.url = e.url;
    w.code = e.code;
    w.timedOut = e.timedOut;
  } else if (e instanceof IndexTooLargeError) {
    w.url = e.url;
    w.limit = e.limit;
  } else if (e instanceof IndexRedirectError) {
    w.url = e.url;
    if (e.location !== undefined) w.location = e.location;
  }
  return w;
}

/**
 * The error `w` describes: the same class as the original for the index's errors and distsum's
 * own (an unknown class is a plain Error), with the original message and fields.
 */
export function decodeError(w: WireError): Error {
  const e = make(w);
  // Constructors rebuild messages from their parts; the original message is the one to keep.
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true, enumerable: false });
  return e;
}

function make(w: WireError): Error {
  const url = w.url ?? '';
  switch (w.cls) {
    case 'IndexHttpError':
      return new IndexHttpError(w.status ?? 0, url, undefined, w.retryAfterMs);
    case 'IndexNetworkError':
      return new IndexNetworkError(url, w.code ?? 'ERR_NETWORK', w.message, { timedOut: w.timedOut === true });
    case 'IndexTooLargeError':
      return new IndexTooLargeError(url, w.limit ?? 0);
    case 'IndexRedirectError':
      return new IndexRedirectError(url, w.location, w.message);
    case 'IndexFormatError':
      return new IndexFormatError(url, w.message);
    case 'UsageError':
      return new UsageError(w.message);
    case 'InputError':
      return new InputError(w.message);
    case 'SecurityError':
      return new SecurityError(w.message);
    default:
      return new Error(w.message);
  }
}
