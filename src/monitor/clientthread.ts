// The follower's index client in a worker thread. HTTP and the parsing of pages are most of a
// backfill's CPU; in a thread of their own they use a second core while the main thread writes
// the log, and a long commit on the main thread never leaves the index's connections idle. The
// thread holds the one client, so its concurrency limit, retries and backoff are exactly those of
// the client in the main thread. Answers cross as plain data; errors keep their classes.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createIndexClient, type IndexClient } from '../index/client.ts';
import { createSemaphore } from '../index/semaphore.ts';
import { workerScript, type WorkerScript } from '../workerscript.ts';
import { decodeError, type ClientSettings, type WireReply, type WireRequest } from './clientwire.ts';

/** The client thread died or was closed: no request can be answered (not the index's fault). */
export class ClientThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientThreadError';
  }
}

/** An index client that may run in a thread: close() ends the thread. */
export interface ClosableClient extends IndexClient {
  /** Whether requests run in a worker thread. */
  readonly threaded: boolean;
  /** Ends the thread (requests still waiting reject). Idempotent. */
  close(): Promise<void>;
}

/**
 * The client thread's script for code loaded from `moduleUrl`: client-worker.js beside the esbuild
 * bundle (scripts/build.mjs emits it as an entry point), or client-worker.ts from source.
 * Null when a bundle lacks it: the client then runs in the calling thread.
 */
export function clientWorkerScript(moduleUrl: string = import.meta.url): WorkerScript | null {
  const s = workerScript('./client-worker.js', './client-worker.ts', moduleUrl);
  if (s.url.protocol === 'file:' && !existsSync(fileURLToPath(s.url))) return null;
  return s;
}

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onChunk?: (chunk: Uint8Array) => void | Promise<void>;
  /** What the caller's onChunk threw: the download fails with it, as it is. */
  callerError?: { e: unknown };
}

/**
 * An index client for `settings` whose requests run in a worker thread started on the first
 * request (`script`; with null, the client runs in this thread). The settings are checked at
 * once, as createIndexClient checks them. Every method behaves as the in-thread client's: same
 * answers, same error classes and fields; a download's `onChunk` runs here, one chunk at a time.
 * If the thread dies, waiting and later requests reject with a ClientThreadError.
 */
export function indexClientThread(settings: ClientSettings, script: WorkerScript | null = clientWorkerScript()): ClosableClient {
  // Checks the settings and gives urls and userAgent; in this thread it also serves without a script.
  const local = createIndexClient({ ...settings, semaphore: createSemaphore(settings.concurrency) });
  if (script === null) return { ...local, threaded: false, close: async () => undefined };
  const waiting = new Map<number, Waiting>();
  let worker: Worker | undefined;
  let nextId = 1;
  let failure: Error | undefined;
  let closed = false;

  function fail(e: Error): void {
    failure ??= e;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  }

  function started(): Worker {
    if (worker) return worker;
    const w = new Worker(script!.url, { workerData: settings, execArgv: script!.execArgv });
    w.on('message', (rs: WireReply[]) => {
      for (const r of rs) receive(r);
    });
    w.on('messageerror', (e) => fail(new ClientThreadError(`the index client thread sent an unreadable answer: ${e.message}`)));
    w.on('error', (e) => fail(new ClientThreadError(`the index client thread failed: ${e.message}`)));
    w.on('exit', (code) => fail(new ClientThreadError(closed ? 'the index client was closed' : `the index client thread exited (code ${code})`)));
    worker = w;
    return w;
  }

  // Requests go out in batches, one message per turn of the event loop (as replies come back).
  let outbox: WireRequest[] = [];
  function post(req: WireRequest): void {
    if (outbox.length === 0) setImmediate(flush);
    outbox.push(req);
  }
  function flush(): void {
    const batch = outbox;
    outbox = [];
    if (!failure) worker!.postMessage(batch);
  }

  function receive(r: WireReply): void {
    const p = waiting.get(r.id);
    if (p === undefined) return;
    if ('chunk' in r) {
      Promise.resolve()
        .then(() => p.onChunk!(r.chunk))
        .then(
          () => post({ id: r.id, op: 'ack' }),
          (e: unknown) => {
            p.callerError = { e };
            post({ id: r.id, op: 'nack' });
          },
        );
      return;
    }
    waiting.delete(r.id);
    // An idle thread must not keep the process alive; one with requests in flight must.
    if (waiting.size === 0) worker!.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(p.callerError ? p.callerError.e : decodeError(r.error));
  }

  function call<T>(req: WireRequest, onChunk?: Waiting['onChunk']): Promise<T> {
    if (closed) return Promise.reject(new ClientThreadError('the index client was closed'));
    if (failure) return Promise.reject(failure);
    let w: Worker;
    try {
      w = started();
    } catch (e) {
      fail(new ClientThreadError(`the index client thread could not start: ${e instanceof Error ? e.message : String(e)}`));
      return Promise.reject(failure);
    }
    return new Promise<T>((resolve, reject) => {
      waiting.set(req.id, { resolve: resolve as (v: unknown) => void, reject, onChunk });
      w.ref();
      post(req);
    });
  }

  return {
    urls: local.urls,
    userAgent: local.userAgent,
    threaded: true,
    getProjectList: (cond) => call({ id: nextId++, op: 'list', cond }),
    getProject: (name, cond) => call({ id: nextId++, op: 'project', name, cond }),
    getJsonApi: (name, version) => call({ id: nextId++, op: 'jsonApi', name, version }),
    downloadFile: (url, onChunk, opts = {}) => call({ id: nextId++, op: 'download', url, expectedSize: opts.expectedSize }, onChunk),
    async close() {
      if (closed) return;
      closed = true;
      fail(new ClientThreadError('the index client was closed'));
      await worker?.terminate();
    },
  };
}
