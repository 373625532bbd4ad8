import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AnswerError,
  answerProofText,
  decodeCachedAnswer,
  encodeCachedAnswer,
  parseFilenameAnswer,
  parseSha256Answer,
  proveAnswer,
} from '../../src/verify/answers.ts';
import { parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import { openNote, newVerifier } from '../../src/tlog/note.ts';
import { ProofError } from '../../src/tlog/errors.ts';
import { recordHash } from '../../src/tlog/hash.ts';
import { arrayHashReader, storedHashesForRecordHash } from '../../src/tlog/stored.ts';
import { entry, logKey, memLog, memServer } from './support/memlog.ts';

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
