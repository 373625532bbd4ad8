// Binding the application to a TCP port and letting go of it gracefully: stop accepting, let
// requests in progress finish (closing idle keep-alive connections as they become idle), and cut
// off whatever is still open after the grace period.

import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InputError, UsageError } from '../errors.ts';
import type { Listener } from './fastpath.ts';
import { front } from './front.ts';
import type { Front, FrontRoute } from './front.ts';

/**
 * What a server answers with: `front` answers plain GET and HEAD requests straight from the
 * connection (front.ts); Node's server and `listener` get connections the front hands over.
 */
export interface Handlers {
  front: FrontRoute;
  listener: Listener;
  /** Idle timeout of the front's connections (front.ts IDLE_TIMEOUT_MS by default). */
  idleMs?: number;
}

/** A listening HTTP server. */
export interface Listening {
  /** Base URL, e.g. http://127.0.0.1:8080 (the port actually bound when 0 was asked). */
  url: string;
  port: number;
  /** Stops accepting, waits up to `graceMs` for requests in progress, then closes every connection. */
  stop(graceMs: number): Promise<void>;
}

/** Time a client has to send a whole request (headers and body). */
const REQUEST_TIMEOUT_MS = 60_000;

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The one-line reason a listen failed, naming the address and what to do. */
export function listenProblem(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (e.code === 'EADDRINUSE') return new UsageError(`cannot listen on ${where}: the address is already in use (another server runs there; pick another --port)`);
  if (e.code === 'EACCES') return new UsageError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges; pick another --port)`);
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') return new UsageError(`cannot listen on ${where}: no such local address (check --host)`);
  return new InputError(`cannot listen on ${where}: ${e.message}`);
}

/** Serves `handler` on host:port (0 picks a free port). Rejects with a UsageError when the port cannot be bound. */
export function listen(handler: Listener | Handlers, host: string, port: number): Promise<Listening> {
  const server = createServer(typeof handler === 'function' ? handler : handler.listener);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  let raw: Front | undefined;
  if (typeof handler !== 'function') {
    // Node's own connection handler, kept for the connections the front hands over.
    const [nodeConnection] = server.listeners('connection') as ((s: Socket) => void)[];
    server.removeAllListeners('connection');
    raw = front(handler.front, (socket, unread) => {
      nodeConnection.call(server, socket);
      // Node's parser reads what arrives from now on; what the front read but did not answer
      // comes first, before any new data can arrive (same tick).
      if (unread.length > 0) socket.emit('data', unread);
      socket.resume();
    }, { idleMs: handler.idleMs });
    server.on('connection', raw.accept);
  }
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(listenProblem(e, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const bound = (server.address() as AddressInfo).port;
      let stopping: Promise<void> | undefined;
      resolve({
        url: `http://${hostForUrl(host)}:${bound}`,
        port: bound,
        stop(graceMs) {
          stopping ??= new Promise<void>((done) => {
            // Node closes connections that are idle when close() is called; keep closing the ones
            // that become idle after answering, and cut the rest off at the deadline.
            const sweep = setInterval(() => {
              server.closeIdleConnections();
              raw?.closeIdle();
            }, 50);
            const deadline = setTimeout(() => {
              server.closeAllConnections();
              raw?.closeAll();
            }, graceMs);
            raw?.closeIdle();
            server.close(() => {
              clearInterval(sweep);
              clearTimeout(deadline);
              done();
            });
          });
          return stopping;
        },
      });
    });
  });
}
