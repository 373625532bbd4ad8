// GET /lookup/<filename> and /lookup/sha256/<hex>: the entry, its index, when first seen, and a
// tlog-proof that tlog's verifier accepts; the same proof as the log's own proveInclusion.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { recordHash } from '../../../src/tlog/hash.ts';
import { newVerifier } from '../../../src/tlog/note.ts';
import { checkTlogProof, parseTlogProof } from '../../../src/tlog/tlogproof.ts';
import { bodyJson, HOSTILE_FILE as HOSTILE, ORIGIN, T0, entry, logFixture, manyEntries, sha256hex } from '../support/fixture.ts';
import type { Fixture } from '../support/fixture.ts';

let f: Fixture;
const T1 = new Date('2024-06-01T00:00:00.000Z');

before(async () => {
  f = await logFixture();
  await f.append(manyEntries('alpha', 300));
  f.setNow(T1);
  await f.append([entry('evil', '1.0', HOSTILE), { ...entry('twin', '1.0', 'twin-1.0.tar.gz'), sha256: sha256hex('shared') }, { ...entry('twin', '1.0', 'twin-1.0.zip'), sha256: sha256hex('shared') }]);
});
after(() => f.close());

const verifier = () => newVerifier(f.open.info.verifierKey);

test('JSON lookup: entry, index, first seen, checkpoint and a proof that verifies', async () => {
  const r = await f.request('/lookup/alpha-9.9-10.tar.gz');
  assert.equal(r.status, 404); // not logged: file i is alpha-1.<i/3>-i.tar.gz
  const name = 'alpha-1.3-10.tar.gz';
  const ok = await f.request(`/lookup/${name}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'application/json');
  assert.equal(ok.headers.get('cache-control'), 'public, max-age=5');
  const j = await bodyJson(ok);
  assert.equal(j.index, 10);
  assert.deepEqual(j.entry, { project: 'alpha', version: '1.3', filename: name, size: 110, sha256: sha256hex(name), blake2b_256: sha256hex('b2' + name) });
  assert.equal(j.record, `alpha 1.3 ${name} 110 sha256:${sha256hex(name)} blake2b_256:${sha256hex('b2' + name)}\n`);
  assert.equal(j.first_seen, T0.toISOString());
  assert.equal(j.checkpoint.size, 303);
  assert.equal(j.leaf_hash, Buffer.from(recordHash(new TextEncoder().encode(j.record))).toString('base64'));
  const p = parseTlogProof(new TextEncoder().encode(j.tlog_proof));
  const { checkpoint } = checkTlogProof(p, recordHash(new TextEncoder().encode(j.record)), ORIGIN, verifier());
  assert.equal(checkpoint.size, 303);
  assert.deepEqual(p.proof.map((h) => Buffer.from(h).toString('base64')), j.inclusion_proof);
  // The log's own (independent, rehashing) proof generator gives the same path.
  assert.deepEqual(await f.open.reader.proveInclusion(10, 303), p.proof);
});

test('?format=proof is the raw tlog-proof; hostile names round-trip through percent-encoding', async () => {
  const r = await f.request(`/lookup/${encodeURIComponent(HOSTILE)}?format=proof`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  const text = new Uint8Array(await r.arrayBuffer());
  const p = parseTlogProof(text);
  assert.equal(p.index, 300);
  const j = await bodyJson(await f.request(`/lookup/${encodeURIComponent(HOSTILE)}`));
  assert.equal(j.entry.filename, HOSTILE);
  assert.equal(j.first_seen, T1.toISOString());
  checkTlogProof(p, recordHash(new TextEncoder().encode(j.record)), ORIGIN, verifier());
});

test('lookups by sha256: every match, case-insensitive, proof of the first', async () => {
  const hex = sha256hex('shared');
  const r = await f.request(`/lookup/sha256/${hex.toUpperCase()}`);
  assert.equal(r.status, 200);
  const j = await bodyJson(r);
  assert.equal(j.sha256, hex);
  assert.deepEqual(j.matches.map((m: { entry: { filename: string } }) => m.entry.filename), ['twin-1.0.tar.gz', 'twin-1.0.zip']);
  const proof = parseTlogProof(new Uint8Array(await (await f.request(`/lookup/sha256/${hex}?format=proof`)).arrayBuffer()));
  assert.equal(proof.index, j.matches[0].index);
  const miss = await f.request(`/lookup/sha256/${'0'.repeat(64)}`);
  assert.equal(miss.status, 404);
  assert.match((await bodyJson(miss)).error, /no file with sha256/);
});

test('bad lookups are 400 with a JSON error', async () => {
  for (const p of ['/lookup/sha256/abc', `/lookup/sha256/${'g'.repeat(64)}`, '/lookup/%E0%A4%A', `/lookup/${'a'.repeat(1025)}`, '/lookup/x?format=xml']) {
    const r = await f.request(p);
    assert.equal(r.status, 400, p);
    assert.equal(typeof (await bodyJson(r)).error, 'string');
  }
  const slash = await f.request('/lookup/a%2Fb');
  assert.equal(slash.status, 404);
});

test('a lookup right after an append proves against the new checkpoint', async () => {
  await f.append([entry('late', '2.0', 'late-2.0.tar.gz')]);
  const j = await bodyJson(await f.request('/lookup/late-2.0.tar.gz'));
  assert.equal(j.index, 303);
  assert.equal(j.checkpoint.size, 304);
  checkTlogProof(parseTlogProof(new TextEncoder().encode(j.tlog_proof)), recordHash(new TextEncoder().encode(j.record)), ORIGIN, verifier());
});

test('in a one-entry tree the proof is empty and still verifies', async () => {
  const one = await logFixture();
  try {
    await one.append([entry('solo', '1.0', 'solo-1.0.tar.gz')]);
    const j = await bodyJson(await one.request('/lookup/solo-1.0.tar.gz'));
    assert.deepEqual(j.inclusion_proof, []);
    const p = parseTlogProof(new TextEncoder().encode(j.tlog_proof));
    assert.deepEqual(p.proof, []);
    checkTlogProof(p, recordHash(new TextEncoder().encode(j.record)), ORIGIN, newVerifier(one.open.info.verifierKey));
  } finally {
    await one.close();
  }
});

// POST /lookup: many names, one checkpoint.

const postLookup = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  f.request('/lookup', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The tlog-proof of one batch result: its index and audit path, then the batch's checkpoint note. */
function batchProof(r: { index: number; inclusion_proof: string[] }, note: string): Uint8Array {
  return new TextEncoder().encode(`c2sp.org/tlog-proof@v1\nindex ${r.index}\n${r.inclusion_proof.map((l) => l + '\n').join('')}\n${note}`);
}

test('batch lookup: every name answered in order against one checkpoint, each proof verifying', async () => {
  const names = ['alpha-1.0-0.tar.gz', 'nope-1.0.tar.gz', HOSTILE, 'alpha-1.99-299.tar.gz', 'alpha-1.3-10.tar.gz', 'twin-1.0.zip', 'alpha-1.0-1.tar.gz'];
  const r = await postLookup({ filenames: names });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const j = await bodyJson(r);
  const cpText = await (await f.request('/checkpoint')).text();
  assert.equal(j.checkpoint.note, cpText, 'the latest checkpoint, as served at /checkpoint');
  assert.deepEqual(j.results.map((x: { filename: string; found: boolean }) => [x.filename, x.found]), names.map((n) => [n, n !== 'nope-1.0.tar.gz']));
  assert.deepEqual(j.results[1], { filename: 'nope-1.0.tar.gz', found: false });
  const expectIndex = [0, undefined, 300, 299, 10, 302, 1];
  for (const [k, res] of j.results.entries()) {
    if (!res.found) continue;
    assert.equal(res.index, expectIndex[k]);
    const record = new TextEncoder().encode(res.record);
    // Independent check with src/tlog: the signed note verifies and the path leads to its root.
    const p = parseTlogProof(batchProof(res, j.checkpoint.note));
    const { checkpoint } = checkTlogProof(p, recordHash(record), ORIGIN, verifier());
    assert.equal(checkpoint.size, j.checkpoint.size);
    assert.deepEqual(p.proof, await f.open.reader.proveInclusion(res.index, j.checkpoint.size), 'the log\'s own proof generator agrees');
    assert.equal(res.leaf_hash, Buffer.from(recordHash(record)).toString('base64'));
    // The same facts as the single lookup gives.
    const single = await bodyJson(await f.request(`/lookup/${encodeURIComponent(res.filename)}`));
    for (const field of ['index', 'entry', 'record', 'leaf_hash', 'first_seen', 'inclusion_proof']) assert.deepEqual(res[field], single[field], field);
    assert.equal(single.checkpoint.note, j.checkpoint.note);
    const raw = new Uint8Array(await (await f.request(`/lookup/${encodeURIComponent(res.filename)}?format=proof`)).arrayBuffer());
    assert.deepEqual(batchProof(res, j.checkpoint.note), raw, 'with the batch checkpoint, byte for byte the single tlog-proof');
  }
  assert.equal(j.results[2].first_seen, T1.toISOString());
  assert.equal(j.results[0].first_seen, T0.toISOString());
});

test('batch lookup: nothing found, or nothing asked, still names the checkpoint', async () => {
  const none = await bodyJson(await postLookup({ filenames: ['a-1.0.tar.gz', 'b-1.0.tar.gz'] }));
  assert.deepEqual(none.results, [{ filename: 'a-1.0.tar.gz', found: false }, { filename: 'b-1.0.tar.gz', found: false }]);
  assert.equal(none.checkpoint.note, await (await f.request('/checkpoint')).text());
  const empty = await bodyJson(await postLookup({ filenames: [], other: 'ignored' }));
  assert.deepEqual(empty.results, []);
  assert.equal(typeof empty.checkpoint.root_hash, 'string');
});

test('batch lookup: malformed requests are 400 with a JSON error naming the problem', async () => {
  const cases: [unknown, RegExp][] = [
    ['{"filenames": [', /not JSON/],
    ['\xff', /not JSON/],
    [[], /JSON object/],
    [null, /JSON object/],
    [{}, /no "filenames" array/],
    [{ filenames: 'a.whl' }, /no "filenames" array/],
    [{ filenames: ['a.whl', 7] }, /filenames\[1\] is not a string/],
    [{ filenames: [null] }, /filenames\[0\] is not a string/],
    [{ filenames: [['a.whl']] }, /filenames\[0\] is not a string/],
    [{ filenames: ['a.whl', 'b.whl', 'a.whl'] }, /filenames\[2\] repeats "a\.whl"/],
    [{ filenames: [''] }, /filenames\[0\] is empty/],
    [{ filenames: ['x'.repeat(1025)] }, /longer than 1024/],
    [{ filenames: Array.from({ length: 1001 }, (_, i) => `f-${i}.whl`) }, /at most 1000 file names per request \(got 1001\)/],
  ];
  for (const [body, why] of cases) {
    const r = await postLookup(body);
    assert.equal(r.status, 400, String(body));
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.match((await bodyJson(r)).error, why);
  }
  const most = await postLookup({ filenames: Array.from({ length: 1000 }, (_, i) => `f-${i}.whl`) });
  assert.equal(most.status, 200, 'exactly the maximum is fine');
  assert.equal((await bodyJson(most)).results.length, 1000);
});

test('batch lookup: other content types are 415; oversized bodies are 413, declared or streamed', async () => {
  for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {} as Record<string, string>]) {
    const r = await postLookup({ filenames: ['a.whl'] }, headers);
    assert.equal(r.status, 415, JSON.stringify(headers));
    assert.match((await bodyJson(r)).error, /not application\/json/);
  }
  assert.equal((await postLookup({ filenames: ['a.whl'] }, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  const big = JSON.stringify({ filenames: ['a.whl'], pad: 'x'.repeat(1 << 20) });
  const declared = await postLookup(big, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) });
  assert.equal(declared.status, 413);
  assert.match((await bodyJson(declared)).error, /larger than 1048576 bytes/);
  const streamed = await f.request('/lookup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 20; i++) ctl.enqueue(new Uint8Array(64 << 10).fill(0x20));
        ctl.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(streamed.status, 413);
  const get = await f.request('/lookup');
  assert.equal(get.status, 404);
  assert.equal(typeof (await bodyJson(get)).error, 'string', 'errors under /lookup are JSON');
});

test('batch lookup: counted in the metrics under its own route', async () => {
  const series = (code: string) => `distsum_http_requests_total{route="/lookup",method="POST",code="${code}"}`;
  const count = (code: string) => f.parts.metrics.snapshot().counters[series(code)] ?? 0;
  const [ok, bad] = [count('200'), count('400')];
  await postLookup({ filenames: ['alpha-1.0-0.tar.gz'] });
  await postLookup('nope');
  assert.equal(count('200'), ok + 1);
  assert.equal(count('400'), bad + 1);
});
