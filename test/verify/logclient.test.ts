import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { batchesOf, newLogClient } from '../../src/verify/logclient.ts';
import type { LogClientOptions } from '../../src/verify/logclient.ts';
import { diskCache } from '../../src/verify/diskcache.ts';
import { lookupCache } from '../../src/verify/lookupcache.ts';
import { checkpointStore } from '../../src/verify/state.ts';
import { LogMisbehaviourError } from '../../src/verify/misbehaviour.ts';
import { FetchError, offlineGetter } from '../../src/verify/fetch.ts';
import { MAX_BATCH_REQUEST_BYTES } from '../../src/verify/answers.ts';
import type { Getter } from '../../src/verify/fetch.ts';
import { InputError, SecurityError, UsageError } from '../../src/errors.ts';
import { checkTree } from '../../src/tlog/proof.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { ProofError } from '../../src/tlog/errors.ts';
import { openNote, newVerifier } from '../../src/tlog/note.ts';
import { addWitness, batchJson, entry, logKey, memLog, memServer } from './support/memlog.ts';
import type { MemServerOptions } from './support/memlog.ts';
import { tempDir } from './support/cli.ts';

const BASE = 'http://127.0.0.1:9';
const KEY = logKey(1);

function client(dir: string, get: Getter, extra: Partial<LogClientOptions> = {}) {
  return newLogClient({
    url: BASE,
    verifierKey: KEY.verifierKey,
    get,
    cache: diskCache(join(dir, 'cache')),
    lookups: lookupCache(join(dir, 'cache', 'lookups')),
    state: checkpointStore(join(dir, 'state'), () => new Date(Date.UTC(2024, 0, 2))),
    offline: false,
    concurrency: 4,
    ...extra,
  });
}

const entries = (n: number, salt = '') => Array.from({ length: n }, (_, i) => entry(i, undefined, salt));

function sizeOf(note: Uint8Array): number {
  return parseCheckpoint(openNote(note, [newVerifier(KEY.verifierKey)]).text).size;
}

test('first contact stores the checkpoint; growth is proven from tiles, which are cached', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(300));
  const srv = memServer(BASE, log);
  const c1 = client(dir, srv);
  assert.equal((await c1.start()).checkpoint.size, 300);
  assert.equal(srv.hits.get('tile'), undefined, 'no proof needed on first contact');
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 300);

  log.append(...Array.from({ length: 500 }, (_, i) => entry(300 + i)));
  const c2 = client(dir, srv);
  assert.equal((await c2.start()).checkpoint.size, 800);
  assert.ok((srv.hits.get('tile') ?? 0) > 0);
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 800);
  assert.ok(existsSync(join(dir, 'cache', 'tile', '0', '001')), 'a full tile of the proof is cached');
  assert.ok(existsSync(join(dir, 'cache', 'tile', '0', '003.p', '32')), 'the partial tile of that width is cached');
});

test('lookups are verified, cached and reused; absent files are absent', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(20));
  const srv = memServer(BASE, log);
  const c = client(dir, srv);
  await c.start();
  const a = await c.lookupFilename(log.entries[7].filename);
  assert.equal(a.status, 'found');
  assert.deepEqual(a.status === 'found' && a.entries.map((e) => [e.index, e.entry]), [[7, log.entries[7]]]);
  assert.deepEqual(await c.lookupFilename('nope-1.0-py3-none-any.whl'), { status: 'absent' });
  const s = await c.lookupSha256(log.entries[3].sha256);
  assert.equal(s.status === 'found' && s.entries[0].entry.filename, log.entries[3].filename);
  assert.deepEqual(await c.lookupSha256('0'.repeat(64)), { status: 'absent' });
  c.flush();

  // A second run answers from the cache: no lookup requests.
  const srv2 = memServer(BASE, log);
  const c2 = client(dir, srv2);
  await c2.start();
  const again = await c2.lookupFilename(log.entries[7].filename);
  assert.equal(again.status === 'found' && again.entries[0].index, 7);
  const s2 = await c2.lookupSha256(log.entries[3].sha256);
  assert.equal(s2.status, 'found');
  assert.equal(srv2.hits.get('lookup'), undefined);
  assert.equal(srv2.hits.get('lookup/sha256'), undefined);
});

