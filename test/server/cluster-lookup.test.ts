// POST /lookup in the cluster mode (`serve --workers 2`): every worker answers batches over its
// read-only store connection, against the checkpoint the writer just committed, and /metrics
// counts them across the processes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordHash } from '../../src/tlog/hash.ts';
import { newVerifier } from '../../src/tlog/note.ts';
import { checkTlogProof, parseTlogProof } from '../../src/tlog/tlogproof.ts';
import { TOKEN, bodyJson, sha256hex } from './support/fixture.ts';
import { startServe } from './support/process.ts';
import type { ServeProcess } from './support/process.ts';

let tmp: string;
let s: ServeProcess;
const ORIGIN = 'cluster-lookup.example/log';

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'distsum-cluster-lookup-'));
  s = await startServe(['--data', join(tmp, 'data'), '--init', '--port', '0', '--workers', '2', '--grace', '5'], { DISTSUM_ADMIN_TOKEN: TOKEN, DISTSUM_ORIGIN: ORIGIN });
});
after(async () => {
  await s.stop('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

test('workers answer batch lookups against the latest checkpoint', async () => {
  const files = Array.from({ length: 30 }, (_, i) => ({ project: 'c', version: '1', filename: `c-1-${i}.tar.gz`, size: i, sha256: sha256hex(`c ${i}`) }));
  const add = await fetch(`${s.url}/api/v1/entries`, { method: 'POST', body: JSON.stringify(files), headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(add.status, 200);
  const verifier = newVerifier(readFileSync(join(tmp, 'data', 'note.pub'), 'utf8').trim());
  const names = ['c-1-29.tar.gz', 'c-1-0.tar.gz', 'missing.tar.gz', 'c-1-17.tar.gz'];
  // Several requests, each on a fresh connection (the primary hands connections to the workers in turn).
  for (let round = 0; round < 6; round++) {
    const r = await fetch(`${s.url}/lookup`, { method: 'POST', body: JSON.stringify({ filenames: names }), headers: { 'content-type': 'application/json', connection: 'close' } });
    assert.equal(r.status, 200);
    const j = await bodyJson(r);
    assert.equal(j.checkpoint.size, 30);
    assert.deepEqual(j.results.map((x: { found: boolean; index?: number }) => x.index ?? null), [29, 0, null, 17]);
    for (const x of j.results.filter((x: { found: boolean }) => x.found)) {
      const proof = parseTlogProof(new TextEncoder().encode(`c2sp.org/tlog-proof@v1\nindex ${x.index}\n${x.inclusion_proof.map((l: string) => l + '\n').join('')}\n${j.checkpoint.note}`));
      assert.equal(checkTlogProof(proof, recordHash(new TextEncoder().encode(x.record)), ORIGIN, verifier).checkpoint.size, 30);
    }
  }
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^distsum_http_requests_total\{route="\/lookup",method="POST",code="200"\} 6$/m);
});
