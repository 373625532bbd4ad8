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
