// A bounded, polite HTTP client for one package index: PEP 691 content negotiation, conditional
// requests, a concurrency limit, backoff on errors and on 429/503 with Retry-After, a User-Agent
// that says who we are, timeouts, byte caps on every body (also after gzip), and redirects followed
// only within the origin asked. Everything that touches the world (transport, clock, sleep, jitter,
// semaphore) is injected so tests are fast and deterministic.

import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../errors.ts';
import { IndexFormatError, IndexHttpError, IndexNetworkError, IndexRedirectError, IndexTooLargeError } from './errors.ts';
import { contentLength, decodeBody, nodeHttpFetch, readBounded, type HttpFetch, type HttpResponse } from './http.ts';
import { parseJsonApi, type JsonApiProject } from './jsonapi.ts';
import { normalizeProjectName, projectNameProblem } from './names.ts';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableCode, isRetryableStatus, parseRetryAfter, type BackoffPolicy } from './retry.ts';
import { createSemaphore, type Semaphore } from './semaphore.ts';
import { parseSimpleIndex, parseSimpleProject, type SimpleIndex, type SimpleProject } from './simple.ts';
import { isLoopback, resolveIndexUrl, type IndexUrls } from './url.ts';

/** PEP 691 negotiation: JSON preferred, HTML accepted. */
export const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, text/html;q=0.1';

/** Where to send people who want to know what is fetching their index. */
export const DEFAULT_CONTACT_URL = 'https://www.npmjs.com/package/distsum';

/** Byte caps. */
export interface ClientLimits {
  /** The `/simple/` project list (PyPI's is tens of MiB). */
  maxListBytes: number;
  /** One project page. */
  maxPageBytes: number;
  /** One JSON API document. */
  maxJsonApiBytes: number;
  /** A downloaded file whose size the index did not state. */
  maxDownloadBytes: number;
}

/** Defaults: 64 MiB list, 16 MiB page, 64 MiB JSON API document, 16 GiB file. */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  maxListBytes: 64 << 20,
  maxPageBytes: 16 << 20,
  maxJsonApiBytes: 64 << 20,
  maxDownloadBytes: 16 * 2 ** 30,
};

/** How to build a client. Only `indexUrl` and `version` are required. */
export interface IndexClientOptions {
  /** The index as users write it (see resolveIndexUrl). */
  indexUrl: string;
  /** distsum's version, for the User-Agent. */
  version: string;
  /** URL in the User-Agent; DEFAULT_CONTACT_URL if not given. */
  contactUrl?: string;
  /** Allow plain http to a non-loopback index (and to file URLs). */
  allowHttp?: boolean;
  /** Whether the index serves the PyPI JSON API (default: pypi.org and test.pypi.org do). */
  jsonApi?: boolean;
  fetch?: HttpFetch;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch (for HTTP-date Retry-After). */
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Shared limit on requests in flight; default 4 for this client alone. */
  semaphore?: Semaphore;
  backoff?: Partial<BackoffPolicy>;
  /** No byte for this long fails the attempt (retried). Default 30 s. */
  idleTimeoutMs?: number;
  /** A page (not a file download) must arrive within this. Default 5 min. */
  pageTimeoutMs?: number;
  maxRedirects?: number;
  limits?: Partial<ClientLimits>;
}

/** Cache validators of a response, to send back in a conditional request. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** A fetched and parsed document. `url` is the final URL (after same-origin redirects). */
export interface Fetched<T> {
  notModified: false;
  value: T;
  url: string;
  validators: Validators;
  /** The X-PyPI-Last-Serial header, when the index sends a valid one. */
  lastSerial?: number;
}

/** The answer to a conditional request: the document is as it was. */
export interface NotModified {
  notModified: true;
  url: string;
  validators: Validators;
}

/** A conditional request's result. */
export type Conditional<T> = Fetched<T> | NotModified;

/** What downloadFile saw. */
export interface Downloaded {
  size: number;
  url: string;
}

