import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { textFetch } from '../../src/monitor/fetchtext.ts';

test('file URLs: found, missing, too large', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-fetch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm.txt'), 'hello');
  const f = textFetch({ userAgent: 'distsum/test' });
  const a = await f(pathToFileURL(join(dir, 'm.txt')).href, 100);
  assert.equal(a.found && a.body.toString(), 'hello');
  const b = await f(pathToFileURL(join(dir, 'none.txt')).href, 100);
  assert.equal(b.found, false);
  await assert.rejects(f(pathToFileURL(join(dir, 'm.txt')).href, 3), /larger than 3 bytes/);
});

test('http: loopback only, redirects followed within the rules, 404 is "not there", bodies bounded', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/m') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`ua=${req.headers['user-agent']}`);
    if (req.url === '/moved') return void res.writeHead(302, { location: '/m' }).end();
    if (req.url === '/away') return void res.writeHead(302, { location: 'http://example.com/m' }).end();
    if (req.url === '/big') return void res.writeHead(200).end(Buffer.alloc(5000));
    if (req.url === '/hang') return;
    if (req.url === '/err') return void res.writeHead(500).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const f = textFetch({ userAgent: 'distsum/test', timeoutMs: 300 });
  const ok = await f(`${base}/moved`, 100);
  assert.ok(ok.found);
  assert.equal(ok.found && ok.body.toString(), 'ua=distsum/test');
  assert.equal(ok.found && ok.url, `${base}/m`);
  assert.deepEqual(await f(`${base}/none`, 100), { found: false, reason: `${base}/none answered HTTP 404` });
  await assert.rejects(f(`${base}/away`, 100), /refusing a redirect to http:\/\/example\.com/);
  await assert.rejects(f(`${base}/big`, 100), /larger than 100 bytes/);
  await assert.rejects(f(`${base}/hang`, 100), /no answer within 300 ms/);
  await assert.rejects(f(`${base}/err`, 100), /answered HTTP 500/);
  await assert.rejects(f('http://example.com/m', 100), /refusing to fetch a manifest other than over https/);
});
