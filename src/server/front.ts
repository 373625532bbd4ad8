// The connection handler in front of Node's HTTP server. Node's http module costs about 20 µs per
// request before any route runs (parser objects, IncomingMessage, ServerResponse, header
// validation), more than answering a cached tile. The front answers the requests log clients make
// all the time (GET and HEAD without a body, HTTP/1.1 keep-alive, pipelined or not) straight from
// the socket. A connection whose next request is anything else (a body, an upgrade, HTTP/1.0,
// Expect, a header the front does not parse strictly) is handed to Node's server with every byte
// not yet answered, and stays there: request framing is never guessed, so a request cannot be
// smuggled past one parser to the other.

import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

/** A request the front answers: GET or HEAD, origin-form target, no body. */
export interface FrontRequest {
  method: 'GET' | 'HEAD';
  /** The request target as sent: a path starting with '/', maybe with a query. */
  target: string;
  /** The Host header (exactly one is required). */
  host: string;
  /** Every header field in order, names lower-cased, values as Latin-1 text (obs-text kept). */
  headers: [string, string][];
  /** The Accept-Encoding field values joined with ', ', or undefined when absent. */
  acceptEncoding: string | undefined;
}

/**
 * An answer. `headers` are complete header lines ('name: value\r\n' each) without Date,
 * Content-Length or connection management, which the front adds. For HEAD the body is not sent;
 * `length` then gives the Content-Length to announce (defaults to the body's length).
 */
export interface FrontResponse {
  status: number;
  headers: string;
  body: Uint8Array | undefined;
  length?: number;
}

/**
 * Answers a request, now or later; undefined hands the connection, this request included, to
 * Node's server. A rejected promise is answered with a 500 and the connection closed.
 */
export type FrontRoute = (req: FrontRequest) => FrontResponse | undefined | Promise<FrontResponse | undefined>;

/** Largest request head (request line and headers), as Node's default max header size. */
export const MAX_HEAD = 16 * 1024;

/** Most header fields in one request head. */
export const MAX_HEADER_FIELDS = 100;

/** How long a connection may stay idle (between requests, or within a request head). */
export const IDLE_TIMEOUT_MS = 5_000;

/** Longest time a request head may take to arrive in full (Node's headersTimeout). */
export const HEAD_TIMEOUT_MS = 60_000;

// Pipelined input kept before reading pauses, and unsent output before reading pauses.
const MAX_PENDING_INPUT = 64 * 1024;
const MAX_PENDING_OUTPUT = 1024 * 1024;

const REQUEST_LINE = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
// field-name: token; field-value: visible characters, spaces, tabs and obs-text (RFC 9110 5.5).
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*$/;
// Fields that change how the rest of the connection is framed or handled: Node's server decides.
const HAND_OFF_FIELDS = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

/** A parsed head the front answers, with whether the client asked to close afterwards. */
export interface ParsedHead {
  req: FrontRequest;
  close: boolean;
}

/**
 * Parses a request head (without its final CRLF CRLF) strictly. Returns undefined, meaning "hand
 * to Node's server", for anything but a GET or HEAD in HTTP/1.1 with an origin-form target, exactly
 * one Host, well-formed fields (no obs-fold), no framing fields (Content-Length, Transfer-Encoding),
 * no Upgrade or Expect, and a Connection field of only keep-alive and close.
 */
export function parseHead(head: string): ParsedHead | undefined {
  if (head.length > MAX_HEAD) return undefined;
  const lines = head.split('\r\n');
  const first = REQUEST_LINE.exec(lines[0]);
  if (first === null || lines.length - 1 > MAX_HEADER_FIELDS) return undefined;
  const headers: [string, string][] = [];
  let host: string | undefined;
  let acceptEncoding: string | undefined;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const m = FIELD.exec(lines[i]);
    if (m === null) return undefined;
    const name = m[1].toLowerCase();
    const value = m[2];
    if (HAND_OFF_FIELDS.has(name)) return undefined;
    if (name === 'host') {
      if (host !== undefined) return undefined;
      host = value;
    } else if (name === 'accept-encoding') {
      acceptEncoding = acceptEncoding === undefined ? value : `${acceptEncoding}, ${value}`;
    } else if (name === 'connection') {
      for (const token of value.toLowerCase().split(',')) {
        const t = token.trim();
        if (t === 'close') close = true;
        else if (t !== 'keep-alive' && t !== '') return undefined;
      }
    }
    headers.push([name, value]);
  }
  if (host === undefined) return undefined;
  return { req: { method: first[1] as 'GET' | 'HEAD', target: first[2], host, headers, acceptEncoding }, close };
}

/** The status line and the headers the front adds to every answer. */
function responseHead(res: FrontResponse, date: string, length: number | undefined, close: boolean): string {
  let head = `HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? 'Unknown'}\r\ndate: ${date}\r\n${res.headers}`;
  if (length !== undefined) head += `content-length: ${length}\r\n`;
  if (close) head += 'connection: close\r\n';
  return head + '\r\n';
}

// Statuses that never carry a body (RFC 9110 6.4.1).
const bodiless = (status: number) => status < 200 || status === 204 || status === 304;

/** Connections the front serves. */
export interface Front {
  /** Serves a newly accepted connection. */
  accept(socket: Socket): void;
  /** Closes every connection that is between requests; later ones close after their answer. */
  closeIdle(): void;
  /** Closes every connection the front still serves. */
  closeAll(): void;
}

/**
 * A front answering with `route` and giving connections it does not answer to `handOff` (called
 * with the socket, no longer read by the front, and the bytes read but not answered). `now` gives
 * milliseconds since the epoch, for Date headers and the head timeout; `idleMs` is the idle timeout.
 */
