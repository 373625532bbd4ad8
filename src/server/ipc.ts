// Messages between the cluster primary (which holds the log writer) and the workers (which answer
// HTTP): appends and metric collection travel as plain JSON, correlated by id. Errors cross as
// their class name and message and are rebuilt as the same kind of typed error.

import { InputError } from '../errors.ts';
import { StoreIOError } from '../store/errors.ts';
import type { Claim, Outcome } from '../log/sequencer.ts';
import type { MetricsSnapshot } from './metrics.ts';
import { HttpError } from './httperror.ts';

/** A worker's message to the primary. */
export type ToPrimary =
  | { distsum: 'append'; id: number; claims: Claim[] }
  | { distsum: 'metrics'; id: number }
  | { distsum: 'snapshot'; id: number; snapshot: MetricsSnapshot }
  | { distsum: 'ready'; url: string }
  | { distsum: 'fatal'; message: string };

/** The primary's message to a worker. */
export type ToWorker =
  | { distsum: 'append-result'; id: number; outcomes?: Outcome[]; error?: WireError }
  | { distsum: 'metrics-result'; id: number; snapshots: MetricsSnapshot[] }
  | { distsum: 'snapshot-request'; id: number }
  /** The writer committed a batch: the cached latest checkpoint is stale. */
  | { distsum: 'committed' }
  | { distsum: 'shutdown' };

/** An error as it crosses the process boundary. */
export interface WireError {
  name: string;
  message: string;
}

/** True for a message of this protocol (cluster also delivers its own internal messages). */
export function isProtocolMessage(m: unknown): m is { distsum: string } {
  return typeof m === 'object' && m !== null && typeof (m as { distsum?: unknown }).distsum === 'string';
}

/** `e` for the wire. */
export function toWire(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

// Errors of an append that are the input's fault.
const INPUT_ERRORS = new Set(['EntryError', 'InputError', 'UsageError']);

/**
 * The error a worker rethrows for `w`: the store being unavailable stays a StoreIOError (503), a
 * closed writer means the server is shutting down (503), a bad entry is the input's fault (400),
 * anything else (a refused signature, a store conflict) is internal (500).
 */
export function fromWire(w: WireError): Error {
  if (w.name === 'StoreIOError') return new StoreIOError(w.message);
  if (w.message === 'sequencer: closed') return new HttpError(503, 'the log is shutting down; try again shortly');
  if (INPUT_ERRORS.has(w.name)) return new InputError(w.message);
  return new Error(w.message);
}

/** Request/response over a message channel: call() sends with a fresh id and resolves with the reply. */
export interface Rpc {
  call<T>(msg: (id: number) => ToPrimary, timeoutMs?: number): Promise<T>;
  /** Routes a reply to its caller; false when `id` is not pending. */
  settle(id: number, result: { ok: unknown } | { err: Error }): boolean;
  /** Fails every pending call (the channel closed). */
  failAll(e: Error): void;
}

/** An Rpc sending with `send`. */
export function rpc(send: (m: ToPrimary) => void): Rpc {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }>();
  return {
    call<T>(msg: (id: number) => ToPrimary, timeoutMs?: number): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const p: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve: resolve as (v: unknown) => void, reject };
        if (timeoutMs !== undefined) {
          p.timer = setTimeout(() => {
            pending.delete(id);
            reject(new StoreIOError('the server primary did not answer in time'));
          }, timeoutMs);
        }
        pending.set(id, p);
        try {
          send(msg(id));
        } catch (e) {
          pending.delete(id);
          clearTimeout(p.timer);
          reject(e as Error);
        }
      });
    },
    settle(id, result) {
      const p = pending.get(id);
      if (p === undefined) return false;
      pending.delete(id);
      clearTimeout(p.timer);
      if ('ok' in result) p.resolve(result.ok);
      else p.reject(result.err);
      return true;
    },
    failAll(e) {
      for (const [id, p] of pending) {
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(e);
      }
    },
  };
}
