// A stand-in package index for tests (a fixture, not a peer): warehouse's legacy upload endpoint with
// streaming multipart parsing to disk, digest checks, duplicate handling and Basic auth; configurable
// failures (5xx N times, redirect, 403, slow, connection reset); and what it holds served back through
// the simple API (PEP 691 JSON, PEP 503 HTML), the PyPI JSON API and file downloads. Trusted-publishing
// endpoints (`/_/oidc/...`) and a stand-in of GitHub Actions' ID-token endpoint are optional.
//
//   const index = await startIndexServer({ users: { __token__: 'pypi-secret' } });
//   ... upload to index.uploadUrl ...; index.files, index.received; await index.close();

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { createBLAKE2b } from 'hash-wasm';

/** A file the index holds. */
export interface StoredFile {
  /** Project name as uploaded (the form's `name`), and its PEP 503 normalized form. */
  project: string;
  normalized: string;
  version: string;
  filename: string;
  size: number;
  sha256: string;
  md5: string;
  blake2b_256: string;
  /** Where the bytes are on disk. */
  path: string;
  /** Path of the download URL: /files/<b2[0:2]>/<b2[2:4]>/<b2[4:]>/<filename>, as files.pythonhosted.org. */
  urlPath: string;
  packagetype: string;
  pythonVersion: string;
  requiresPython?: string;
  comment?: string;
  hasSig: boolean;
  uploadTime: Date;
  yanked: false | string;
  /** The upload form's text fields (empty for files added with addFile). */
  fields: Array<[string, string]>;
}

/** A file part of a received form. */
export interface ReceivedFilePart {
  name: string;
  filename: string;
  contentType?: string;
  size: number;
  sha256: string;
  md5: string;
  blake2b_256: string;
  /** Temporary path of the received bytes (kept until close()). */
  path: string;
}

/** One upload request the index parsed, and what it answered. */
export interface ReceivedUpload {
  headers: IncomingHttpHeaders;
  fields: Array<[string, string]>;
  files: ReceivedFilePart[];
  status: number;
  reason: string;
}

/**
 * A scripted failure for the next upload requests (`times` of them, default 1), after letting `after`
 * uploads through normally (default 0).
 */
export type Failure = (

  /** Answer `status` (after reading the whole body) `times` times; Retry-After if given. */
  | { kind: 'status'; status: number; reason?: string; body?: string; retryAfter?: string; times?: number }
  /** Answer a redirect (after reading the body, without parsing it). */
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308; times?: number }
  /** Wait before answering (after reading the body), then handle the upload normally. */
  | { kind: 'slow'; delayMs: number; times?: number }
  /** Drop the connection after reading part of the body. */
  | { kind: 'reset'; afterBytes?: number; times?: number }
) & { after?: number };

/** Options of the stand-in. */
export interface IndexServerOptions {
  /** Basic-auth users allowed to upload; without it anyone may upload. */
  users?: Record<string, string>;
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Storage directory; by default a temporary one, removed by close(). */
  dir?: string;
  /** Largest upload accepted (warehouse's default limit is 100 MiB; tests may raise it). */
  maxUploadBytes?: number;
  /** Answer 400 "File already exists" also for an identical re-upload (older warehouse, devpi); warehouse answers 200. */
  rejectIdenticalDuplicates?: boolean;
  /** Trusted publishing: the audience this index wants, and how minting behaves. */
  oidc?: { audience: string; mintedToken: string; errors?: Array<{ code: string; description: string }> };
  /** A stand-in of GitHub Actions' ID-token endpoint at /_actions/idtoken. */
  actions?: { requestToken: string; idToken: string };
}