test('a cached answer from an older checkpoint is proven consistent with the newer one', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(10));
  const c = client(dir, memServer(BASE, log));
  await c.start();
  await c.lookupFilename(log.entries[2].filename);
  c.flush();
  log.append(...Array.from({ length: 300 }, (_, i) => entry(10 + i)));
  const srv = memServer(BASE, log);
  const c2 = client(dir, srv);
  await c2.start();
  const a = await c2.lookupFilename(log.entries[2].filename);
  assert.equal(a.status, 'found');
  assert.equal(srv.hits.get('lookup'), undefined);
});

test('a log showing two histories of the same size is reported with both checkpoints; state unchanged', async (t) => {
  const dir = tempDir(t);
  const a = memLog(KEY.signerKey, entries(5));
  await client(dir, memServer(BASE, a)).start();
  const stateBefore = readFileSync(join(dir, 'state', 'checkpoint'));
  const b = memLog(KEY.signerKey, entries(5, 'other history'));
  await assert.rejects(client(dir, memServer(BASE, b)).start(), (e: unknown) => {
    assert.ok(e instanceof LogMisbehaviourError && e instanceof SecurityError);
    assert.equal(e.exitCode, 3);
    assert.equal(e.report.kind, 'fork');
    const notes = e.report.sections.map((s) => s.lines.join('\n') + '\n');
    assert.deepEqual(notes, [Buffer.from(stateBefore).toString('utf8'), Buffer.from(b.checkpoint()).toString('utf8')]);
    return true;
  });
  assert.deepEqual(readFileSync(join(dir, 'state', 'checkpoint')), stateBefore);
});

test('a larger tree that does not extend the verified one is a fork, with a consistency proof that fails', async (t) => {
  const dir = tempDir(t);
  const a = memLog(KEY.signerKey, entries(300));
  await client(dir, memServer(BASE, a)).start();
  const b = memLog(KEY.signerKey, [...entries(299), entry(299, 'x', 'rewritten'), ...entries(200, 'more')]);
  await assert.rejects(client(dir, memServer(BASE, b)).start(), (e: unknown) => {
    assert.ok(e instanceof LogMisbehaviourError);
    assert.equal(e.report.kind, 'fork');
    const proofSection = e.report.sections.find((s) => s.label.startsWith('consistency proof'));
    assert.ok(proofSection);
    // The evidence stands on its own: the proof does not connect the two signed roots.
    const proof = proofSection.lines.map((l) => new Uint8Array(Buffer.from(l, 'base64')));
    const oldCp = parseCheckpoint(openNote(a.checkpoint(), [newVerifier(KEY.verifierKey)]).text);
    const newCp = parseCheckpoint(openNote(b.checkpoint(), [newVerifier(KEY.verifierKey)]).text);
    assert.throws(() => checkTree(proof, newCp.size, newCp.hash, oldCp.size, oldCp.hash), ProofError);
    return true;
  });
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 300);
});

test('a log that now serves a smaller tree it cannot prove a prefix is reported as a rollback', async (t) => {
  const dir = tempDir(t);
  await client(dir, memServer(BASE, memLog(KEY.signerKey, entries(600)))).start();
  const smaller = memLog(KEY.signerKey, entries(100, 'another'));
  await assert.rejects(client(dir, memServer(BASE, smaller)).start(), (e: unknown) => e instanceof LogMisbehaviourError && e.report.kind === 'rollback');
});

test('a stale checkpoint of the same history is accepted and the state keeps the newer one', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(600));
  await client(dir, memServer(BASE, log)).start();
  const stale = memServer(BASE, log, { size: () => 400 });
  const c = client(dir, stale);
  await c.start();
  assert.equal(c.latest().checkpoint.size, 600);
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 600);
});

