// distsum verify against a log that misbehaves, end to end: `distsum log serve` on loopback serving
// a second history under the same key, and a tampering proxy in front of an honest server that
// forges tiles or inclusion proofs. Each must end in exit 3 with a self-contained report, and must
// leave this machine's verified checkpoint untouched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, isolatedEnv, runDistsum, startServer, tempDir } from '../verify/support/cli.ts';
import { startProxy } from '../verify/support/proxy.ts';
import { openNote, newVerifier } from '../../src/tlog/note.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { checkTree } from '../../src/tlog/proof.ts';
import { ProofError } from '../../src/tlog/errors.ts';

type Hooks = Parameters<typeof tempDir>[0];
const json = (name: string) => join(FIXTURES, 'pypi/json-api', name);
const WHEELS = join(FIXTURES, 'dists');

async function ok(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = await runDistsum(args, { cwd, env });
  assert.equal(r.code, 0, `distsum ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A log holding six 1.11.0; returns its data dir, key and an environment for the CLI. */
async function baseLog(t: Hooks) {
  const dir = tempDir(t);
  const env = isolatedEnv(dir);
  const data = join(dir, 'a');
  const key = (await ok(['log', 'init', '--origin', 'fork.example/log', '--data', data], dir, env)).stdout.trim();
  await ok(['log', 'import', '--format', 'pypi-json', '--data', data, json('six-1.11.0.json')], dir, env);
  return { dir, env, data, key };
}

function stateFile(dir: string): string {
  const logs = join(dir, 'xdg-state', 'distsum', 'logs');
  const [name] = readdirSync(logs);
  return join(logs, name, 'checkpoint');
}

test('a server with another history under the same key: exit 3 with both checkpoints and the failing proof', async (t) => {
  const { dir, env, data, key } = await baseLog(t);
  // The second data directory shares the first two entries and the key, then diverges.
  const forked = join(dir, 'b');
  cpSync(data, forked, { recursive: true });
  await ok(['log', 'import', '--format', 'pypi-json', '--data', data, json('wheel-0.40.0.json')], dir, env);
  await ok(['log', 'import', '--format', 'pypi-json', '--data', forked, json('setuptools-67.6.1.json'), json('poetry-core-1.5.0.json')], dir, env);

  const honest = await startServer(t, data);
  const first = await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: honest.url, DISTSUM_LOG_KEY: key } });
  assert.equal(first.code, 0, first.stderr);
  await honest.stop();
  const verified = readFileSync(stateFile(dir));

  const liar = await startServer(t, forked);
  const r = await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: liar.url, DISTSUM_LOG_KEY: key } });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^SECURITY ERROR\nlog fork\.example\/log \(http:\/\/127\.0\.0\.1:[0-9]+\) misbehaved: its checkpoint of tree size 4 is not a prefix of its checkpoint of tree size 6\n/);
  const saved = /report saved to (\S+)$/m.exec(r.stderr)![1];
  const report = readFileSync(saved, 'utf8');
  assert.ok(r.stderr.startsWith(report), 'the saved report is what was printed');
  assert.ok(report.includes(`\nlog key: ${key}\n`), 'with the key that verifies its notes');
  assert.deepEqual(readFileSync(stateFile(dir)), verified, 'the state is not changed');

  // The report is self-contained: both signed notes verbatim and a proof that fails between them.
  const sections = report.split('\n\n').slice(1);
  const body = (s: string) => s.split('\n').slice(1).map((l) => l.replace(/^\t/, '')).join('\n') + '\n';
  const v = newVerifier(key);
  const oldCp = parseCheckpoint(openNote(new TextEncoder().encode(body(sections[0])), [v]).text);
  const newCp = parseCheckpoint(openNote(new TextEncoder().encode(body(sections[1])), [v]).text);
  assert.deepEqual([oldCp.size, newCp.size], [4, 6]);
  assert.equal(body(sections[0]), Buffer.from(verified).toString('utf8'));
  const proof = body(sections[2]).trim().split('\n').map((l) => new Uint8Array(Buffer.from(l, 'base64')));
  assert.throws(() => checkTree(proof, newCp.size, newCp.hash, oldCp.size, oldCp.hash), ProofError);

  const asJson = await runDistsum(['verify', '--json', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: liar.url, DISTSUM_LOG_KEY: key } });
  assert.equal(asJson.code, 3);
  const j = JSON.parse(asJson.stdout);
  assert.equal(j.ok, false);
  assert.equal(j.security_error.kind, 'fork');
  assert.equal(j.security_error.sections.length, 3);
});

test('a server that rewound to a shorter, different history: exit 3 (rollback)', async (t) => {
  const { dir, env, data, key } = await baseLog(t);
  const rewound = join(dir, 'b');
  cpSync(data, rewound, { recursive: true });
  await ok(['log', 'import', '--format', 'pypi-json', '--data', data, json('wheel-0.40.0.json'), json('setuptools-67.6.1.json')], dir, env);
  await ok(['log', 'import', '--format', 'pypi-json', '--data', rewound, json('poetry-core-1.5.0.json')], dir, env);
  const honest = await startServer(t, data);
  assert.equal((await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: honest.url, DISTSUM_LOG_KEY: key } })).code, 0);
  await honest.stop();
  const liar = await startServer(t, rewound);
  const r = await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: liar.url, DISTSUM_LOG_KEY: key } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /misbehaved: it now serves tree size 4, older than size 6 this machine verified/);
});

test('a proxy forging tiles: exit 3 with the tiles as served', async (t) => {
  const { dir, env, data, key } = await baseLog(t);
  const s1 = await startServer(t, data);
  assert.equal((await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: s1.url, DISTSUM_LOG_KEY: key } })).code, 0);
  await s1.stop();
  await ok(['log', 'import', '--format', 'pypi-json', '--data', data, json('wheel-0.40.0.json')], dir, env);
  const s2 = await startServer(t, data);
  const forged: string[] = [];
  const proxy = await startProxy(t, s2.url, (path, status, body) => {
    if (!path.startsWith('/tile/') || status !== 200) return body;
    forged.push(path);
    const b = Buffer.from(body);
    b[b.length - 1] ^= 1;
    return b;
  });
  const before = readFileSync(stateFile(dir));
  const r = await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: proxy, DISTSUM_LOG_KEY: key } });
  assert.equal(r.code, 3, r.stderr);
  assert.ok(forged.length > 0);
  assert.match(r.stderr, /misbehaved: its tiles do not hash to its own signed checkpoint of tree size 4/);
  assert.ok(r.stderr.includes(`${forged[0].slice(1)} as served`), r.stderr);
  assert.deepEqual(readFileSync(stateFile(dir)), before);
  // Straight to the honest server, the same growth verifies.
  assert.equal((await runDistsum(['verify', WHEELS], { cwd: dir, env: { ...env, DISTSUM_LOG: s2.url, DISTSUM_LOG_KEY: key } })).code, 0);
});

test('a proxy forging an inclusion proof: exit 3 with the proof as served', async (t) => {
  const { dir, env, data, key } = await baseLog(t);
  await ok(['log', 'import', '--format', 'pypi-json', '--data', data, json('wheel-0.40.0.json')], dir, env);
  const s = await startServer(t, data);
  const proxy = await startProxy(t, s.url, (path, status, body) => {
    if (!path.startsWith('/lookup/') || status !== 200) return body;
    const j = JSON.parse(body.toString('utf8'));
    const lines: string[] = j.tlog_proof.split('\n');
    const h = Buffer.from(lines[2], 'base64');
    h[31] ^= 0x40;
    lines[2] = h.toString('base64');
    j.tlog_proof = lines.join('\n');
    return Buffer.from(JSON.stringify(j));
  });
  const r = await runDistsum(['verify', join(WHEELS, 'wheel-0.40.0-py3-none-any.whl')], { cwd: dir, env: { ...env, DISTSUM_LOG: proxy, DISTSUM_LOG_KEY: key } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /misbehaved: its inclusion proof for entry [0-9]+ does not lead to the root of its signed checkpoint/);
  assert.match(r.stderr, /tlog-proof as served:\n\tc2sp\.org\/tlog-proof@v1\n\tindex [0-9]+\n/);
});