/** A request the server saw (every path), for assertions about what a client sent where. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

/** The running stand-in. */
export interface IndexServer {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** The legacy upload endpoint: `${origin}/legacy/`. */
  uploadUrl: string;
  /** Every file the index holds, in upload order. */
  files: StoredFile[];
  /** Every upload request it parsed, including refused ones. */
  received: ReceivedUpload[];
  /** Every request, with the status it got. */
  requests: SeenRequest[];
  /** Scripts a failure for the next upload requests. */
  failNext(f: Failure): void;
  /** Adds a file as if it had been uploaded (for serving through the simple and JSON APIs). */
  addFile(f: { path: string; project: string; version: string; requiresPython?: string; uploadTime?: Date; yanked?: false | string }): Promise<StoredFile>;
  /** Removes a file from the index (it disappears from every API). */
  removeFile(filename: string): void;
  /** Yanks (reason string) or un-yanks (false) a file. */
  setYanked(filename: string, reason: false | string): void;
  /** The index's change serial (incremented by every change). */
  serial(): number;
  close(): Promise<void>;
}

/** PEP 503 normalization. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const HTML_V1 = 'application/vnd.pypi.simple.v1+html';

/** Starts the stand-in on 127.0.0.1 on a free port. */
export async function startIndexServer(opts: IndexServerOptions = {}): Promise<IndexServer> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'distsum-index-'));
  mkdirSync(join(dir, 'files'), { recursive: true });
  mkdirSync(join(dir, 'incoming'), { recursive: true });
  const maxUpload = opts.maxUploadBytes ?? 100 * 1024 * 1024;
  const files: StoredFile[] = [];
  const received: ReceivedUpload[] = [];
  const requests: SeenRequest[] = [];
  const failures: Array<Failure & { left: number; pass: number }> = [];
  const validPasswords = new Map<string, Set<string>>();
  for (const [u, p] of Object.entries(opts.users ?? {})) validPasswords.set(u, new Set([p]));
  let serial = 1;
  let incoming = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://index.invalid');
    res.on('finish', () => requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, status: res.statusCode }));
    route(req, res, url).catch((e) => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error', String((e as Error)?.message ?? e));
      else res.destroy();
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  // Large uploads over loopback in tests: never time a request out on the server side.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'POST' && (path === '/legacy/' || path === '/legacy')) return upload(req, res);
    if (req.method === 'GET' && path === '/_/oidc/audience' && opts.oidc) return sendJson(res, 200, { audience: opts.oidc.audience });
    if (req.method === 'POST' && path === '/_/oidc/mint-token' && opts.oidc) return mint(req, res);
    if (req.method === 'GET' && path === '/_actions/idtoken' && opts.actions) return actionsToken(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return drainAndSend(req, res, 405, 'Method Not Allowed');
    let m: RegExpExecArray | null;
    if (path === '/simple/' || path === '/simple') return simpleIndex(req, res, url);
    if ((m = /^\/simple\/([^/]+)\/?$/.exec(path))) return simpleProject(req, res, url, decodeURIComponent(m[1]));
    if ((m = /^\/pypi\/([^/]+)\/json\/?$/.exec(path))) return jsonProject(res, decodeURIComponent(m[1]), undefined);
    if ((m = /^\/pypi\/([^/]+)\/([^/]+)\/json\/?$/.exec(path))) return jsonProject(res, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    if (path.startsWith('/files/')) return download(res, path);
    return send(res, 404, 'Not Found', 'Not Found');
  }

  // ---- upload ----

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const failure = takeFailure();
    if (failure?.kind === 'redirect') {
      res.setHeader('location', failure.location);
      return drainAndSend(req, res, failure.status ?? 301, 'Moved Permanently');
    }
    if (failure?.kind === 'reset') {
      let seen = 0;
      const limit = failure.afterBytes ?? 1;
      req.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen >= limit) req.socket.destroy();
      });
      return;
    }
    const ct = req.headers['content-type'] ?? '';
    const bm = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
    const record: ReceivedUpload = { headers: req.headers, fields: [], files: [], status: 0, reason: '' };
    const answer = async (status: number, reason: string, body = reason) => {
      if (failure?.kind === 'slow') await new Promise((r) => setTimeout(r, failure.delayMs));
      record.status = status;
      record.reason = reason;
      send(res, status, reason, body);
    };
    // Warehouse checks who is asking before anything else (the body is read and dropped).
    if (opts.users && !authorized(req.headers.authorization)) {
      received.push(record);
      record.status = 403;
      record.reason = 'Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.';
      return drainAndSend(req, res, 403, record.reason);
    }
    if (!bm) {
      received.push(record);
      await drain(req);
      return answer(400, 'Invalid request: expected multipart/form-data');
    }
    received.push(record);
    let parsed: ParsedForm;
    try {
      parsed = await parseMultipart(req, bm[1] ?? bm[2], join(dir, 'incoming'), () => `part-${++incoming}`, maxUpload);
    } catch (e) {
      await drain(req);
      return answer(400, (e as Error).message);
    }
    record.fields = parsed.fields;
    record.files = parsed.files;
    if (failure?.kind === 'status') {
      if (failure.retryAfter !== undefined) res.setHeader('retry-after', failure.retryAfter);
      return answer(failure.status, failure.reason ?? defaultReason(failure.status), failure.body ?? failure.reason ?? defaultReason(failure.status));
    }
    const [status, reason] = await accept(parsed);
    return answer(status, reason);
  }

  function takeFailure(): Failure | undefined {
    const f = failures[0];
    if (!f) return undefined;
    if (f.pass > 0) {
      f.pass--;
      return undefined;
    }
    f.left--;
    if (f.left <= 0) failures.shift();
    return f;
  }

  function authorized(header: string | undefined): boolean {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return false;
    const user = decoded.slice(0, i);
    const pass = Buffer.from(decoded.slice(i + 1));
    for (const p of validPasswords.get(user) ?? []) {
      const want = Buffer.from(p);
      if (want.length === pass.length && timingSafeEqual(want, pass)) return true;
    }
    return false;
  }

  /** Warehouse's checks, in its order; returns the status and reason phrase. */
  async function accept(form: ParsedForm): Promise<[number, string]> {
    const get = (k: string) => form.fields.find(([n]) => n === k)?.[1];
    if (get(':action') !== 'file_upload') return [400, 'Invalid value for :action.'];
    if (get('protocol_version') !== '1') return [400, 'Unknown protocol version.'];
    const name = get('name');
    const version = get('version');
    const filetype = get('filetype');
    if (!name) return [400, "Invalid value for name. Error: This field is required."];
    if (!version) return [400, "Invalid value for version. Error: This field is required."];
    if (!filetype || !['bdist_wheel', 'sdist', 'bdist_egg'].includes(filetype)) return [400, 'Invalid value for filetype. Error: Use a known file type.'];
    const content = form.files.find((f) => f.name === 'content');
    if (!content) return [400, 'Upload payload does not have a file.'];
    const filename = content.filename;
    if (filename.includes('/') || filename.includes('\\')) return [400, "Cannot upload a file with '/' or '\\' in the name."];
    if (!/\.(tar\.gz|zip|whl)$/i.test(filename)) return [400, 'Invalid file extension: Use .tar.gz, .whl or .zip extension.'];
    const fileProject = normalizeName(filename.endsWith('.whl') ? filename.split('-')[0] : filename.replace(/\.(tar\.gz|zip)$/i, '').replace(/-[^-]*$/, ''));
    if (fileProject !== normalizeName(name)) return [400, `Start filename for '${name}' with '${normalizeName(name).replace(/-/g, '_')}'.`];
    const digests: Array<[string, string]> = [
      ['md5_digest', content.md5],
      ['sha256_digest', content.sha256],
      ['blake2_256_digest', content.blake2b_256],
    ];
    const given = digests.filter(([k]) => get(k));
    if (!given.some(([k]) => k !== 'md5_digest')) return [400, 'Include at least one message digest.'];
    for (const [k, v] of given) {
      if (get(k)!.toLowerCase() !== v) return [400, 'The digest supplied does not match a digest calculated from the uploaded file.'];
    }
    const existing = files.find((f) => f.filename === filename);
    if (existing) {
      if (existing.sha256 === content.sha256 && existing.blake2b_256 === content.blake2b_256 && !opts.rejectIdenticalDuplicates) return [200, 'OK'];
      return [400, `File already exists ('${filename}', with blake2_256 hash '${existing.blake2b_256}'). See https://pypi.org/help/#file-name-reuse for more information.`];
    }
    if (filetype === 'sdist' && files.some((f) => f.normalized === normalizeName(name) && f.version === version && f.packagetype === 'sdist')) {
      return [400, 'Only one sdist may be uploaded per release.'];
    }
    const sig = form.files.find((f) => f.name === 'gpg_signature');
    const stored = store(content, {
      project: name,
      version,
      packagetype: filetype,
      pythonVersion: get('pyversion') ?? '',
      requiresPython: get('requires_python') || undefined,
      comment: get('comment') || undefined,
      hasSig: !!sig,
      fields: form.fields,
    });
    files.push(stored);
    serial++;
    return [200, 'OK'];
  }

  function store(
    part: { path: string; filename: string; size: number; sha256: string; md5: string; blake2b_256: string },
    meta: Pick<StoredFile, 'project' | 'version' | 'packagetype' | 'pythonVersion' | 'requiresPython' | 'comment' | 'hasSig' | 'fields'> & { uploadTime?: Date; yanked?: false | string },
  ): StoredFile {
    const b = part.blake2b_256;
    const urlPath = `/files/${b.slice(0, 2)}/${b.slice(2, 4)}/${b.slice(4)}/${encodeURIComponent(part.filename)}`;
    const dest = join(dir, 'files', b.slice(0, 2), b.slice(2, 4), b.slice(4), part.filename);
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(part.path, dest);
    return {
      project: meta.project,
      normalized: normalizeName(meta.project),
      version: meta.version,
      filename: part.filename,
      size: part.size,
      sha256: part.sha256,
      md5: part.md5,
      blake2b_256: b,
      path: dest,
      urlPath,
      packagetype: meta.packagetype,
      pythonVersion: meta.pythonVersion,
      requiresPython: meta.requiresPython,
      comment: meta.comment,
      hasSig: meta.hasSig,
      uploadTime: meta.uploadTime ?? new Date(),
      yanked: meta.yanked ?? false,
      fields: meta.fields,
    };
  }

  // ---- trusted publishing ----

  async function mint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readSmall(req, 64 * 1024);
    const oidc = opts.oidc!;
    let token: unknown;
    try {
      token = JSON.parse(body.toString('utf8'))?.token;
    } catch {
      return sendJson(res, 422, { message: 'Token request failed', errors: [{ code: 'invalid-payload', description: 'malformed JSON' }] });
    }
    if (oidc.errors) return sendJson(res, 422, { message: 'Token request failed', errors: oidc.errors });
    const expected = opts.actions ? `${opts.actions.idToken}.${oidc.audience}` : undefined;
    if (typeof token !== 'string' || token !== expected) {
      return sendJson(res, 422, {
        message: 'Token request failed',
        errors: [{ code: 'invalid-publisher', description: 'valid token, but no corresponding publisher (Publisher with matching claims was not found)' }],
      });
    }
    const users = validPasswords.get('__token__') ?? new Set<string>();
    users.add(oidc.mintedToken);
    validPasswords.set('__token__', users);
    return sendJson(res, 200, { success: true, token: oidc.mintedToken, expires: Math.floor(Date.now() / 1000) + 900 });
  }

  function actionsToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const actions = opts.actions!;
    if ((req.headers.authorization ?? '') !== `bearer ${actions.requestToken}`) return sendJson(res, 401, { message: 'Bad credentials' });
    const audience = url.searchParams.get('audience');
    if (!audience) return sendJson(res, 400, { message: 'audience required' });
    return sendJson(res, 200, { count: 1, value: `${actions.idToken}.${audience}` });
  }

  // ---- reading back: simple API, JSON API, files ----

  function projects(): Map<string, StoredFile[]> {
    const m = new Map<string, StoredFile[]>();
    for (const f of files) {
      const l = m.get(f.normalized) ?? [];
      l.push(f);
      m.set(f.normalized, l);
    }
    return m;
  }

  function wantsJson(req: IncomingMessage, url: URL): boolean | undefined {
    const format = url.searchParams.get('format');
    if (format) return format === JSON_V1 ? true : format === HTML_V1 || format === 'text/html' ? false : undefined;
    const accept = req.headers.accept;
    if (!accept) return false;
    let best: { json: boolean; q: number } | undefined;
    for (const item of accept.split(',')) {
      const [type, ...params] = item.trim().split(';').map((s) => s.trim());
      const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
      let json: boolean | undefined;
      if (type === JSON_V1 || type === 'application/vnd.pypi.simple.latest+json') json = true;
      else if (type === HTML_V1 || type === 'application/vnd.pypi.simple.latest+html' || type === 'text/html' || type === '*/*') json = false;
      if (json === undefined || !(q > 0)) continue;
      if (!best || q > best.q) best = { json, q };
    }
    return best?.json;
  }

  function simpleIndex(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const json = wantsJson(req, url);
    if (json === undefined) return send(res, 406, 'Not Acceptable', 'Not Acceptable');
    const names = [...projects().entries()].sort(([a], [b]) => a.localeCompare(b));
    res.setHeader('x-pypi-last-serial', String(serial));
    if (json) {
      return sendJson(res, 200, { meta: { 'api-version': '1.1', '_last-serial': serial }, projects: names.map(([, fs]) => ({ name: fs[0].project })) }, JSON_V1);
    }
    const links = names.map(([n, fs]) => `    <a href="/simple/${n}/">${esc(fs[0].project)}</a>`).join('\n');
    sendText(res, 200, `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}\n  </body>\n</html>\n<!--SERIAL ${serial}-->`, HTML_V1);
  }

  function simpleProject(req: IncomingMessage, res: ServerResponse, url: URL, name: string): void {
    const norm = normalizeName(name);
    if (norm !== name || !url.pathname.endsWith('/')) {
      res.setHeader('location', `/simple/${norm}/${url.search}`);
      return send(res, 301, 'Moved Permanently', '');
    }
    const fs = projects().get(norm);
    if (!fs) return send(res, 404, 'Not Found', 'Not Found');
    const json = wantsJson(req, url);
    if (json === undefined) return send(res, 406, 'Not Acceptable', 'Not Acceptable');
    res.setHeader('x-pypi-last-serial', String(serial));
    if (json) {
      return sendJson(
        res,
        200,
        {
          meta: { '_last-serial': serial, 'api-version': '1.1' },
          name: norm,
          versions: [...new Set(fs.map((f) => f.version))],
          files: fs.map((f) => ({
            filename: f.filename,
            hashes: { sha256: f.sha256 },
            'requires-python': f.requiresPython ?? null,
            size: f.size,
            'upload-time': f.uploadTime.toISOString().replace(/Z$/, '000Z'),
            url: absolute(f.urlPath),
            yanked: f.yanked === false ? false : f.yanked || true,
          })),
        },
        JSON_V1,
      );
    }
    const links = fs
      .map((f) => {
        const rp = f.requiresPython ? ` data-requires-python="${esc(f.requiresPython)}"` : '';
        const y = f.yanked === false ? '' : ` data-yanked="${esc(f.yanked)}"`;
        return `    <a href="${absolute(f.urlPath)}#sha256=${f.sha256}"${rp}${y}>${esc(f.filename)}</a><br />`;
      })
      .join('\n');
    sendText(
      res,
      200,
      `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${esc(norm)}</title>\n  </head>\n  <body>\n    <h1>Links for ${esc(norm)}</h1>\n${links}\n  </body>\n</html>\n<!--SERIAL ${serial}-->`,
      HTML_V1,
    );
  }

  function fileJson(f: StoredFile) {
    const iso = f.uploadTime.toISOString().replace(/Z$/, '000Z');
    return {
      comment_text: f.comment ?? '',
      digests: { blake2b_256: f.blake2b_256, md5: f.md5, sha256: f.sha256 },
      downloads: -1,
      filename: f.filename,
      has_sig: f.hasSig,
      md5_digest: f.md5,
      packagetype: f.packagetype,
      python_version: f.pythonVersion,
      requires_python: f.requiresPython ?? null,
      size: f.size,
      upload_time: iso.slice(0, 19),
      upload_time_iso_8601: iso,
      url: absolute(f.urlPath),
      yanked: f.yanked !== false,
      yanked_reason: f.yanked === false ? null : f.yanked,
    };
  }

  function jsonProject(res: ServerResponse, name: string, version: string | undefined): void {
    const norm = normalizeName(name);
    const fs = projects().get(norm);
    if (!fs) return sendJson(res, 404, { message: 'Not Found' });
    const versions = [...new Set(fs.map((f) => f.version))];
    const v = version ?? versions[versions.length - 1];
    const vfiles = fs.filter((f) => f.version === v);
    if (vfiles.length === 0) return sendJson(res, 404, { message: 'Not Found' });
    const form = (k: string) => vfiles[0].fields.find(([n]) => n === k)?.[1] ?? '';
    const all = (k: string) => vfiles[0].fields.filter(([n]) => n === k).map(([, val]) => val);
    const info = {
      author: form('author'),
      author_email: form('author_email'),
      classifiers: all('classifiers'),
      description: form('description'),
      description_content_type: form('description_content_type') || null,
      home_page: form('home_page'),
      keywords: form('keywords'),
      license: form('license'),
      maintainer: form('maintainer'),
      maintainer_email: form('maintainer_email'),
      name: vfiles[0].project,
      package_url: absolute(`/project/${norm}/`),
      project_urls: Object.fromEntries(all('project_urls').map((s) => [s.split(', ')[0], s.split(', ').slice(1).join(', ')])),
      requires_dist: all('requires_dist').length ? all('requires_dist') : null,
      requires_python: form('requires_python'),
      summary: form('summary'),
      version: v,
      yanked: vfiles.every((f) => f.yanked !== false),
    };
    res.setHeader('x-pypi-last-serial', String(serial));
    const doc: Record<string, unknown> = { info, last_serial: serial, urls: vfiles.map(fileJson), vulnerabilities: [] };
    if (version === undefined) doc.releases = Object.fromEntries(versions.map((ver) => [ver, fs.filter((f) => f.version === ver).map(fileJson)]));
    return sendJson(res, 200, doc);
  }

  function download(res: ServerResponse, path: string): void {
    const f = files.find((x) => x.urlPath === path);
    if (!f) return send(res, 404, 'Not Found', 'Not Found');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.size) });
    createReadStream(f.path).pipe(res);
  }

  function absolute(path: string): string {
    return `${origin}${path}`;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    origin,
    uploadUrl: `${origin}/legacy/`,
    files,
    received,
    requests,
    failNext(f: Failure) {
      failures.push({ ...f, left: f.times ?? 1, pass: f.after ?? 0 });
    },
    async addFile(f) {
      const part = await hashFileTo(f.path, join(dir, 'incoming', `add-${++incoming}`));
      const filename = f.path.split('/').pop()!;
      const stored = store(
        { ...part, filename },
        {
          project: f.project,
          version: f.version,
          packagetype: filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
          pythonVersion: filename.endsWith('.whl') ? filename.split('-').slice(-3)[0] : 'source',
          requiresPython: f.requiresPython,
          hasSig: false,
          fields: [],
          uploadTime: f.uploadTime,
          yanked: f.yanked,
        },
      );
      const old = files.findIndex((x) => x.filename === filename);
      if (old >= 0) files.splice(old, 1);
      files.push(stored);
      serial++;
      return stored;
    },
    removeFile(filename: string) {
      const i = files.findIndex((x) => x.filename === filename);
      if (i >= 0) {
        files.splice(i, 1);
        serial++;
      }
    },
    setYanked(filename: string, reason: false | string) {
      const f = files.find((x) => x.filename === filename);
      if (f) {
        f.yanked = reason;
        serial++;
      }
    },
    serial: () => serial,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => {
          if (ownDir) rmSync(dir, { recursive: true, force: true });
          else rmSync(join(dir, 'incoming'), { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

// ---- multipart parsing (streaming, to disk) ----

/** A parsed form: text fields in order, file parts written to disk with their digests. */
export interface ParsedForm {
  fields: Array<[string, string]>;
  files: ReceivedFilePart[];
}

/** Bound on the text of one form (all non-file parts together). */
export const MAX_FORM_TEXT = 16 * 1024 * 1024;
const MAX_PART_HEADERS = 16 * 1024;
const MAX_PARTS = 10_000;

/**
 * Parses a multipart/form-data body as it streams in: parts with a filename go to files under `dir`
 * (hashed with sha256, md5 and BLAKE2b-256 on the way), others are collected as UTF-8 text. Throws on a
 * malformed body, a file part larger than `maxFileBytes`, or more than MAX_FORM_TEXT bytes of text.
 */
export async function parseMultipart(
  body: AsyncIterable<Buffer> | Readable,
  boundary: string,
  dir: string,
  nextName: () => string,
  maxFileBytes: number,
): Promise<ParsedForm> {
  const first = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  const fields: Array<[string, string]> = [];
  const files: ReceivedFilePart[] = [];
  let textBytes = 0;
  let parts = 0;
  type State = 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done';
  let state: State = 'preamble';
  let buf: Buffer = Buffer.alloc(0);
  let current: { name: string; filename?: string; contentType?: string; chunks: Buffer[]; size: number; out?: WriteStream; path?: string; sha?: ReturnType<typeof createHash>; md5?: ReturnType<typeof createHash>; b2?: Awaited<ReturnType<typeof createBLAKE2b>> } | undefined;

  const write = async (data: Buffer) => {
    if (!current || data.length === 0) return;
    current.size += data.length;
    if (current.filename !== undefined) {
      if (current.size > maxFileBytes) throw new Error(`File too large. Limit is ${maxFileBytes} bytes.`);
      current.sha!.update(data);
      current.md5!.update(data);
      current.b2!.update(data);
      if (!current.out!.write(data)) await new Promise<void>((r) => current!.out!.once('drain', () => r()));
    } else {
      textBytes += data.length;
      if (textBytes > MAX_FORM_TEXT) throw new Error('Form text too large.');
      current.chunks.push(data);
    }
  };
  const finishPart = async () => {
    if (!current) return;
    const c = current;
    current = undefined;
    if (c.filename !== undefined) {
      await new Promise<void>((resolve, reject) => c.out!.end((e?: Error | null) => (e ? reject(e) : resolve())));
      files.push({
        name: c.name,
        filename: c.filename,
        contentType: c.contentType,
        size: c.size,
        sha256: c.sha!.digest('hex'),
        md5: c.md5!.digest('hex'),
        blake2b_256: c.b2!.digest('hex'),
        path: c.path!,
      });
    } else {
      fields.push([c.name, Buffer.concat(c.chunks).toString('utf8')]);
    }
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (state === 'preamble') {
          const i = buf.indexOf(first);
          if (i < 0) {
            buf = buf.subarray(Math.max(0, buf.length - first.length));
            break;
          }
          buf = buf.subarray(i + first.length);
          state = 'after-boundary';
        }
        if (state === 'after-boundary') {
          if (buf.length < 2) break;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = 'done';
            break;
          }
          if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new Error('Malformed multipart body: expected CRLF after boundary.');
          buf = buf.subarray(2);
          state = 'headers';
        }
        if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_PART_HEADERS) throw new Error('Malformed multipart body: part headers too long.');
            break;
          }
          if (++parts > MAX_PARTS) throw new Error('Too many form parts.');
          const head = parsePartHeaders(buf.subarray(0, end).toString('utf8'));
          buf = buf.subarray(end + 4);
          current = { ...head, chunks: [], size: 0 };
          if (head.filename !== undefined) {
            const path = join(dir, nextName());
            current.path = path;
            current.out = createWriteStream(path);
            current.sha = createHash('sha256');
            current.md5 = createHash('md5');
            current.b2 = await createBLAKE2b(256);
            current.b2.init();
          }
          state = 'body';
        }
        if (state === 'body') {
          const i = buf.indexOf(delim);
          if (i < 0) {
            // Keep what could be the start of a delimiter split across chunks.
            const keep = Math.min(buf.length, delim.length - 1);
            await write(buf.subarray(0, buf.length - keep));
            buf = Buffer.from(buf.subarray(buf.length - keep));
            break;
          }
          await write(buf.subarray(0, i));
          buf = buf.subarray(i + delim.length);
          await finishPart();
          state = 'after-boundary';
          continue;
        }
        if (state === 'done') break;
      }
      if (state === 'done') break;
    }
  } catch (e) {
    current?.out?.destroy();
    throw e;
  }
  if (state !== 'done') {
    current?.out?.destroy();
    throw new Error('Malformed multipart body: it ends before the closing boundary.');
  }
  return { fields, files };
}

