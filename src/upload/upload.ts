// Uploading one distribution file to the legacy API: build the streamed multipart body, POST it with
// Basic auth, and act on the answer: success, "already exists" (with --skip-existing, checked against
// the index's JSON API before and after), a refused redirect, bounded retries of 5xx / broken
// connections, or an error carrying the index's reason.

import { CheckError, InputError, UsageError } from '../errors.ts';
import { compareWithIndex, type ExistingFile } from './existing.ts';
import type { FormPart } from './multipart.ts';
import { NetworkError, type HttpRequestOptions, type HttpResponse, type TlsOptions } from './http.ts';
import { buildMultipart, FileChangedError, multipartProducer, newBoundary } from './multipart.ts';
import { adviceFor, bodyText, classifyResponse, isAlreadyExists, oneLine } from './response.ts';
import { isRetryableNetworkCode, retryDelay, type RetryPolicy } from './retry.ts';
import { assertCredentialsAllowed, sanitizeUrl } from './transport.ts';

/** A file ready to upload: what the form says about it, and where its bytes are. */
export interface PreparedUpload {
  path: string;
  filename: string;
  size: number;
  /** PEP 503 normalized project name and the version, for the JSON API lookup. */
  project: string;
  version: string;
  sha256: string;
  form: FormPart[];
}

/** Where and how to upload. */
export interface UploadSettings {
  url: URL;
  username?: string;
  password?: string;
  tls?: TlsOptions;
  skipExisting: boolean;
  retry: RetryPolicy;
  userAgent: string;
  timeoutMs?: number;
}

/** Where upload progress goes: bytes as they are handed to the connection, then stop. */
export interface ProgressSink {
  add(n: number): void;
  stop(): void;
}

/** The outside world, injected. */
export interface UploadDeps {
  send: (o: HttpRequestOptions) => Promise<HttpResponse>;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  randomBytes: (n: number) => Uint8Array;
  /** Status lines for the user (stderr). */
  log: (line: string) => void;
  /** Response details for --verbose (requests are logged by `send`); undefined when not verbose. */
  verbose?: (line: string) => void;
  /** A progress sink for one file's bytes. */
  progress: (filename: string, total: number) => ProgressSink;
}

/** How one file ended. */
export type UploadResult =
  | { status: 'uploaded'; attempts: number }
  | { status: 'skipped'; existing: Exclude<ExistingFile, { kind: 'different' }>; reason: string };

/** The Authorization header for user name and password; none when both are empty (anonymous upload). */
export function basicAuth(username: string | undefined, password: string | undefined): string | undefined {
  if (!username && !password) return undefined;
  return 'Basic ' + Buffer.from(`${username ?? ''}:${password ?? ''}`, 'utf8').toString('base64');
}

/**
 * Uploads one file. Resolves when the index holds it (uploaded, or skipped as already there); throws a
 * typed error otherwise: SecurityError before sending credentials over plain HTTP to a non-loopback host,
 * UsageError for a redirect (never followed), CheckError for a refusal, exhausted retries, or a skipped
 * file whose copy on the index differs from ours.
 */
