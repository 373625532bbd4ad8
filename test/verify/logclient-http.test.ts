// The log client over real HTTP: `distsum verify` (the CLI, in-process) against `distsum log serve`
// (a child process) looks a lock file's names up in batches (POST /lookup, seen in the server's
// metrics); through a proxy that only forwards GETs, as an older server or a simple mirror would
// behave, it falls back to one lookup per file with the same verdicts; through a proxy that lies
// in batch answers, it stops with exit 3 and a report, as for a lying single lookup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataDir, openDataDir } from '../../src/log/datadir.ts';
import type { Entry } from '../../src/log/entry.ts';
import { hexOf } from './support/memlog.ts';
import { isolatedEnv, runDistsum, startServer, tempDir } from './support/cli.ts';
import { startProxy } from './support/proxy.ts';

const entries: Entry[] = Array.from({ length: 300 }, (_, i) => ({
  project: `pkg-${i}`,
  version: '1.0',
  filename: `pkg_${i}-1.0-py3-none-any.whl`,
  size: 1000 + i,
  sha256: hexOf(`sha ${i}`),
  blake2b256: hexOf(`b2 ${i}`),
}));

function pylock(es: Entry[]): string {
  let s = 'lock-version = "1.0"\ncreated-by = "test"\n';
  for (const e of es) {
    s += `\n[[packages]]\nname = "${e.project}"\nversion = "${e.version}"\n\n[[packages.wheels]]\nname = "${e.filename}"\n`;
    s += `size = ${e.size}\nhashes = { sha256 = "${e.sha256}", blake2b_256 = "${e.blake2b256}" }\n`;
  }
  return s;
}

const lookupCounts = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const n = (route: string, method: string) => Number(new RegExp(`^distsum_http_requests_total\\{route="${route}",method="${method}",code="200"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { batches: n('/lookup', 'POST'), single: n('/lookup/:filename', 'GET') };
};

test('distsum verify uses batch lookups against the log server, and single ones when batches do not get through', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const key = await createDataDir(data, 'http.example/log', new Date('2024-01-01T00:00:00Z'));
  const log = await openDataDir(data, { writer: true, now: () => new Date('2024-01-02T00:00:00Z') });
  await log.writer!.append(entries.map((entry) => ({ entry, source: 'test' })));
  await log.close();
  const server = await startServer(t, data);
  const project = join(dir, 'project');
  mkdirSync(project);
  const unknown: Entry = { ...entries[0], filename: 'pkg_0-1.0-cp312-none-any.whl' };
  writeFileSync(join(project, 'pylock.toml'), pylock([...entries.slice(0, 250), unknown]));

  const env = isolatedEnv(join(dir, 'a'), { DISTSUM_LOG: server.url, DISTSUM_LOG_KEY: key });
  const r = await runDistsum(['verify', 'pylock.toml'], { cwd: project, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ok: 251 files: 250 ok, 1 unknown; log http\.example\/log at tree size 300$/m);
  assert.deepEqual(await lookupCounts(server.url), { batches: 3, single: 0 });

  // The proxy forwards a POST as a GET of /lookup, which the server does not have (404).
  const proxy = await startProxy(t, server.url, (_path, _status, body) => body);
  const viaProxy = isolatedEnv(join(dir, 'b'), { DISTSUM_LOG: proxy, DISTSUM_LOG_KEY: key });
  const p = await runDistsum(['verify', 'pylock.toml'], { cwd: project, env: viaProxy });
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout, r.stdout);
  assert.deepEqual(await lookupCounts(server.url), { batches: 3, single: 250 });

  // A proxy that lies in batch answers: exit 3 with the evidence, printed and saved.
  // Only the batch holding pkg_7 is altered, so the report is about it whichever batch is checked first.
  type Result = { filename: string; inclusion_proof?: string[] };
  const seventh = (j: { results: Result[] }) => j.results.findIndex((x) => x.filename === entries[7].filename);
  const lies: [string, (j: { results: Result[] }) => void, RegExp][] = [
    ['a forged proof', (j) => {
      const k = seventh(j);
      if (k < 0) return;
      const h = Buffer.from(j.results[k].inclusion_proof![2], 'base64');
      h[0] ^= 1;
      j.results[k].inclusion_proof![2] = h.toString('base64');
    }, /misbehaved: its inclusion proof for entry 7 does not lead to the root of its signed checkpoint/],
    ['a missing answer', (j) => {
      const k = seventh(j);
      if (k >= 0) j.results.splice(k, 1);
    }, /misbehaved: asked about 100 file names in one batch \(POST http:\/\/127\.0\.0\.1:[0-9]+\/lookup\), it answered 99/],
  ];
  for (const [what, lie, why] of lies) {
    const liar = await startProxy(t, server.url, (path, status, body) => {
      if (path !== '/lookup' || status !== 200) return body;
      const j = JSON.parse(body.toString('utf8'));
      lie(j);
      return Buffer.from(JSON.stringify(j));
    }, { posts: true });
    const home = join(dir, `liar-${what.replace(/ /g, '-')}`);
    const r = await runDistsum(['verify', 'pylock.toml'], { cwd: project, env: isolatedEnv(home, { DISTSUM_LOG: liar, DISTSUM_LOG_KEY: key }) });
    assert.equal(r.code, 3, `${what}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^SECURITY ERROR\n/);
    assert.match(r.stderr, why);
    const saved = /report saved to (\S+)$/m.exec(r.stderr)![1];
    assert.ok(r.stderr.startsWith(readFileSync(saved, 'utf8')), 'the saved report is what was printed');
  }
});