/** Parses one part's headers: Content-Disposition name/filename (quoted, %22 and \\ unescaped) and Content-Type. */
export function parsePartHeaders(text: string): { name: string; filename?: string; contentType?: string } {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i < 0) throw new Error('Malformed multipart body: bad part header.');
    const key = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (key === 'content-type') contentType = value;
    if (key !== 'content-disposition') continue;
    if (!/^form-data\s*(;|$)/i.test(value)) throw new Error('Malformed multipart body: part is not form-data.');
    const re = /;\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(value))) {
      const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
      const v = raw.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
      if (m[1].toLowerCase() === 'name') name = v;
      else if (m[1].toLowerCase() === 'filename') filename = v;
    }
  }
  if (name === undefined) throw new Error('Malformed multipart body: part without a name.');
  return { name, ...(filename !== undefined ? { filename } : {}), ...(contentType !== undefined ? { contentType } : {}) };
}

// ---- small helpers ----

async function hashFileTo(src: string, dest: string): Promise<{ path: string; size: number; sha256: string; md5: string; blake2b_256: string }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const b2 = await createBLAKE2b(256);
  b2.init();
  const out = createWriteStream(dest);
  let size = 0;
  for await (const chunk of createReadStream(src) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5.update(chunk);
    b2.update(chunk);
    size += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (statSync(dest).size !== size) throw new Error(`copy of ${src} is incomplete`);
  return { path: dest, size, sha256: sha.digest('hex'), md5: md5.digest('hex'), blake2b_256: b2.digest('hex') };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function defaultReason(status: number): string {
  return ({ 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 403: 'Forbidden', 429: 'Too Many Requests' } as Record<number, string>)[status] ?? 'Error';
}

function send(res: ServerResponse, status: number, reason: string, body: string): void {
  // Warehouse puts its error message in the reason phrase; it must stay one header-safe line.
  res.statusMessage = reason.replace(/[\r\n]+/g, ' ').replace(/[^\t\x20-\x7e]/g, '?');
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.statusCode = status;
  res.end(body);
}

function sendText(res: ServerResponse, status: number, body: string, type: string): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, doc: unknown, type = 'application/json'): void {
  sendText(res, status, JSON.stringify(doc), type);
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

/**
 * Reads the rest of the request, then answers: as warehouse behind its proxy does (nginx buffers the
 * whole body first). Answering before reading would make Node close the socket under a client that is
 * still sending, and the client would see a reset instead of the answer.
 */
async function drainAndSend(req: IncomingMessage, res: ServerResponse, status: number, reason: string): Promise<void> {
  await drain(req);
  send(res, status, reason, reason);
}

async function readSmall(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new Error('request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