test('tiles that do not hash to the signed root are reported as bad tiles with the data served', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(40));
  await client(dir, memServer(BASE, log)).start();
  log.append(...Array.from({ length: 300 }, (_, i) => entry(40 + i)));
  const flip = memServer(BASE, log, {
    tamper: (path, r) => {
      if (!path.startsWith('tile/0/')) return r;
      const body = r.body.slice();
      body[5] ^= 1;
      return { ...r, body };
    },
  });
  await assert.rejects(client(dir, flip).start(), (e: unknown) => {
    assert.ok(e instanceof LogMisbehaviourError);
    assert.equal(e.report.kind, 'bad-tile');
    assert.ok(e.report.sections.some((s) => s.label.startsWith('tile/0/')));
    return true;
  });
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 40);
  assert.ok(!existsSync(join(dir, 'cache', 'tile')), 'forged tiles are not cached');
});

test('a tile damaged in the cache is fetched again instead of raising an alarm', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(300));
  await client(dir, memServer(BASE, log)).start();
  log.append(...entries(220, 'b').map((e, i) => ({ ...e, filename: `later_${i}-1.0-py3-none-any.whl` })));
  await client(dir, memServer(BASE, log)).start();
  const tileFile = join(dir, 'cache', 'tile', '0', '001');
  const good = readFileSync(tileFile);
  const bad = Buffer.from(good);
  bad[0] ^= 0xff;
  writeFileSync(tileFile, bad);
  // Back to the older state, so the next proof (300 -> 520) needs that tile again.
  writeFileSync(join(dir, 'state', 'checkpoint'), log.checkpoint(300));
  const srv = memServer(BASE, log);
  await client(dir, srv).start();
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 520);
  assert.deepEqual(readFileSync(tileFile), good, 'the cache was repaired');
});

test('an inclusion proof that does not lead to the signed root is reported as a bad proof', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(9));
  const srv = memServer(BASE, log, {
    tamper: (path, r) => {
      if (!path.startsWith('lookup/')) return r;
      const j = JSON.parse(Buffer.from(r.body).toString('utf8'));
      const lines: string[] = j.tlog_proof.split('\n');
      const h = Buffer.from(lines[2], 'base64');
      h[0] ^= 1;
      lines[2] = h.toString('base64');
      j.tlog_proof = lines.join('\n');
      return { ...r, body: new TextEncoder().encode(JSON.stringify(j)) };
    },
  });
  const c = client(dir, srv);
  await c.start();
  await assert.rejects(c.lookupFilename(log.entries[4].filename), (e: unknown) => {
    assert.ok(e instanceof LogMisbehaviourError);
    assert.equal(e.report.kind, 'bad-proof');
    assert.ok(e.report.sections.some((s) => s.lines[0] === 'c2sp.org/tlog-proof@v1'));
    return true;
  });
});

test('an answer about another file is refused even with a valid proof', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(9));
  const honest = memServer(BASE, log);
  const liar: Getter = (url, max) => honest(url.replace(encodeURIComponent(log.entries[1].filename), encodeURIComponent(log.entries[2].filename)), max);
  const c = client(dir, liar);
  await c.start();
  await assert.rejects(c.lookupFilename(log.entries[1].filename), (e: unknown) => e instanceof LogMisbehaviourError && e.report.kind === 'bad-answer');
});

test('checkpoints not signed by the configured key are refused (exit 3), naming the URL', async (t) => {
  const dir = tempDir(t);
  const other = memLog(logKey(2).signerKey, entries(3));
  await assert.rejects(client(dir, memServer(BASE, other)).start(), (e: unknown) => {
    assert.ok(e instanceof SecurityError && !(e instanceof LogMisbehaviourError));
    assert.match(e.message, /http:\/\/127\.0\.0\.1:9\/checkpoint is not signed by the configured log key mem\.example\/log/);
    return true;
  });
  assert.ok(!existsSync(join(dir, 'state', 'checkpoint')));
});

