import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newLogClient } from '../../src/verify/logclient.ts';
import type { LogClientOptions } from '../../src/verify/logclient.ts';
import { diskCache } from '../../src/verify/diskcache.ts';
import { lookupCache } from '../../src/verify/lookupcache.ts';
import { checkpointStore } from '../../src/verify/state.ts';
import { LogMisbehaviourError } from '../../src/verify/misbehaviour.ts';
import { offlineGetter } from '../../src/verify/fetch.ts';
import type { Getter } from '../../src/verify/fetch.ts';
import { InputError, SecurityError, UsageError } from '../../src/errors.ts';
import { checkTree } from '../../src/tlog/proof.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { ProofError } from '../../src/tlog/errors.ts';
import { openNote, newVerifier } from '../../src/tlog/note.ts';
import { addWitness, entry, logKey, memLog, memServer } from './support/memlog.ts';
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
