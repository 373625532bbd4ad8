// A synthetic package index for follower tests and the follow benchmark (a fixture, not a peer):
// any number of projects with generated files and digests, served as PyPI serves them: `/simple/`
// as PEP 691 JSON with a `_last-serial` per project (or HTML, or without serials), project pages
// in JSON or HTML with ETags and 304s, per-request delay, and scripted hostile answers for any path.
// Files have fake digests and no bytes; it is for the follower's bookkeeping, not for hashing.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A generated file. */
export interface SyntheticFile {
  filename: string;
  version: string;
  size: number;
  sha256: string;
  blake2b256: string;
  uploadTime: string;
}

/** A scripted answer for one path: status, headers, body (or a function of the request). */
export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** Times to use it (default: for ever). */
  times?: number;
}

/** Options. */
export interface SyntheticOptions {
  /** Number of projects (named proj-0 .. proj-N-1). */
  projects: number;
  /** Files per project (default 2: a wheel and an sdist of 1.0). */
  filesPerProject?: number;
  /** Serve `/simple/` with per-project serials (default true). */
  serials?: boolean;
  /** Format of pages: 'json' (default) or 'html'. */
  format?: 'json' | 'html';
  /** Delay before every answer, in ms (an index's latency). */
  delayMs?: number;
}

/** The running index. */
export interface SyntheticIndex {
  origin: string;
  simpleUrl: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  /** The most requests that were being answered at once (a client's concurrency). */
  maxInFlight(): number;
  /** The files of `project` (normalized name). */
  files(project: string): SyntheticFile[];
  /** Adds a file to a project (creating it), bumping serials. */
  addFile(project: string, f: Omit<SyntheticFile, 'uploadTime'> & { uploadTime?: string }): void;
  /** Replaces the digests of a file. */
  changeFile(project: string, filename: string, sha256: string): void;
  /** Removes a project entirely (404 afterwards). */
  removeProject(project: string): void;
  /** Answers `path` with `s` instead of the real page. */
  script(path: string, s: Scripted): void;
  close(): Promise<void>;
}

/** Hex of sha256(label): a stable fake digest. */
export function fakeDigest(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

/** Starts the synthetic index on 127.0.0.1. */
export async function startSyntheticIndex(opts: SyntheticOptions): Promise<SyntheticIndex> {
  const per = opts.filesPerProject ?? 2;
  const projects = new Map<string, { files: SyntheticFile[]; serial: number }>();
  let serial = 0;
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < opts.projects; i++) {
    const name = `proj-${i}`;
    const files: SyntheticFile[] = [];
    for (let k = 0; k < per; k++) {
      const version = `1.${Math.floor(k / 2)}`;
      const filename = k % 2 === 0 ? `proj_${i}-${version}-py3-none-any.whl` : `proj_${i}-${version}.tar.gz`;
      files.push({ filename, version, size: 1000 + k, sha256: fakeDigest(`sha ${filename}`), blake2b256: fakeDigest(`b2 ${filename}`), uploadTime: new Date(start + i * 1000).toISOString() });
    }
    projects.set(name, { files, serial: ++serial });
  }
  const hits = new Map<string, number>();
  const scripts = new Map<string, Scripted & { left: number }>();
  const sockets = new Set<import('node:net').Socket>();

  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const go = () => answer(req, res, path);
    if (opts.delayMs) setTimeout(go, opts.delayMs);
    else go();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  }

  function answer(req: IncomingMessage, res: ServerResponse, path: string): void {
    const s = scripts.get(path);
    if (s) {
      if (--s.left <= 0) scripts.delete(path);
      if (s.hang) return;
      res.writeHead(s.status ?? 200, s.headers ?? {});
      res.end(s.body ?? '');
      return;
    }
    if (path === '/simple/') {
      const names = [...projects.keys()].sort();
      if (opts.format === 'html') {
        return send(res, 200, 'text/html', `<!DOCTYPE html><html><body>${names.map((n) => `<a href="/simple/${n}/">${n}</a>`).join('\n')}</body></html>`);
      }
      const list = names.map((n) => (opts.serials === false ? { name: n } : { name: n, '_last-serial': projects.get(n)!.serial }));
      return send(res, 200, 'application/vnd.pypi.simple.v1+json', JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': serial }, projects: list }));
    }
    const m = /^\/simple\/([^/]+)\/$/.exec(path);
    if (m) {
      const p = projects.get(m[1]);
      if (!p) return send(res, 404, 'text/plain', 'Not Found');
      const etag = `"${p.serial}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return void res.end();
      }
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const url = (f: SyntheticFile) => `${origin}/files/${f.blake2b256.slice(0, 2)}/${f.blake2b256.slice(2, 4)}/${f.blake2b256.slice(4)}/${f.filename}`;
      if (opts.format === 'html') {
        const links = p.files.map((f) => `<a href="${url(f)}#sha256=${f.sha256}">${f.filename}</a>`).join('<br>\n');
        return send(res, 200, 'text/html', `<!DOCTYPE html><html><body>${links}</body></html><!--SERIAL ${p.serial}-->`, { etag });
      }
      const doc = {
        meta: { 'api-version': '1.1', '_last-serial': p.serial },
        name: m[1],
        files: p.files.map((f) => ({ filename: f.filename, url: url(f), hashes: { sha256: f.sha256, blake2b_256: f.blake2b256 }, size: f.size, 'upload-time': f.uploadTime })),
      };
      return send(res, 200, 'application/vnd.pypi.simple.v1+json', JSON.stringify(doc), { etag, 'x-pypi-last-serial': String(p.serial) });
    }
    send(res, 404, 'text/plain', 'Not Found');
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    simpleUrl: `${origin}/simple/`,
    hits,
    maxInFlight: () => maxInFlight,
    files: (p) => projects.get(p)?.files ?? [],
    addFile(project, f) {
      let p = projects.get(project);
      if (!p) projects.set(project, (p = { files: [], serial: 0 }));
      p.files.push({ ...f, uploadTime: f.uploadTime ?? new Date().toISOString() });
      p.serial = ++serial;
    },
    changeFile(project, filename, sha256) {
      const p = projects.get(project)!;
      p.files.find((f) => f.filename === filename)!.sha256 = sha256;
      p.serial = ++serial;
    },
    removeProject(project) {
      projects.delete(project);
      serial++;
    },
    script(path, s) {
      scripts.set(path, { ...s, left: s.times ?? Infinity });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