/** A client for one index. */
export interface IndexClient {
  readonly urls: IndexUrls;
  readonly userAgent: string;
  /** `/simple/`, JSON preferred. With `cond`, may answer NotModified. */
  getProjectList(cond?: Validators): Promise<Conditional<SimpleIndex>>;
  /** `/simple/<normalized name>/`. The page must be for that project (IndexFormatError otherwise). */
  getProject(name: string, cond?: Validators): Promise<Conditional<SimpleProject>>;
  /** `/pypi/<name>/json`, or `/pypi/<name>/<version>/json`. UsageError when the index has no JSON API. */
  getJsonApi(name: string, version?: string): Promise<Fetched<JsonApiProject>>;
  /**
   * Streams the file at `url` (any http(s) origin; redirects only within it) to `onChunk` in order,
   * awaiting each call. At most `expectedSize` bytes when given (else maxDownloadBytes): more throws
   * IndexTooLargeError. Retried only while no byte has been handed to `onChunk`.
   */
  downloadFile(url: string, onChunk: (chunk: Uint8Array) => void | Promise<void>, opts?: { expectedSize?: number }): Promise<Downloaded>;
}

/** `distsum/<version> (+<contact>)`. Throws UsageError for a version that is not header-safe. */
export function userAgent(version: string, contactUrl: string = DEFAULT_CONTACT_URL): string {
  if (!/^[A-Za-z0-9._+-]{1,64}$/.test(version)) throw new UsageError(`${JSON.stringify(version.slice(0, 80))} is not a version for the User-Agent`);
  if (!/^https?:\/\/[\x21-\x7e]{1,200}$/.test(contactUrl) || /[()]/.test(contactUrl)) throw new UsageError(`${JSON.stringify(contactUrl.slice(0, 80))} is not a contact URL for the User-Agent`);
  return `distsum/${version} (+${contactUrl})`;
}

// One exchange's outcome, before parsing.
interface Exchange {
  notModified: boolean;
  body: Buffer;
  url: string;
  res: HttpResponse;
}

