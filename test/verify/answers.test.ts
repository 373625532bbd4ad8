import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AnswerError,
  answerProofText,
  batchItemAnswer,
  decodeCachedAnswer,
  decodeHash,
  encodeCachedAnswer,
  parseBatchAnswer,
  parseFilenameAnswer,
  parseSha256Answer,
  proveAnswer,
} from '../../src/verify/answers.ts';
import type { LookupAnswer } from '../../src/verify/answers.ts';
import { MAX_TREE_SIZE } from '../../src/tlog/stored.ts';
import { parseTlogProof } from '../../src/tlog/tlogproof.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { decodeBase64Strict, openNote, newVerifier } from '../../src/tlog/note.ts';
import { ProofError } from '../../src/tlog/errors.ts';
import { recordHash } from '../../src/tlog/hash.ts';
import { arrayHashReader, storedHashesForRecordHash } from '../../src/tlog/stored.ts';
import { batchJson, entry, logKey, memLog, memServer } from './support/memlog.ts';

const KEY = logKey(4);
const log = memLog(KEY.signerKey, Array.from({ length: 11 }, (_, i) => entry(i)));
const srv = memServer('http://h', log);
const cp = parseCheckpoint(openNote(log.checkpoint(), [newVerifier(KEY.verifierKey)]).text);

async function body(path: string): Promise<Uint8Array> {
  return (await srv(`http://h/${path}`, 1 << 20)).body;
}

test('a filename answer proves its entry in the checkpoint it carries', async () => {
  const a = parseFilenameAnswer(await body(`lookup/${log.entries[6].filename}`), 'u');
  const p = proveAnswer(a, cp);
  assert.equal(p.index, 6);
  assert.deepEqual(p.entry, log.entries[6]);
  assert.deepEqual(Buffer.from(a.proof.checkpoint), Buffer.from(log.checkpoint()));
});

test('the entry line is what is proven: an answer with another record fails the proof', async () => {
  const a = parseFilenameAnswer(await body(`lookup/${log.entries[6].filename}`), 'u');
  assert.throws(() => proveAnswer({ ...a, record: log.records[5] }, cp), ProofError);
  assert.throws(() => proveAnswer({ ...a, proof: { ...a.proof, index: 5 } }, cp), ProofError);
});

test('sha256 answers list every match', async () => {
  const got = parseSha256Answer(await body(`lookup/sha256/${log.entries[2].sha256}`), 'u');
  assert.equal(got.length, 1);
  assert.equal(proveAnswer(got[0], cp).entry.filename, log.entries[2].filename);
});

test('the cache form keeps the record and the proof, and re-verifies', async () => {
  const a = parseFilenameAnswer(await body(`lookup/${log.entries[9].filename}`), 'u');
  const back = decodeCachedAnswer(encodeCachedAnswer(a))!;
  assert.deepEqual(Buffer.from(back.record), Buffer.from(a.record));
  assert.equal(proveAnswer(back, cp).index, 9);
  assert.ok(answerProofText(back).startsWith('c2sp.org/tlog-proof@v1\nindex 9\n'));
  assert.equal(decodeCachedAnswer(new TextEncoder().encode('garbage')), undefined);
  // A tlog-proof without extra data is not a cache entry.
  const plain = new TextEncoder().encode(answerProofText(a));
  assert.equal(decodeCachedAnswer(plain), undefined);
});

test('malformed answers are AnswerErrors naming where they came from', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const s of ['', 'null', '[]', '{"record":1}', '{"record":"x","tlog_proof":"nope"}', '\xff']) {
    assert.throws(() => parseFilenameAnswer(enc(s), 'http://h/lookup/x'), (e: unknown) => e instanceof AnswerError && e.message.startsWith('http://h/lookup/x'));
  }
  assert.throws(() => parseSha256Answer(enc('{"matches":{}}'), 'u'), AnswerError);
  assert.throws(() => parseSha256Answer(enc(JSON.stringify({ matches: new Array(101).fill({}) })), 'u'), /more than 100/);
});