test('witness cosignatures: required ones must be there', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(3));
  const unsignedWitnessKey = addWitness(memLog(KEY.signerKey), 'witness.example', 9);
  await assert.rejects(
    client(dir, memServer(BASE, log), { witnessKeys: [unsignedWitnessKey], minWitnesses: 1 }).start(),
    (e: unknown) => e instanceof SecurityError && /0 of the 1 witness cosignatures/.test(e.message),
  );
  const w = addWitness(log, 'witness.example', 9);
  assert.equal(w, unsignedWitnessKey);
  const vc = await client(dir, memServer(BASE, log), { witnessKeys: [w], minWitnesses: 1 }).start();
  assert.equal(vc.checkpoint.size, 3);
  assert.throws(() => client(dir, memServer(BASE, log), { witnessKeys: [], minWitnesses: 1 }), UsageError);
});

test('offline: works from the state and the cache only', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(client(dir, offlineGetter(), { offline: true, url: undefined }).start(), (e: unknown) => e instanceof UsageError && /run once without --offline/.test(e.message));
  const log = memLog(KEY.signerKey, entries(12));
  const c = client(dir, memServer(BASE, log));
  await c.start();
  await c.lookupFilename(log.entries[5].filename);
  c.flush();
  const off = client(dir, offlineGetter(), { offline: true });
  assert.equal((await off.start()).checkpoint.size, 12);
  const a = await off.lookupFilename(log.entries[5].filename);
  assert.equal(a.status === 'found' && a.entries[0].index, 5);
  assert.deepEqual(await off.lookupFilename(log.entries[6].filename), { status: 'uncached' });
});

test('a state file that does not verify under the key is an input error naming it', async (t) => {
  const dir = tempDir(t);
  await client(dir, memServer(BASE, memLog(logKey(3).signerKey, entries(2))), { verifierKey: logKey(3).verifierKey }).start();
  await assert.rejects(client(dir, memServer(BASE, memLog(KEY.signerKey, entries(2)))).start(), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.ok(e.message.includes(join(dir, 'state', 'checkpoint')));
    return true;
  });
});

test('concurrent runs sharing the state end at the newest checkpoint', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(50));
  await client(dir, memServer(BASE, log)).start();
  const sizes = [60, 300, 120, 700, 256, 512];
  const big = memLog(KEY.signerKey, entries(700));
  await Promise.all(sizes.map((n) => client(dir, memServer(BASE, big, { size: () => n })).start()));
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 700);
  assert.deepEqual(readdirSync(join(dir, 'state')).sort(), ['checkpoint']);
});

test('malformed keys are usage errors', () => {
  assert.throws(() => newLogClient({ url: BASE, verifierKey: 'nonsense', get: offlineGetter(), cache: diskCache(undefined), lookups: lookupCache(undefined), state: checkpointStore('/nonexistent', () => new Date()), offline: false, concurrency: 1 }), UsageError);
});

// Batch lookups (POST /lookup).

const names = (log: ReturnType<typeof memLog>, idx: number[]) => idx.map((i) => log.entries[i].filename);

test('batches: names are looked up in batches, verified, cached, and a second run asks nothing', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(700));
  const srv = memServer(BASE, log);
  const c = client(dir, srv, { post: srv.post, batchSize: 100 });
  await c.start();
  const asked = [...names(log, [5, 699, 300, 5]), 'absent-1.0-py3-none-any.whl', ...names(log, Array.from({ length: 250 }, (_, i) => i * 2))];
  const done = c.prefetchFilenames(asked);
  const answers = await Promise.all(asked.map((n) => c.lookupFilename(n)));
  await done;
  assert.equal(srv.hits.get('lookup'), undefined, 'no single lookups');
  assert.equal(srv.hits.get('POST lookup'), 3, '253 distinct names in batches of at most 100');
  assert.deepEqual(srv.batches.map((b) => b.length).sort(), [100, 100, 53].sort());
  assert.equal(new Set(srv.batches.flat()).size, 253, 'each name asked once');
  for (const [k, a] of answers.entries()) {
    const i = log.entries.findIndex((e) => e.filename === asked[k]);
    if (i < 0) assert.deepEqual(a, { status: 'absent' });
    else assert.deepEqual(a.status === 'found' && a.entries.map((e) => [e.index, e.entry]), [[i, log.entries[i]]]);
  }
  c.flush();
  const srv2 = memServer(BASE, log);
  const c2 = client(dir, srv2, { post: srv2.post });
  await c2.start();
  await c2.prefetchFilenames(asked);
  const again = await c2.lookupFilename(log.entries[699].filename);
  assert.equal(again.status === 'found' && again.entries[0].index, 699);
  assert.equal(srv2.hits.get('POST lookup') ?? 0, 1, 'only the absent name is asked again');
  assert.deepEqual(srv2.batches, [['absent-1.0-py3-none-any.whl']]);
  assert.equal(srv2.hits.get('lookup'), undefined);
});

