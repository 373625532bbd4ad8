import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execChannel, hookEnv, lineChannel, MAX_HOOK_VALUE, webhookChannel, webhookUrlProblem } from '../../src/monitor/channels.ts';
import type { StoredAlert } from '../../src/store/store.ts';
import { UsageError } from '../../src/errors.ts';

const ALERT: StoredAlert = {
  id: 42,
  kind: 'file-removed',
  severity: 'warning',
  project: 'demo',
  filename: 'demo-1.0.tar.gz',
  version: '1.0',
  created: '2025-01-01T00:00:00.000Z',
  details: { summary: 'demo-1.0.tar.gz is no longer listed by the index', source: 'https://index.example/simple/demo/' },
  dedupKey: 'file-removed demo-1.0.tar.gz',
};

test('stdout: one human line, or one JSON object per line', async () => {
  const lines: string[] = [];
  await lineChannel((l) => lines.push(l), 'log.example', false).send(ALERT);
  await lineChannel((l) => lines.push(l), 'log.example', true).send({ ...ALERT, details: { summary: 'evil\n\u001b[31mred' } });
  assert.equal(lines[0], '2025-01-01T00:00:00.000Z WARNING file-removed #42 demo demo-1.0.tar.gz: demo-1.0.tar.gz is no longer listed by the index');
  const rec = JSON.parse(lines[1]);
  assert.deepEqual(Object.keys(rec), ['id', 'kind', 'severity', 'project', 'filename', 'version', 'created', 'resolved_at', 'summary', 'details', 'log']);
  assert.equal(rec.summary, 'evil [31mred');
  assert.equal(rec.log, 'log.example');
  assert.ok(!lines[1].includes('\n'));
});

test('the hook environment carries the alert, JSON values bounded', () => {
  const env = hookEnv(ALERT, 'log.example', { PATH: '/bin' });
  assert.equal(env.PATH, '/bin');
  assert.equal(env.DISTSUM_ALERT_ID, '42');
  assert.equal(env.DISTSUM_ALERT_KIND, 'file-removed');
  assert.equal(env.DISTSUM_ALERT_SEVERITY, 'warning');
  assert.equal(env.DISTSUM_ALERT_PROJECT, 'demo');
  assert.equal(env.DISTSUM_ALERT_FILENAME, 'demo-1.0.tar.gz');
  assert.equal(env.DISTSUM_ALERT_VERSION, '1.0');
  assert.equal(env.DISTSUM_ALERT_TEST, '');
  assert.deepEqual(JSON.parse(env.DISTSUM_ALERT_DETAILS!), ALERT.details);
  assert.equal(JSON.parse(env.DISTSUM_ALERT_JSON!).id, 42);
  const big = hookEnv({ ...ALERT, details: { blob: 'x'.repeat(MAX_HOOK_VALUE) } }, 'o', {});
  assert.equal(big.DISTSUM_ALERT_DETAILS, '{"truncated":true}');
});

test('the hook runs in a real shell; failures and timeouts are reported, and a slow hook is killed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-hook-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  await execChannel(`printf '%s|%s' "$DISTSUM_ALERT_KIND" "$DISTSUM_ALERT_PROJECT" > "${out}"`, 'o', { env: { PATH: process.env.PATH } }).send(ALERT);
  assert.equal(readFileSync(out, 'utf8'), 'file-removed|demo');
  await assert.rejects(execChannel('echo nope >&2; exit 4', 'o', { env: {} }).send(ALERT), /exited with status 4: nope/);
  const started = Date.now();
  await assert.rejects(execChannel('sleep 30 & sleep 30', 'o', { env: { PATH: process.env.PATH }, timeoutMs: 200 }).send(ALERT), /longer than 200 ms and was killed/);
  assert.ok(Date.now() - started < 5000);
});

test('the webhook POSTs the alert as JSON, retries transient failures, gives up on others', async (t) => {
  const bodies: string[] = [];
  const statuses = [500, 429, 200, 400];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(`${req.method} ${req.headers['content-type']} ${req.headers['user-agent']} ${Buffer.concat(chunks).toString()}`);
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/T0K3N`;
  const waits: number[] = [];
  const ch = webhookChannel(url, 'log.example', { userAgent: 'distsum/test', sleep: async (ms) => void waits.push(ms), baseDelayMs: 100 });
  await ch.send(ALERT);
  assert.equal(bodies.length, 3);
  assert.deepEqual(waits, [100, 200]);
  assert.match(bodies[2], /^POST application\/json distsum\/test \{"alert":\{"id":42,/);
  assert.equal(JSON.parse(bodies[2].slice(bodies[2].indexOf('{'))).alert.log, 'log.example');
  await assert.rejects(ch.send(ALERT), (e: Error) => /HTTP 400/.test(e.message) && !e.message.includes('T0K3N'));
  assert.equal(bodies.length, 4);
});

test('webhook URLs: https, or http to a loopback host, without credentials', () => {
  assert.equal(webhookUrlProblem('https://hooks.example.com/x'), undefined);
  assert.equal(webhookUrlProblem('http://127.0.0.1:8080/x'), undefined);
  assert.match(webhookUrlProblem('http://hooks.example.com/x')!, /must be https/);
  assert.match(webhookUrlProblem('https://u:p@hooks.example.com/x')!, /credentials/);
  assert.match(webhookUrlProblem('not a url')!, /not a URL/);
  assert.throws(() => webhookChannel('ftp://x/', 'o', { userAgent: 'x' }), UsageError);
});