/** A client for `opts.indexUrl`; see IndexClientOptions for what can be injected. */
export function createIndexClient(opts: IndexClientOptions): IndexClient {
  const urls = resolveIndexUrl(opts.indexUrl, { allowHttp: opts.allowHttp, jsonApi: opts.jsonApi });
  const ua = userAgent(opts.version, opts.contactUrl);
  const fetch = opts.fetch ?? nodeHttpFetch();
  const sleep = opts.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const semaphore = opts.semaphore ?? createSemaphore(4);
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const pageTimeoutMs = opts.pageTimeoutMs ?? 300_000;
  const maxRedirects = opts.maxRedirects ?? 5;
  const limits: ClientLimits = { ...DEFAULT_CLIENT_LIMITS, ...opts.limits };

  // Retries `attempt` on retryable failures, with the backoff policy; never holds a permit while
  // sleeping. `mayRetry` lets a download stop retrying once bytes have been handed on.
  async function withRetries<T>(attempt: () => Promise<T>, mayRetry: () => boolean = () => true): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (e) {
        const retryAfter = retryable(e);
        if (retryAfter === false || retry >= policy.maxRetries || !mayRetry()) throw e;
        await sleep(backoffDelay(policy, retry + 1, random, retryAfter));
      }
    }
  }

  // undefined: retry after backoff; a number: retry after that (Retry-After); false: do not retry.
  function retryable(e: unknown): number | undefined | false {
    if (e instanceof IndexHttpError) return isRetryableStatus(e.status) ? e.retryAfterMs : false;
    if (e instanceof IndexNetworkError) return isRetryableCode(e.code) ? undefined : false;
    return false;
  }

  // One request following same-origin redirects; `consume` reads a 200 body while the permit and
  // the timers are held. Statuses other than 200 (and 304 when `conditional`) throw IndexHttpError.
  async function exchange<T>(
    start: URL,
    headers: Record<string, string>,
    conditional: boolean,
    deadlineMs: number | undefined,
    consume: (res: HttpResponse, url: string, touch: () => void) => Promise<T>,
  ): Promise<{ notModified: true; url: string; res: HttpResponse } | { notModified: false; url: string; res: HttpResponse; value: T }> {
    let current = start;
    for (let hop = 0; ; hop++) {
      const release = await semaphore.acquire();
      const ctl = new AbortController();
      let idle: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      let timedOut = false;
      const fire = () => {
        timedOut = true;
        ctl.abort();
      };
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(fire, idleTimeoutMs);
      };
      let finished = false;
      const url = current.href;
      try {
        touch();
        if (deadlineMs !== undefined) deadline = setTimeout(fire, deadlineMs);
        const res = await fetch({ url: current, headers: { ...headers, 'user-agent': ua }, signal: ctl.signal });
        touch();
        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          const location = res.header('location');
          if (res.status !== 301 && res.status !== 302 && res.status !== 303 && res.status !== 307 && res.status !== 308) {
            throw new IndexHttpError(res.status, url);
          }
          current = redirectTarget(current, start, location, hop);
          continue;
        }
        if (res.status === 304) {
          if (!conditional) throw new IndexHttpError(304, url, 'Not Modified to a request that was not conditional');
          // A 304 has no body; reading its (empty) end keeps the connection reusable.
          await readBounded(res, 64 << 10, url, touch);
          finished = true;
          return { notModified: true, url, res };
        }
        if (res.status !== 200) {
          throw new IndexHttpError(res.status, url, undefined, parseRetryAfter(res.header('retry-after'), now()));
        }
        const value = await consume(res, url, touch);
        finished = true;
        return { notModified: false, url, res, value };
      } catch (e) {
        throw transportError(e, url, timedOut);
      } finally {
        clearTimeout(idle);
        clearTimeout(deadline);
        // A body we did not read to the end: drop the connection rather than download the rest.
        if (!finished) ctl.abort();
        release();
      }
    }
  }

  function redirectTarget(current: URL, start: URL, location: string | undefined, hop: number): URL {
    if (location === undefined || location.trim() === '') throw new IndexRedirectError(current.href, undefined, 'the redirect has no Location');
    if (hop >= maxRedirects) throw new IndexRedirectError(current.href, location, `more than ${maxRedirects} redirects`);
    let next: URL;
    try {
      next = new URL(location.trim(), current);
    } catch {
      throw new IndexRedirectError(current.href, location, 'the Location is not a URL');
    }
    if (next.origin !== start.origin) throw new IndexRedirectError(current.href, location, `only redirects within ${start.origin} are followed`);
    next.hash = '';
    return next;
  }

  // Fetches a page (simple or JSON API) into memory, capped before and after decoding.
  async function getPage(url: URL, accept: string, maxBytes: number, cond: Validators | undefined): Promise<Exchange> {
    const headers: Record<string, string> = { accept, 'accept-encoding': 'gzip, deflate' };
    if (cond?.etag) headers['if-none-match'] = cond.etag;
    if (cond?.lastModified) headers['if-modified-since'] = cond.lastModified;
    const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
    const r = await withRetries(() =>
      exchange(url, headers, conditional, pageTimeoutMs, async (res, at, touch) => {
        const raw = await readBounded(res, maxBytes, at, touch);
        return decodeBody(raw, res.header('content-encoding'), maxBytes, at);
      }),
    );
    return { notModified: r.notModified, body: r.notModified ? Buffer.alloc(0) : r.value, url: r.url, res: r.res };
  }

  function result<T>(ex: Exchange, parse: () => T): Conditional<T> {
    const validators: Validators = {};
    const etag = ex.res.header('etag');
    const lastModified = ex.res.header('last-modified');
    if (etag) validators.etag = etag;
    if (lastModified) validators.lastModified = lastModified;
    if (ex.notModified) return { notModified: true, url: ex.url, validators };
    const out: Fetched<T> = { notModified: false, value: parse(), url: ex.url, validators };
    const serial = ex.res.header('x-pypi-last-serial')?.trim();
    if (serial !== undefined && /^[0-9]{1,15}$/.test(serial)) out.lastSerial = Number(serial);
    return out;
  }

  function checkName(name: string): string {
    const problem = projectNameProblem(name);
    if (problem) throw new UsageError(`cannot fetch ${JSON.stringify(name.slice(0, 100))} from ${urls.simple}: ${problem}`);
    return normalizeProjectName(name);
  }

  function checkFileUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new IndexFormatError(JSON.stringify(url.slice(0, 200)), 'not a file URL');
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && (opts.allowHttp || isLoopback(u.hostname)))) {
      throw new IndexFormatError(url, 'refusing to download a file other than over https');
    }
    if (u.username || u.password) throw new IndexFormatError(url, 'the file URL carries credentials');
    u.hash = '';
    return u;
  }

  return {
    urls,
    userAgent: ua,

    async getProjectList(cond) {
      const ex = await getPage(new URL(urls.simple), SIMPLE_ACCEPT, limits.maxListBytes, cond);
      return result(ex, () => parseSimpleIndex(ex.body, ex.res.header('content-type') ?? '', ex.url));
    },

    async getProject(name, cond) {
      const normalized = checkName(name);
      const ex = await getPage(new URL(`${urls.simple}${normalized}/`), SIMPLE_ACCEPT, limits.maxPageBytes, cond);
      return result(ex, () => {
        const project = parseSimpleProject(ex.body, ex.res.header('content-type') ?? '', ex.url);
        if (project.normalizedName !== normalized) throw new IndexFormatError(ex.url, `the page is for ${project.normalizedName}, not ${normalized}`);
        return project;
      });
    },

    async getJsonApi(name, version) {
      const normalized = checkName(name);
      if (!urls.jsonApi) throw new UsageError(`${urls.base} does not serve the PyPI JSON API (only pypi.org does; pass jsonApi to say another index does)`);
      if (version !== undefined && (!/^[A-Za-z0-9._+!-]{1,256}$/.test(version) || /^\.+$/.test(version))) {
        throw new UsageError(`${JSON.stringify(version.slice(0, 100))} is not a version to ask ${urls.jsonApi} about`);
      }
      const path = version === undefined ? `${normalized}/json` : `${normalized}/${encodeURIComponent(version)}/json`;
      const ex = await getPage(new URL(`${urls.jsonApi}${path}`), 'application/json', limits.maxJsonApiBytes, undefined);
      const r = result(ex, () => {
        const type = (ex.res.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'application/json') throw new IndexFormatError(ex.url, `unexpected content type ${JSON.stringify(type.slice(0, 100))} for the JSON API`);
        const project = parseJsonApi(ex.body, ex.url);
        if (project.normalizedName !== normalized) throw new IndexFormatError(ex.url, `the document is for ${project.normalizedName}, not ${normalized}`);
        return project;
      });
      if (r.notModified) throw new IndexHttpError(304, ex.url, 'Not Modified to a request that was not conditional');
      return r;
    },

    async downloadFile(url, onChunk, dlOpts = {}) {
      const start = checkFileUrl(url);
      const expected = dlOpts.expectedSize;
      if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) throw new UsageError(`expected size ${expected} is not a byte count`);
      const cap = expected ?? limits.maxDownloadBytes;
      let delivered = false;
      // An error thrown by onChunk is the caller's: it must reach the caller as it is.
      let callerError: { error: unknown } | undefined;
      const r = await withRetries(
        () =>
          exchange(start, { accept: '*/*', 'accept-encoding': 'identity' }, false, undefined, async (res, at, touch) => {
            const enc = (res.header('content-encoding') ?? '').trim().toLowerCase();
            if (enc !== '' && enc !== 'identity') throw new IndexFormatError(at, `the file was sent with Content-Encoding ${JSON.stringify(enc.slice(0, 40))}; its bytes would not be the file's`);
            const declared = contentLength(res);
            if (declared !== undefined && declared > cap) throw new IndexTooLargeError(at, cap, expected !== undefined ? 'file (larger than the size the index states)' : 'file');
            let size = 0;
            for await (const chunk of res.body) {
              size += chunk.length;
              if (size > cap) throw new IndexTooLargeError(at, cap, expected !== undefined ? 'file (larger than the size the index states)' : 'file');
              delivered = true;
              touch();
              try {
                await onChunk(chunk);
              } catch (error) {
                callerError = { error };
                throw error;
              }
              touch();
            }
            return size;
          }),
        () => !delivered,
      ).catch((e: unknown) => {
        throw callerError ? callerError.error : e;
      });
      if (r.notModified) throw new IndexHttpError(304, r.url);
      return { size: r.value, url: r.url };
    },
  };
}

// Errors from the transport become IndexNetworkError; our own typed errors pass through.
function transportError(e: unknown, url: string, timedOut: boolean): unknown {
  if (timedOut) return new IndexNetworkError(url, 'ETIMEDOUT', 'the index did not answer in time', { cause: e, timedOut: true });
  if (e instanceof IndexHttpError || e instanceof IndexFormatError || e instanceof IndexTooLargeError || e instanceof IndexRedirectError || e instanceof IndexNetworkError || e instanceof UsageError) return e;
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  return new IndexNetworkError(url, typeof code === 'string' ? code : 'ERR_NETWORK', message, { cause: e });
}
