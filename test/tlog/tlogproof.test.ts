import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { recordHash } from '../../src/tlog/hash.ts';
import { newVerifier } from '../../src/tlog/note.ts';
import { TLOG_PROOF_HEADER, checkTlogProof, formatTlogProof, parseTlogProof } from '../../src/tlog/tlogproof.ts';
import type { TlogProof } from '../../src/tlog/tlogproof.ts';
import { CheckpointError, InvalidSignatureError, ProofError, TlogProofError, UnverifiedNoteError } from '../../src/tlog/errors.ts';
import { b64, loadVector, loadVectorBytes, record } from './testlog.ts';

const inclusion = loadVector('tlog/inclusion.json');
const cases = loadVector('note/cases.json');
const keys = loadVector('note/keys.json');
const ORIGIN = 'example.test/distsum';
const logV = newVerifier(keys.keys.find((k: any) => k.name === ORIGIN).verifier_key);
const w1V = newVerifier(keys.keys.find((k: any) => k.name === 'witness.example/w1').verifier_key);
const NOTE = loadVectorBytes('note/checkpoint-distsum-w1.note'); // signs the 70000-entry root
const NOTE_TEXT = new TextDecoder().decode(NOTE);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Vector inclusion cases in the 70000-entry tree, which the vector checkpoint note signs.
const big = inclusion.cases.filter((c: any) => c.tree_size === 70000);

test('the vector proofs in tlog-proof form: exact bytes, parse back, verify', () => {
  assert.ok(big.length >= 3);
  for (const c of big) {
    const want = `c2sp.org/tlog-proof@v1\nindex ${c.index}\n${c.proof.map((h: string) => h + '\n').join('')}\n${NOTE_TEXT}`;
    const p: TlogProof = { index: c.index, proof: c.proof.map(b64), checkpoint: NOTE };
    const bytes = formatTlogProof(p);
    assert.equal(decoder.decode(bytes), want);
    assert.deepEqual(parseTlogProof(encoder.encode(want)), p);
    const r = checkTlogProof(p, recordHash(record(c.index)), ORIGIN, logV, [w1V]);
    assert.equal(r.checkpoint.size, 70000);
    assert.deepEqual(r.sigs.map((s) => s.name), [ORIGIN, 'witness.example/w1']);
  }
});

test('checkTlogProof rejects a wrong entry, index, origin, checkpoint or log key', () => {
  const c = big[0];
  const p: TlogProof = { index: c.index, proof: c.proof.map(b64), checkpoint: NOTE };
  const leaf = recordHash(record(c.index));
  assert.throws(() => checkTlogProof(p, recordHash(record(c.index + 1)), ORIGIN, logV), ProofError);
  assert.throws(() => checkTlogProof({ ...p, index: c.index + 1 }, leaf, ORIGIN, logV), ProofError);
  assert.throws(() => checkTlogProof({ ...p, index: 70000 }, leaf, ORIGIN, logV), ProofError);
  assert.throws(() => checkTlogProof(p, leaf, 'example.test/other', logV), CheckpointError);
  // Same name as the log, other key: the note is not signed by it.
  assert.throws(() => checkTlogProof(p, leaf, ORIGIN, newVerifier(keys.impostor.verifier_key), [w1V]), UnverifiedNoteError);
  const tampered = b64(cases.cases.find((x: any) => x.name === 'tampered-body').message_base64);
  assert.throws(() => checkTlogProof({ ...p, checkpoint: tampered }, leaf, ORIGIN, logV), InvalidSignatureError);
});

test('extra data round-trips and is optional', () => {
  const p: TlogProof = { extra: encoder.encode('age-v1.2.1-darwin-arm64.tar.gz'), index: 0, proof: [], checkpoint: NOTE };
  const text = decoder.decode(formatTlogProof(p));
  assert.ok(text.startsWith(`${TLOG_PROOF_HEADER}\nextra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6\nindex 0\n\n`));
  assert.deepEqual(parseTlogProof(encoder.encode(text)), p);
  assert.throws(() => formatTlogProof({ ...p, extra: new Uint8Array(0) }), TlogProofError);
});