test('batches: a batch checkpoint newer than the state is proven consistent and advances it', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(300));
  let size = 300;
  const srv = memServer(BASE, log, { size: () => size });
  const c = client(dir, srv, { post: srv.post });
  await c.start();
  log.append(...Array.from({ length: 200 }, (_, i) => entry(300 + i)));
  size = 500;
  await c.prefetchFilenames(names(log, [1, 450]));
  const a = await c.lookupFilename(log.entries[450].filename);
  assert.equal(a.status === 'found' && a.entries[0].checkpoint.size, 500);
  assert.ok((srv.hits.get('tile') ?? 0) > 0, 'consistency proven from tiles');
  assert.equal(sizeOf(readFileSync(join(dir, 'state', 'checkpoint'))), 500);
});

test('batches: a server without them (404, 405) is asked one name at a time, and only once about batches', async (t) => {
  for (const status of [404, 405]) {
    const dir = tempDir(t);
    const log = memLog(KEY.signerKey, entries(50));
    const srv = memServer(BASE, log, { batchStatus: status });
    const c = client(dir, srv, { post: srv.post, batchSize: 10 });
    await c.start();
    const asked = [...names(log, Array.from({ length: 40 }, (_, i) => i)), 'absent-1.0-py3-none-any.whl'];
    void c.prefetchFilenames(asked);
    const answers = await Promise.all(asked.map((n) => c.lookupFilename(n)));
    assert.deepEqual(answers.map((a) => (a.status === 'found' ? a.entries[0].index : a.status)), [...Array.from({ length: 40 }, (_, i) => i), 'absent']);
    assert.equal(srv.hits.get('lookup'), 41);
    assert.ok((srv.hits.get('POST lookup') ?? 0) <= 4, 'batches in flight when the first answer came may have been sent; no more');
    await c.prefetchFilenames(names(log, [41, 42]));
    const before = srv.hits.get('POST lookup');
    await c.lookupFilename(log.entries[41].filename);
    assert.equal(srv.hits.get('POST lookup'), before, 'no batch after the server said it has none');
  }
});

test('batches: a failed batch is every name\'s error; a malformed result only its own', async (t) => {
  const dir = tempDir(t);
  const log = memLog(KEY.signerKey, entries(20));
  const srv = memServer(BASE, log, {
    tamperBatch: (_n, j) => {
      const r = j.results[1];
      if (r.found) r.inclusion_proof[0] = 'not base64!';
      return j;
    },
  });
  const c = client(dir, srv, { post: srv.post });
  await c.start();
  void c.prefetchFilenames(names(log, [3, 4, 5]));
  assert.equal((await c.lookupFilename(log.entries[3].filename)).status, 'found');
  await assert.rejects(c.lookupFilename(log.entries[4].filename), (e: unknown) => e instanceof InputError && !(e instanceof SecurityError) && /inclusion_proof hash 1 is not base64/.test(e.message));
  assert.equal((await c.lookupFilename(log.entries[5].filename)).status, 'found');

  const down = client(tempDir(t), srv, {
    post: async (url) => {
      throw new FetchError(`cannot fetch ${url}: ECONNRESET`);
    },
  });
  await down.start();
  void down.prefetchFilenames(names(log, [1, 2]));
  for (const i of [1, 2]) await assert.rejects(down.lookupFilename(log.entries[i].filename), (e: unknown) => e instanceof FetchError && /ECONNRESET/.test(e.message));
  const garbled = client(tempDir(t), srv, { post: async (url) => ({ url, status: 200, body: new TextEncoder().encode('{"results": []}') }) });
  await garbled.start();
  void garbled.prefetchFilenames(names(log, [1]));
  await assert.rejects(garbled.lookupFilename(log.entries[1].filename), (e: unknown) => e instanceof InputError && /no checkpoint note/.test(e.message));
});