export function front(
  route: FrontRoute,
  handOff: (socket: Socket, unread: Buffer) => void,
  opts: { now?: () => number; idleMs?: number } = {},
): Front {
  const now = opts.now ?? Date.now;
  const idleMs = opts.idleMs ?? IDLE_TIMEOUT_MS;
  const open = new Map<Socket, { idle: () => boolean; end: () => void }>();
  let closing = false;
  let dateSecond = -1;
  let date = '';
  const httpDate = (): string => {
    const s = Math.floor(now() / 1000);
    if (s !== dateSecond) {
      dateSecond = s;
      date = new Date(s * 1000).toUTCString();
    }
    return date;
  };

  function accept(socket: Socket): void {
    let input: Buffer | undefined;
    let busy = false;
    let done = false;
    let headSince = 0;

    const stop = () => {
      done = true;
      open.delete(socket);
      socket.removeListener('data', onData);
      socket.setTimeout(0);
    };
    const give = () => {
      stop();
      socket.removeListener('timeout', onTimeout);
      socket.removeListener('error', onError);
      socket.removeListener('drain', onDrain);
      socket.removeListener('close', stop);
      // Bytes the stream holds while paused are unanswered input too.
      let chunk: Buffer | null;
      const parts = input === undefined ? [] : [input];
      while ((chunk = socket.read() as Buffer | null) !== null) parts.push(chunk);
      input = undefined;
      // Answers written so far go out first, and Node's own writes (an error answer before it
      // destroys the socket) must not sit in a cork.
      while (socket.writableCorked > 0) socket.uncork();
      handOff(socket, parts.length === 1 ? parts[0] : Buffer.concat(parts));
    };
    const onTimeout = () => {
      if (!busy) socket.destroy();
    };
    const onError = () => socket.destroy();
    const onDrain = () => {
      if (!done && !busy) socket.resume();
    };

    const write = (res: FrontResponse, method: string, close: boolean) => {
      const noBody = bodiless(res.status);
      // A HEAD answer whose length is unknown announces none (RFC 9110 8.6 allows that).
      let length = noBody ? undefined : (res.length ?? res.body?.length);
      if (length === undefined && !noBody && method !== 'HEAD') length = 0;
      socket.write(responseHead(res, httpDate(), length, close), 'latin1');
      if (method !== 'HEAD' && !noBody && res.body !== undefined && res.body.length > 0) socket.write(res.body);
    };

    // Answers the complete requests in `input`, in order, until one must wait or be handed off.
    const pump = () => {
      socket.cork();
      try {
        while (!done && !busy && input !== undefined) {
          const end = input.indexOf('\r\n\r\n');
          if (end < 0) {
            // A head without CRLF CRLF that is already too long, or ends in bare LFs, is Node's to judge.
            if (input.length > MAX_HEAD || input.includes('\n\n')) return give();
            if (headSince === 0) headSince = now();
            else if (now() - headSince > HEAD_TIMEOUT_MS) return void socket.destroy();
            break;
          }
          headSince = 0;
          const parsed = end > MAX_HEAD ? undefined : parseHead(input.toString('latin1', 0, end));
          if (parsed === undefined) return give();
          const close = parsed.close;
          const used = end + 4;
          let answer: ReturnType<FrontRoute>;
          try {
            answer = route(parsed.req);
          } catch {
            answer = Promise.reject(new Error('route failed'));
          }
          if (answer === undefined) return give();
          if (answer instanceof Promise) {
            busy = true;
            socket.pause();
            answer.then(
              (res) => {
                busy = false;
                if (done) return;
                if (res === undefined) return give();
                finish(res, parsed.req.method, close, used);
              },
              () => {
                busy = false;
                if (done) return;
                write({ status: 500, headers: 'content-type: text/plain; charset=utf-8\r\n', body: Buffer.from('internal server error\n') }, parsed.req.method, true);
                stop();
                socket.end();
              },
            );
            return;
          }
          if (!consume(answer, parsed.req.method, close, used)) return;
        }
      } finally {
        socket.uncork();
      }
      if (!done && !busy) {
        const full = (input?.length ?? 0) > MAX_PENDING_INPUT || socket.writableLength > MAX_PENDING_OUTPUT;
        if (full) socket.pause();
        else socket.resume();
      }
    };

    // Writes an answer and drops its request from the input; false when the connection ends here.
    const consume = (res: FrontResponse, method: string, asked: boolean, used: number): boolean => {
      // A server stopping closes each connection after the answer it is writing.
      const close = asked || closing;
      write(res, method, close);
      input = used === input!.length ? undefined : input!.subarray(used);
      if (close) {
        stop();
        socket.end();
        return false;
      }
      return true;
    };
    const finish = (res: FrontResponse, method: string, close: boolean, used: number) => {
      socket.cork();
      const more = consume(res, method, close, used);
      socket.uncork();
      if (more) pump();
    };

    function onData(chunk: Buffer): void {
      input = input === undefined ? chunk : Buffer.concat([input, chunk]);
      if (!busy) pump();
      else if (input.length > MAX_PENDING_INPUT) socket.pause();
    }

    open.set(socket, {
      idle: () => !busy && input === undefined,
      end: () => {
        stop();
        socket.end();
      },
    });
    socket.setNoDelay(true);
    socket.setTimeout(idleMs);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
    socket.on('drain', onDrain);
    socket.on('close', stop);
    socket.on('data', onData);
  }

  return {
    accept,
    closeIdle() {
      closing = true;
      for (const s of [...open.values()]) if (s.idle()) s.end();
    },
    closeAll() {
      closing = true;
      for (const socket of open.keys()) socket.destroy();
      open.clear();
    },
  };
}