test('malformed tlog-proofs are rejected with TlogProofError', () => {
  const h = 'cgMvlE7uAsrQwGL74QOgO7NDAYFeCDveckp+L7YxB+Q=';
  const bad = [
    '', 'c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v1\n', 'c2sp.org/tlog-proof@v2\nindex 0\n\nx',
    'c2sp.org/tlog-proof@v1\nindex 0\n\n', 'c2sp.org/tlog-proof@v1\nindex 0\n' + h + '\n',
    'c2sp.org/tlog-proof@v1\nindex 01\n\nx', 'c2sp.org/tlog-proof@v1\nindex -1\n\nx', 'c2sp.org/tlog-proof@v1\nindex\n\nx',
    'c2sp.org/tlog-proof@v1\nindex  1\n\nx', 'c2sp.org/tlog-proof@v1\nindex 1 \n\nx', 'c2sp.org/tlog-proof@v1\nIndex 1\n\nx',
    'c2sp.org/tlog-proof@v1\nindex 99999999999999999\n\nx', 'c2sp.org/tlog-proof@v1\r\nindex 0\n\nx', 'c2sp.org/tlog-proof@v1\nindex 0\r\n\nx',
    'c2sp.org/tlog-proof@v1\nindex 0\n' + h.slice(0, -4) + '\n\nx', 'c2sp.org/tlog-proof@v1\nindex 0\n' + h.replace('=', 'F') + '\n\nx',
    'c2sp.org/tlog-proof@v1\nindex 0\n' + h + ' \n\nx', 'c2sp.org/tlog-proof@v1\nextra \nindex 0\n\nx',
    'c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx', 'c2sp.org/tlog-proof@v1\nindex 0\nextra AA==\n\nx',
    'c2sp.org/tlog-proof@v1\nextra AA==\nextra AA==\nindex 0\n\nx',
    'c2sp.org/tlog-proof@v1\nindex 0\n' + (h + '\n').repeat(65) + '\nx',
    '\nc2sp.org/tlog-proof@v1\nindex 0\n\nx',
  ];
  for (const t of bad) assert.throws(() => parseTlogProof(encoder.encode(t)), TlogProofError, JSON.stringify(t.slice(0, 80)));
  assert.throws(() => parseTlogProof(new Uint8Array(3 * 1024 * 1024)), TlogProofError);
  assert.throws(() => parseTlogProof(new Uint8Array([...encoder.encode('c2sp.org/tlog-proof@v1\nindex 0'), 0xff, 0x0a, 0x0a, 0x78])), TlogProofError);
  // 64 hashes is the most a proof can need, and is accepted.
  assert.equal(parseTlogProof(encoder.encode('c2sp.org/tlog-proof@v1\nindex 0\n' + (h + '\n').repeat(64) + '\nx')).proof.length, 64);
});

test('formatTlogProof refuses values it cannot write', () => {
  const ok: TlogProof = { index: 0, proof: [], checkpoint: NOTE };
  assert.throws(() => formatTlogProof({ ...ok, index: -1 }), TlogProofError);
  assert.throws(() => formatTlogProof({ ...ok, index: 0.5 }), TlogProofError);
  assert.throws(() => formatTlogProof({ ...ok, proof: [new Uint8Array(31)] }), TlogProofError);
  assert.throws(() => formatTlogProof({ ...ok, proof: new Array(65).fill(new Uint8Array(32)) }), TlogProofError);
  assert.throws(() => formatTlogProof({ ...ok, checkpoint: new Uint8Array(0) }), TlogProofError);
});

test('tlog-proofs round-trip, and random input parses only if canonical (property)', () => {
  const proofArb = fc.record(
    {
      extra: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      index: fc.integer({ min: 0, max: 2 ** 52 - 1 }),
      proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 64 }),
      checkpoint: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    },
    { requiredKeys: ['index', 'proof', 'checkpoint'] },
  );
  fc.assert(
    fc.property(proofArb, (arb) => {
      const p = { ...arb } as TlogProof;
      assert.deepEqual(parseTlogProof(formatTlogProof(p)), p);
    }),
    { numRuns: 300 },
  );
  const good = formatTlogProof({ index: big[0].index, proof: big[0].proof.map(b64), checkpoint: NOTE });
  const inputArb = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.array(fc.constantFrom(TLOG_PROOF_HEADER, 'index 0', 'index 7', 'index 07', 'extra AA==', 'extra', big[0].proof[0], '', 'x', ' '), { maxLength: 8 })
      .map((ls) => encoder.encode(ls.join('\n'))),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
      const d = good.slice();
      d[at % d.length] ^= mask;
      return d;
    }),
  );
  fc.assert(
    fc.property(inputArb, (data) => {
      let p: TlogProof;
      try {
        p = parseTlogProof(data);
      } catch (err) {
        assert.ok(err instanceof TlogProofError, String(err));
        return;
      }
      assert.deepEqual(formatTlogProof(p), data);
    }),
    { numRuns: 1000 },
  );
});