test('a proven but malformed entry is an AnswerError', async () => {
  // A log whose record 0 is not an entry line (the server answers with it for entry(0)'s name).
  const junk = new TextEncoder().encode('not an entry\n');
  const bad = memLog(KEY.signerKey);
  for (const h of storedHashesForRecordHash(0, recordHash(junk), arrayHashReader(bad.stored))) bad.stored.push(h);
  bad.records.push(junk);
  bad.entries.push(entry(0));
  const a = parseFilenameAnswer((await memServer('http://h', bad)(`http://h/lookup/${entry(0).filename}`, 1 << 20)).body, 'u');
  const c = parseCheckpoint(openNote(bad.checkpoint(), [newVerifier(KEY.verifierKey)]).text);
  assert.throws(() => proveAnswer(a, c), (e: unknown) => e instanceof AnswerError && /malformed entry at index 0/.test(e.message));
});

test('property: random bytes parse to an answer or an AnswerError, never a crash', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map((j) => new TextEncoder().encode(j))), (b) => {
      for (const f of [parseFilenameAnswer, parseSha256Answer, (x: Uint8Array) => decodeCachedAnswer(x) ?? []]) {
        try {
          f(b, 'u');
        } catch (e) {
          assert.ok(e instanceof AnswerError, String(e));
        }
      }
    }),
    { numRuns: 500 },
  );
});

const answerArb = fc.record({
  record: fc.uint8Array({ minLength: 1, maxLength: 600 }),
  proof: fc.record({
    index: fc.integer({ min: 0, max: MAX_TREE_SIZE - 1 }),
    proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 64 }),
    checkpoint: fc.uint8Array({ minLength: 1, maxLength: 400 }),
  }),
});

