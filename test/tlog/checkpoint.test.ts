import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/tlog/checkpoint.ts';
import type { Checkpoint } from '../../src/tlog/checkpoint.ts';
import { MAX_TREE_SIZE } from '../../src/tlog/stored.ts';
import { newVerifier } from '../../src/tlog/note.ts';
import { CheckpointError, InvalidSignatureError, UnverifiedNoteError } from '../../src/tlog/errors.ts';
import { b64, loadVector, loadVectorBytes } from './testlog.ts';

const cases = loadVector('note/cases.json');
const keys = loadVector('note/keys.json');
const ROOT_B64 = loadVector('tlog/tiles.json').root as string;
const ORIGIN = 'example.test/distsum';
const distsum = newVerifier(keys.keys.find((k: any) => k.name === ORIGIN).verifier_key);
const w1 = newVerifier(keys.keys.find((k: any) => k.name === 'witness.example/w1').verifier_key);
const impostor = newVerifier(keys.impostor.verifier_key);

test('the vector checkpoint body parses and formats back byte for byte', () => {
  const c = parseCheckpoint(cases.checkpoint_body);
  assert.deepEqual(c, { origin: ORIGIN, size: 70000, hash: b64(ROOT_B64), extensions: [] });
  assert.equal(formatCheckpoint(c), cases.checkpoint_body);
  assert.equal(formatCheckpoint(c), `${ORIGIN}\n70000\n${ROOT_B64}\n`);
});

test('extension lines are kept in order', () => {
  const text = `${ORIGIN}\n5\n${ROOT_B64}\nfirst ext\n\u2014 second\n`;
  const c = parseCheckpoint(text);
  assert.deepEqual(c.extensions, ['first ext', '\u2014 second']);
  assert.equal(formatCheckpoint(c), text);
});

test('malformed checkpoints are rejected with CheckpointError', () => {
  const h = ROOT_B64;
  const bad = [
    '', '\n', `${ORIGIN}\n70000\n${h}`, `${ORIGIN}\n70000\n`, `\n70000\n${h}\n`, `${ORIGIN}\n070000\n${h}\n`,
    `${ORIGIN}\n+5\n${h}\n`, `${ORIGIN}\n-1\n${h}\n`, `${ORIGIN}\n 5\n${h}\n`, `${ORIGIN}\n5 \n${h}\n`, `${ORIGIN}\n\n${h}\n`,
    `${ORIGIN}\n0x10\n${h}\n`, `${ORIGIN}\n1e3\n${h}\n`, `${ORIGIN}\n${MAX_TREE_SIZE + 1}\n${h}\n`, `${ORIGIN}\n99999999999999999999\n${h}\n`,
    `${ORIGIN}\n5\n${h.slice(0, -2)}=\n`, `${ORIGIN}\n5\n${h.slice(0, -4)}\n`, `${ORIGIN}\n5\n${h}=\n`,
    `${ORIGIN}\n5\nWt81M38Ng5cwv06saN5z+WeDyysTQag/dlBodzfufKF=\n`, `${ORIGIN}\n5\n${h.replace('+', '-')}\n`,
    `${ORIGIN}\n5\n${h}\n\n`, `${ORIGIN}\n5\n${h}\next\n\n`, `${ORIGIN}\r\n5\n${h}\n`, `${ORIGIN}\n5\r\n${h}\n`,
    `or\tigin\n5\n${h}\n`, `${ORIGIN}\n5\n${h}\nbad\u0000ext\n`,
  ];
  for (const t of bad) assert.throws(() => parseCheckpoint(t), CheckpointError, JSON.stringify(t));
});

test('formatCheckpoint refuses values it could not write faithfully', () => {
  const ok: Checkpoint = { origin: ORIGIN, size: 1, hash: b64(ROOT_B64), extensions: [] };
  const bad: Checkpoint[] = [
    { ...ok, origin: '' },
    { ...ok, origin: 'two\nlines' },
    { ...ok, size: -1 },
    { ...ok, size: 1.5 },
    { ...ok, size: MAX_TREE_SIZE + 1 },
    { ...ok, hash: new Uint8Array(31) },
    { ...ok, extensions: [''] },
    { ...ok, extensions: ['a\nb'] },
  ];
  for (const c of bad) assert.throws(() => formatCheckpoint(c), CheckpointError, JSON.stringify({ ...c, hash: c.hash.length }));
});

const lineArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => !/[\u0000-\u001f]/.test(s));

test('checkpoints round-trip, and random text parses only if canonical (property)', () => {
  const cpArb = fc.record({
    origin: lineArb,
    size: fc.integer({ min: 0, max: MAX_TREE_SIZE }),
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    extensions: fc.array(lineArb, { maxLength: 3 }),
  });
  fc.assert(
    fc.property(cpArb, (arb) => {
      const c = { ...arb };
      assert.deepEqual(parseCheckpoint(formatCheckpoint(c)), c);
    }),
    { numRuns: 300 },
  );
  const textArb = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 120 }),
    fc.array(fc.oneof(lineArb, fc.constantFrom('0', '70000', '007', ROOT_B64, '', ' ', '\r')), { maxLength: 6 }).map((ls) => ls.join('\n') + '\n'),
  );
  fc.assert(
    fc.property(textArb, (t) => {
      let c: Checkpoint;
      try {
        c = parseCheckpoint(t);
      } catch (err) {
        assert.ok(err instanceof CheckpointError, String(err));
        return;
      }
      assert.equal(formatCheckpoint(c), t);
    }),
    { numRuns: 1000 },
  );
});

test('openCheckpoint needs the log signature and the expected origin', () => {
  const note = loadVectorBytes('note/checkpoint-distsum-w1.note');
  const r = openCheckpoint(note, ORIGIN, distsum, [w1]);
  assert.equal(r.checkpoint.size, 70000);
  assert.deepEqual(r.checkpoint.hash, b64(ROOT_B64));
  assert.deepEqual(r.sigs.map((s) => s.name), [ORIGIN, 'witness.example/w1']);
  // Only the witness key would satisfy openNote; the log's own key must have signed.
  assert.throws(() => openCheckpoint(note, ORIGIN, impostor, [w1]), UnverifiedNoteError);
  assert.throws(() => openCheckpoint(note, 'example.test/other', distsum), CheckpointError);
  const tampered = b64(cases.cases.find((c: any) => c.name === 'tampered-body').message_base64);
  assert.throws(() => openCheckpoint(tampered, ORIGIN, distsum), InvalidSignatureError);
  // A signed note whose text is not a checkpoint.
  const notCheckpoint = b64(cases.cases.find((c: any) => c.name === 'text-with-blank-line').message_base64);
  assert.throws(() => openCheckpoint(notCheckpoint, ORIGIN, distsum), CheckpointError);
});
