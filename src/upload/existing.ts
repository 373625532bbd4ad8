// When an index says a file "already exists", is it OUR file? The index's JSON API
// (`/pypi/<project>/<version>/json`) lists each file's sha256; only an identical file may be skipped
// silently, because the release manifest must describe what the index actually holds.

import type { HttpRequestOptions, HttpResponse, TlsOptions } from './http.ts';
import { PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL } from './pypirc.ts';

/** What the index's copy of a file turned out to be. */
export type ExistingFile =
  | { kind: 'identical' }
  | { kind: 'different'; sha256: string }
  | { kind: 'unknown'; why: string };

/**
 * The base URL of the JSON API that belongs to an upload URL: pypi.org for upload.pypi.org,
 * test.pypi.org for TestPyPI, else the upload URL's origin (where warehouse-like indexes serve it).
 */
export function jsonApiBase(uploadUrl: URL): URL {
  const u = uploadUrl.toString();
  if (u.startsWith(PYPI_UPLOAD_URL)) return new URL('https://pypi.org/');
  if (u.startsWith(TESTPYPI_UPLOAD_URL)) return new URL('https://test.pypi.org/');
  return new URL('/', uploadUrl.origin);
}

/** Largest JSON API document read (a release's page; big projects' descriptions included). */
export const MAX_JSON_API_BYTES = 16 << 20;

/**
 * Looks `filename` up in the index's JSON API for `project` `version` and compares its sha256 with
 * ours. Any failure (no such API, not found, bad JSON, network) is `unknown` with a reason; this lookup
 * never sends credentials.
 */
export async function compareWithIndex(
  send: (o: HttpRequestOptions) => Promise<HttpResponse>,
  uploadUrl: URL,
  file: { project: string; version: string; filename: string; sha256: string },
  tls?: TlsOptions,
): Promise<ExistingFile> {
  const url = new URL(
    `pypi/${encodeURIComponent(file.project)}/${encodeURIComponent(file.version)}/json`,
    jsonApiBase(uploadUrl),
  );
  let res: HttpResponse;
  try {
    res = await send({ method: 'GET', url, headers: { accept: 'application/json' }, maxBodyBytes: MAX_JSON_API_BYTES, timeoutMs: 60_000, tls });
  } catch (e) {
    return { kind: 'unknown', why: (e as Error).message };
  }
  if (res.status !== 200) return { kind: 'unknown', why: `${url.toString()} answered ${res.status}` };
  if (res.truncated) return { kind: 'unknown', why: `${url.toString()} is larger than ${MAX_JSON_API_BYTES} bytes` };
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString('utf8'));
  } catch {
    return { kind: 'unknown', why: `${url.toString()} is not JSON` };
  }
  const urls = (doc as { urls?: unknown })?.urls;
  if (!Array.isArray(urls)) return { kind: 'unknown', why: `${url.toString()} lists no files` };
  for (const entry of urls) {
    if (entry?.filename !== file.filename) continue;
    const sha = entry?.digests?.sha256;
    if (typeof sha !== 'string') return { kind: 'unknown', why: `${url.toString()} gives no sha256 for ${file.filename}` };
    return sha.toLowerCase() === file.sha256.toLowerCase() ? { kind: 'identical' } : { kind: 'different', sha256: sha.toLowerCase() };
  }
  return { kind: 'unknown', why: `${file.filename} is not listed at ${url.toString()}` };
}