test('property: the cache form round-trips any answer; damaged values are undefined or an answer, never a crash', () => {
  const plain = (a: LookupAnswer) => ({ record: [...a.record], index: a.proof.index, proof: a.proof.proof.map((h) => [...h]), checkpoint: [...a.proof.checkpoint] });
  fc.assert(
    fc.property(answerArb, (a) => {
      assert.deepEqual(plain(decodeCachedAnswer(encodeCachedAnswer(a))!), plain(a));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(answerArb, fc.nat(), fc.nat(), (a, cut, flip) => {
      const v = encodeCachedAnswer(a);
      const damaged = v.slice(0, cut % (v.length + 1));
      if (damaged.length > 0) damaged[flip % damaged.length] ^= 0xff;
      const back = decodeCachedAnswer(damaged);
      if (back !== undefined) assert.ok(back.record.length > 0 && back.proof.checkpoint.length > 0 && back.proof.index < MAX_TREE_SIZE);
    }),
    { numRuns: 300 },
  );
  const big = { record: new Uint8Array(0x10000), proof: { index: 0, proof: [], checkpoint: new Uint8Array(1) } };
  assert.throws(() => encodeCachedAnswer(big), RangeError);
});

test('a batch answer: each result with the batch checkpoint is the single lookup\'s tlog-proof', async () => {
  const names = [log.entries[3].filename, 'absent.whl', log.entries[10].filename];
  const b = parseBatchAnswer(new TextEncoder().encode(JSON.stringify(batchJson(log, names, 11))), 'u');
  assert.deepEqual(b.items.map((i) => [i.filename, i.found]), [[names[0], true], ['absent.whl', false], [names[2], true]]);
  assert.equal(b.count, 3);
  for (const k of [0, 2]) {
    const a = batchItemAnswer(b.items[k], b.checkpoint, 'u');
    const single = parseFilenameAnswer(await body(`lookup/${names[k]}`), 'u');
    assert.equal(answerProofText(a), answerProofText(single));
    assert.deepEqual(a.proof, parseTlogProof(new TextEncoder().encode(answerProofText(single))));
    assert.equal(proveAnswer(a, cp).index, k === 0 ? 3 : 10);
  }
});

test('batch answers are read as strictly as tlog-proofs', () => {
  const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  const note = Buffer.from(log.checkpoint()).toString('utf8');
  for (const [v, why] of [
    ['', /not JSON/],
    [[], /no checkpoint note/],
    [{ results: [] }, /no checkpoint note/],
    [{ checkpoint: { note: '' }, results: [] }, /no checkpoint note/],
    [{ checkpoint: { note: 'x'.repeat((1 << 20) + 1) }, results: [] }, /larger than/],
    [{ checkpoint: { note }, results: {} }, /no results list/],
    [{ checkpoint: { note }, results: [{ filename: 'a' }] }, /result 1 lacks/],
    [{ checkpoint: { note }, results: [null] }, /result 1 lacks/],
    [{ checkpoint: { note }, results: [{ found: true }] }, /result 1 lacks/],
  ] as [unknown, RegExp][]) {
    assert.throws(() => parseBatchAnswer(enc(v), 'POST u'), (e: unknown) => e instanceof AnswerError && why.test(e.message) && e.message.startsWith('POST u'), JSON.stringify(v).slice(0, 80));
  }
  assert.equal(parseBatchAnswer(enc({ checkpoint: { note }, results: Array(5).fill({ filename: 'a', found: false }) }), 'u', 2).items.length, 3, 'one result beyond the limit is kept, to show the count is wrong');
  const h = Buffer.alloc(32, 7).toString('base64');
  const good = { filename: 'a', found: true, index: 5, record: 'r', inclusion_proof: [h] };
  const item = (o: object) => ({ filename: 'a', found: true, raw: { ...good, ...o } });
  assert.equal(batchItemAnswer(item({}), log.checkpoint(), 'u').proof.index, 5);
  for (const [o, why] of [
    [{ record: 7 }, /lacks record/],
    [{ index: -1 }, /not an entry index/],
    [{ index: 1.5 }, /not an entry index/],
    [{ index: '5' }, /not an entry index/],
    [{ index: MAX_TREE_SIZE }, /not an entry index/],
    [{ inclusion_proof: 'x' }, /not a list/],
    [{ inclusion_proof: Array(65).fill(h) }, /at most 64/],
    [{ inclusion_proof: [Buffer.alloc(31).toString('base64')] }, /hash 1 is not base64 of a 32-byte hash/],
    [{ inclusion_proof: [h, h.slice(0, 42) + 'B='] }, /hash 2 is not base64/],
    [{ inclusion_proof: [h.replace('=', '')] }, /hash 1/],
    [{ inclusion_proof: [7] }, /hash 1/],
  ] as [object, RegExp][]) {
    assert.throws(() => batchItemAnswer(item(o), log.checkpoint(), 'u'), (e: unknown) => e instanceof AnswerError && why.test(e.message), JSON.stringify(o).slice(0, 80));
  }
});

test('property: random batch answers parse to results or an AnswerError, never a crash', () => {
  const note = Buffer.from(log.checkpoint()).toString('utf8');
  const result = fc.record({ filename: fc.string(), found: fc.boolean(), index: fc.oneof(fc.integer(), fc.double()), record: fc.string(), inclusion_proof: fc.array(fc.oneof(fc.base64String(), fc.constant(Buffer.alloc(32).toString('base64')))) }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map((j) => new TextEncoder().encode(j)), fc.array(result, { maxLength: 5 }).map((r) => new TextEncoder().encode(JSON.stringify({ checkpoint: { note }, results: r })))), (b) => {
      try {
        const got = parseBatchAnswer(b, 'u');
        for (const it of got.items) {
          if (!it.found) continue;
          try {
            batchItemAnswer(it, got.checkpoint, 'u');
          } catch (e) {
            assert.ok(e instanceof AnswerError, String(e));
          }
        }
      } catch (e) {
        assert.ok(e instanceof AnswerError, String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('property: decodeHash agrees with decodeBase64Strict on 32-byte values, and on anything else', () => {
  const strict = (s: string) => {
    const b = decodeBase64Strict(s);
    return b !== undefined && b.length === 32 ? [...b] : undefined;
  };
  const mine = (s: string) => {
    const b = decodeHash(s);
    return b === undefined ? undefined : [...b];
  };
  const near = fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(43), fc.constantFrom('A', 'B', 'D', 'w', '/', '+', '=', '-', '_', 'é', ' ', '\0')).map(([b, i, c]) => {
    const s = Buffer.from(b).toString('base64');
    return s.slice(0, i) + c + s.slice(i + 1);
  });
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => assert.deepEqual(mine(Buffer.from(b).toString('base64')), [...b])), { numRuns: 300 });
  fc.assert(fc.property(fc.oneof(near, fc.base64String({ maxLength: 48 }), fc.string({ maxLength: 48 })), (s) => assert.deepEqual(mine(s), strict(s), s)), { numRuns: 2000 });
});