/** Expects the lookup of `name` after a prefetch against `srv` to fail as misbehaviour of `kind`. */
async function lying(t: Parameters<typeof tempDir>[0], log: ReturnType<typeof memLog>, tamperBatch: MemServerOptions['tamperBatch'], asked: string[], kind: string, summary: RegExp) {
  const dir = tempDir(t);
  const srv = memServer(BASE, log, { tamperBatch });
  const c = client(dir, srv, { post: srv.post });
  await c.start();
  const stateBefore = readFileSync(join(dir, 'state', 'checkpoint'));
  void c.prefetchFilenames(asked);
  const results = await Promise.allSettled(asked.map((n) => c.lookupFilename(n)));
  const failed = results.filter((r) => r.status === 'rejected');
  assert.ok(failed.length > 0, 'the lie is caught');
  const e = (failed[0] as PromiseRejectedResult).reason;
  assert.ok(e instanceof LogMisbehaviourError, String(e));
  assert.equal(e.exitCode, 3);
  assert.equal(e.report.kind, kind);
  assert.match(e.report.summary, summary);
  assert.deepEqual(readFileSync(join(dir, 'state', 'checkpoint')), stateBefore, 'the state is not changed');
  return e.report;
}

test('batches: a tampered entry or a forged proof is a bad proof, with the tlog-proof as served', async (t) => {
  const log = memLog(KEY.signerKey, entries(40));
  const asked = names(log, [3, 17, 30]);
  const r1 = await lying(t, log, (_n, j) => {
    const r = j.results[1];
    if (r.found) r.record = r.record.replace(/ 1017 /, ' 1018 ');
    return j;
  }, asked, 'bad-proof', /inclusion proof for entry 17 does not lead to the root/);
  assert.deepEqual(r1.sections[1].lines.slice(0, 2), ['c2sp.org/tlog-proof@v1', 'index 17']);
  assert.match(r1.sections[0].lines[0], / 1018 /, 'the entry as served');
  await lying(t, log, (_n, j) => {
    const r = j.results[2];
    if (r.found) {
      const h = Buffer.from(r.inclusion_proof[1], 'base64');
      h[7] ^= 1;
      r.inclusion_proof[1] = h.toString('base64');
    }
    return j;
  }, asked, 'bad-proof', /entry 30/);
  // An index the proof was not made for.
  await lying(t, log, (_n, j) => {
    const r = j.results[0];
    if (r.found) r.index = 2;
    return j;
  }, asked, 'bad-proof', /entry 2 /);
});

test('batches: a proof against another checkpoint than the batch\'s is a bad proof', async (t) => {
  const log = memLog(KEY.signerKey, entries(300));
  const older = batchJson(log, names(log, [10]), 200);
  await lying(t, log, (_n, j) => {
    const r = j.results[0];
    const o = older.results[0];
    if (r.found && o.found) r.inclusion_proof = o.inclusion_proof;
    return j;
  }, names(log, [10, 20]), 'bad-proof', /entry 10 /);
});