export async function uploadFile(file: PreparedUpload, s: UploadSettings, deps: UploadDeps): Promise<UploadResult> {
  const auth = basicAuth(s.username, s.password);
  if (auth) assertCredentialsAllowed(s.url, 'the password or API token');
  const where = sanitizeUrl(s.url);

  // --skip-existing asks the index's JSON API first (as twine does for PyPI): a file it already holds
  // is not sent again, and one it holds with other contents is an error, not a skip.
  if (s.skipExisting) {
    const before = await compareWithIndex(deps.send, s.url, file, s.tls);
    if (before.kind === 'identical') return { status: 'skipped', existing: before, reason: 'listed by the JSON API' };
    if (before.kind === 'different') throw differentFile(file, before.sha256);
  }

  for (let attempt = 1; ; attempt++) {
    const retriesLeft = attempt <= s.retry.maxRetries;
    const body = buildMultipart(newBoundary(deps.randomBytes), file.form, {
      name: 'content',
      filename: file.filename,
      contentType: 'application/octet-stream',
      path: file.path,
      size: file.size,
    });
    const bar = deps.progress(file.filename, body.length);
    const producer = multipartProducer(body, (n) => bar.add(n));
    let res: HttpResponse;
    try {
      res = await deps.send({
        method: 'POST',
        url: s.url,
        headers: {
          'content-type': body.contentType,
          'user-agent': s.userAgent,
          accept: '*/*',
          ...(auth ? { authorization: auth } : {}),
        },
        body: producer,
        contentLength: body.length,
        tls: s.tls,
        timeoutMs: s.timeoutMs,
        maxBodyBytes: 256 * 1024,
      });
    } catch (e) {
      if (e instanceof FileChangedError) throw new InputError(`${file.path} changed while it was being uploaded; rebuild it and upload again`);
      if (e instanceof NetworkError) {
        deps.verbose?.(`network error: ${e.code} ${e.message}`);
        if (retriesLeft && isRetryableNetworkCode(e.code)) {
          const ms = retryDelay(s.retry, attempt, deps.random);
          deps.log(`Upload of ${file.filename} failed (${e.message}); retry ${attempt} of ${s.retry.maxRetries} in ${formatSeconds(ms)}`);
          await deps.sleep(ms);
          continue;
        }
        throw new CheckError(`upload of ${file.filename} failed: ${networkAdvice(e)}`, { cause: e });
      }
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code) throw new InputError(`cannot read ${file.path}: ${code}`, { cause: e });
      throw e;
    } finally {
      bar.stop();
    }
    const text = bodyText(res).trim();
    if (text) deps.verbose?.(`response body: ${oneLine(text, 2000)}`);

    const outcome = classifyResponse(res, { skipExisting: s.skipExisting });
    switch (outcome.kind) {
      case 'ok':
        return { status: 'uploaded', attempts: attempt };
      case 'redirect': {
        const target = resolveLocation(outcome.location, s.url);
        throw new UsageError(
          `${where} redirected the upload to ${target} (${outcome.status}); redirects are never followed. If you trust ${target}, use it as the repository URL (--repository-url)`,
        );
      }
      case 'exists': {
        const existing = await compareWithIndex(deps.send, s.url, file, s.tls);
        if (existing.kind === 'different') throw differentFile(file, existing.sha256);
        return { status: 'skipped', existing, reason: outcome.reason };
      }
      case 'retry': {
        if (retriesLeft) {
          const ms = retryDelay(s.retry, attempt, deps.random, outcome.retryAfterMs);
          deps.log(`Received "${outcome.status} ${outcome.reason}" for ${file.filename}; retry ${attempt} of ${s.retry.maxRetries} in ${formatSeconds(ms)}`);
          await deps.sleep(ms);
          continue;
        }
        throw new CheckError(`upload of ${file.filename} failed after ${attempt} attempts: ${outcome.status} ${outcome.reason}`);
      }
      case 'error': {
        const advice = isAlreadyExists(res)
          ? 'a file of this name is already on the index; --skip-existing skips it if it is identical'
          : adviceFor(outcome.status, s.url);
        throw new CheckError(`upload of ${file.filename} failed: ${outcome.status} ${outcome.reason}${advice ? ` (${advice})` : ''}`);
      }
    }
  }
}

function differentFile(file: PreparedUpload, indexSha256: string): CheckError {
  return new CheckError(
    `${file.filename} already exists on the index with different contents (index sha256 ${indexSha256}, ours ${file.sha256}); a file name can be used only once — build a new version`,
  );
}

function resolveLocation(location: string, base: URL): string {
  if (!location) return '(no Location header)';
  try {
    return sanitizeUrl(new URL(location, base));
  } catch {
    return oneLine(location, 200);
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A network error in one line, with a hint for certificate problems. */
export function networkAdvice(e: NetworkError): string {
  if (TLS_CODES.has(e.code)) return `${e.message} (the server's certificate is not trusted; for a private CA pass --cert or set TWINE_CERT)`;
  return e.message;
}