test('batches: missing, extra, reordered or substituted answers are bad answers', async (t) => {
  const log = memLog(KEY.signerKey, entries(30));
  const asked = names(log, [1, 2, 3]);
  const missing = await lying(t, log, (_n, j) => ({ ...j, results: j.results.slice(0, 2) }), asked, 'bad-answer', /asked about 3 file names in one batch \(POST http:\/\/127\.0\.0\.1:9\/lookup\), it answered 2$/);
  assert.deepEqual(missing.sections.map((s) => s.label), ['checkpoint served with the batch', 'file names asked but not answered (1)']);
  assert.deepEqual(missing.sections[1].lines, [JSON.stringify(asked[2])]);
  const extra = await lying(t, log, (_n, j) => ({ ...j, results: [...j.results, batchJson(log, names(log, [9]), 30).results[0]] }), asked, 'bad-answer', /it answered 4$/);
  assert.deepEqual(extra.sections[1], { label: 'file names answered but not asked (1)', lines: [JSON.stringify(log.entries[9].filename)] });
  await lying(t, log, (_n, j) => ({ ...j, results: [j.results[1], j.results[0], j.results[2]] }), asked, 'bad-answer', /it answered other names$/);
  await lying(t, log, (_n, j) => ({ ...j, results: j.results.map((r, i) => (i === 1 ? { ...r, filename: 'other-1.0-py3-none-any.whl' } : r)) }), asked, 'bad-answer', /other names/);
  // The right name, but a (validly proven) entry of another file.
  await lying(t, log, (_n, j) => ({ ...j, results: j.results.map((r, i) => (i === 2 ? { ...batchJson(log, names(log, [7]), 30).results[0], filename: r.filename } : r)) }), asked, 'bad-answer', /asked the lookup of ".*" \(in a batch\), it answered with the entry for/);
});

test('batches: a checkpoint not signed by the log key is refused; one from another history is a fork', async (t) => {
  const log = memLog(KEY.signerKey, entries(30));
  const other = memLog(logKey(4).signerKey, entries(30));
  const dir = tempDir(t);
  const srv = memServer(BASE, log, { tamperBatch: (_n, j) => ({ ...j, checkpoint: { ...j.checkpoint, note: Buffer.from(other.checkpoint()).toString('utf8') } }) });
  const c = client(dir, srv, { post: srv.post });
  await c.start();
  void c.prefetchFilenames(names(log, [1]));
  await assert.rejects(c.lookupFilename(log.entries[1].filename), (e: unknown) => e instanceof SecurityError && /POST http:\/\/127\.0\.0\.1:9\/lookup is not signed by the configured log key/.test(e.message));

  const fork = memLog(KEY.signerKey, entries(30, 'other history'));
  const report = await lying(t, log, (n) => batchJson(fork, n, 30), names(fork, [1]), 'fork', /two checkpoints of tree size 30 with different root hashes/);
  assert.equal(report.sections.length, 2);
});

test('batchesOf: at most the size and the request body limit per batch, spread over the batches in flight', () => {
  const list = (n: number, len = 10) => Array.from({ length: n }, (_, i) => `${i}`.padStart(len, 'x'));
  assert.deepEqual(batchesOf([], 1000), []);
  assert.deepEqual(batchesOf(list(3), 1000).map((b) => b.length), [3]);
  assert.deepEqual(batchesOf(list(250), 1000).map((b) => b.length), [100, 100, 50]);
  assert.deepEqual(batchesOf(list(2000), 1000).map((b) => b.length), [500, 500, 500, 500]);
  assert.deepEqual(batchesOf(list(9000), 1000).map((b) => b.length), [...Array(9).fill(1000)]);
  assert.deepEqual(batchesOf(list(10), 3).map((b) => b.length), [3, 3, 3, 1]);
  // 1000 names of 1,000 characters are more than one request body may hold.
  const long = batchesOf(list(1000, 1000), 1000);
  assert.ok(long.every((b) => Buffer.byteLength(JSON.stringify({ filenames: b })) <= MAX_BATCH_REQUEST_BYTES));
  assert.deepEqual(long.flat(), list(1000, 1000));
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 3000, unit: 'binary' }), { maxLength: 300 }), fc.integer({ min: 1, max: 1000 }), (ns, size) => {
      const bs = batchesOf(ns, size);
      assert.deepEqual(bs.flat(), ns);
      for (const b of bs) {
        assert.ok(b.length >= 1 && b.length <= size);
        assert.ok(b.length === 1 || Buffer.byteLength(JSON.stringify({ filenames: b })) <= MAX_BATCH_REQUEST_BYTES);
      }
    }),
    { numRuns: 200 },
  );
});
