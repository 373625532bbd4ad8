import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import {
  MAX_NOTE_SIZE,
  generateKey,
  isValidKeyName,
  newSigner,
  newVerifier,
  openNote,
  signNote,
} from '../../src/tlog/note.ts';
import type { NoteSig, Signer, Verifier } from '../../src/tlog/note.ts';
import { InvalidSignatureError, KeyFormatError, MalformedNoteError, NoteError, UnverifiedNoteError } from '../../src/tlog/errors.ts';
import { b64, hex, loadVector, loadVectorBytes } from './testlog.ts';

const cases = loadVector('note/cases.json');
const keys = loadVector('note/keys.json');
const extra = loadVector('note/keys-extra.json');
const byLabel = new Map<string, any>([...keys.keys, keys.impostor, ...extra.keys].map((k: any) => [k.label, k]));
const distsum = byLabel.get('example.test/distsum');
const w1 = keys.keys.find((k: any) => k.name === 'witness.example/w1');
const encoder = new TextEncoder();

const ERROR_KINDS: Record<string, new (...a: any[]) => NoteError> = {
  MalformedNote: MalformedNoteError,
  UnverifiedNoteError,
  InvalidSignatureError,
};

function sigView(s: NoteSig): { name: string; key_id_hex: string; signature_base64: string } {
  return { name: s.name, key_id_hex: s.keyId.toString(16).padStart(8, '0'), signature_base64: s.base64 };
}

test('every cases.json note gets its exact verdict', () => {
  assert.equal(cases.cases.length, 29);
  for (const c of cases.cases) {
    const msg = b64(c.message_base64);
    assert.deepEqual(loadVectorBytes(`note/${c.file}`), msg, `${c.file} bytes`);
    const verifiers = c.verifier_keys.map((k: string) => newVerifier(k));
    if (c.expected.ok) {
      const n = openNote(msg, verifiers);
      assert.equal(n.text, c.expected.text, c.name);
      assert.deepEqual(n.sigs.map(sigView), c.expected.verified_sigs, c.name);
      assert.deepEqual(n.unverifiedSigs.map(sigView), c.expected.unverified_sigs ?? [], c.name);
    } else {
      const kind = ERROR_KINDS[c.expected.error_kind];
      assert.ok(kind, c.expected.error_kind);
      assert.throws(() => openNote(msg, verifiers), (err: unknown) => err instanceof kind && err instanceof NoteError, c.name);
    }
  }
});

test('generateKey reproduces every vector key from its seed', () => {
  const all = [...keys.keys, keys.impostor, ...extra.keys];
  assert.equal(all.length, 3 + 1 + 98);
  for (const k of all) {
    const g = generateKey(k.name, hex(k.seed_hex));
    assert.equal(g.signerKey, k.signer_key, k.label);
    assert.equal(g.verifierKey, k.verifier_key, k.label);
    const s = newSigner(k.signer_key);
    const v = newVerifier(k.verifier_key);
    assert.equal(s.name, k.name);
    assert.equal(s.keyId, parseInt(k.key_id_hex, 16));
    assert.equal(v.keyId, s.keyId);
    assert.equal(k.verifier_key.split('+')[1], k.key_id_hex);
    assert.deepEqual(b64(k.verifier_key.slice(k.name.length + 10)), new Uint8Array([1, ...hex(k.public_key_hex)]));
  }
});

test('key IDs agree with python3 hashlib: SHA-256(name || "\\n" || 0x01 || pubkey)[:4]', () => {
  const sample = [distsum, w1, keys.impostor, ...extra.keys.slice(0, 5)];
  const py = 'import hashlib,json,sys\nfor n,p in json.load(sys.stdin): print(hashlib.sha256(n.encode()+b"\\n\\x01"+bytes.fromhex(p)).hexdigest()[:8])';
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify(sample.map((k: any) => [k.name, k.public_key_hex])), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), sample.map((k: any) => newVerifier(k.verifier_key).keyId.toString(16).padStart(8, '0')));
});

test('signNote reproduces the vector notes byte for byte (Ed25519 is deterministic)', () => {
  const body = cases.checkpoint_body;
  assert.deepEqual(signNote(body, [newSigner(distsum.signer_key)]), loadVectorBytes('note/checkpoint-distsum.note'));
  assert.deepEqual(
    signNote(body, [newSigner(distsum.signer_key), newSigner(w1.signer_key)]),
    loadVectorBytes('note/checkpoint-distsum-w1.note'),
  );
});

test('signNote refuses text it could not round-trip and duplicate signers', () => {
  const s = newSigner(distsum.signer_key);
  assert.throws(() => signNote('no newline', [s]), MalformedNoteError);
  assert.throws(() => signNote('ends in blank\n\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('tab\there\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('cr\r\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('lone \ud800 surrogate\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('x'.repeat(MAX_NOTE_SIZE) + '\n', [s]), MalformedNoteError);
  assert.throws(() => signNote('ok\n', [s, s]), KeyFormatError);
  assert.throws(() => signNote('ok\n', []), KeyFormatError);
  const badName: Signer = { ...s, name: 'bad name' };
  assert.throws(() => signNote('ok\n', [badName]), KeyFormatError);
});

test('a second, different signature line from a known key is verified too', () => {
  const v = newVerifier(distsum.verifier_key);
  const good = new TextDecoder().decode(loadVectorBytes('note/checkpoint-distsum.note'));
  const line = good.slice(good.lastIndexOf('\u2014'));
  const raw = b64(line.split(' ')[2].trim());
  raw[10] ^= 1;
  const forged = good + `\u2014 ${distsum.name} ${Buffer.from(raw).toString('base64')}\n`;
  assert.throws(() => openNote(encoder.encode(forged), [v]), InvalidSignatureError);
  // An exact repeat is dropped, and the note still opens with one verified signature.
  const repeated = good + line;
  assert.equal(openNote(encoder.encode(repeated), [v]).sigs.length, 1);
});

test('errors carry the right exit codes and one-line messages', () => {
  const v = newVerifier(distsum.verifier_key);
  const tampered = b64(cases.cases.find((c: any) => c.name === 'tampered-body').message_base64);
  try {
    openNote(tampered, [v]);
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof InvalidSignatureError);
    assert.equal(err.exitCode, 3);
    assert.equal(err.keyName, distsum.name);
    assert.ok(!err.message.includes('\n'));
    assert.match(err.message, /example\.test\/distsum\+8f91eb71/);
  }
  assert.equal(new MalformedNoteError('x').exitCode, 2);
  assert.equal(new UnverifiedNoteError('x').exitCode, 1);
});

test('notes over 1 MiB are rejected before anything else', () => {
  const big = new Uint8Array(MAX_NOTE_SIZE + 1).fill(0x61);
  assert.throws(() => openNote(big, [newVerifier(distsum.verifier_key)]), MalformedNoteError);
});

test('key names: non-empty, no "+", no Unicode whitespace', () => {
  for (const ok of ['example.com/log', 'PeterNeumann', 'ünïcödé/名前', 'a']) assert.equal(isValidKeyName(ok), true, ok);
  for (const bad of ['', 'a+b', 'a b', 'a\tb', 'a\u00a0b', 'a\u0085b', 'a\u2028b', 'a\u3000b', 'a\u2009b', 'a\nb', 'a\ud800']) {
    assert.equal(isValidKeyName(bad), false, JSON.stringify(bad));
    assert.throws(() => generateKey(bad), KeyFormatError);
  }
});

test('malformed key strings are rejected with KeyFormatError', () => {
  const vk = distsum.verifier_key as string;
  const sk = distsum.signer_key as string;
  const badVerifiers = [
    '', 'name', 'name+8f91eb71', vk.replace('+8f91eb71+', '+8F91EB71+'), vk.replace('+8f91eb71+', '+8f91eb7+'),
    vk.replace('+8f91eb71+', '+8f91eb72+'), vk + '=', vk.slice(0, -1), vk.replace('+AQ', '+Ag'), ` ${vk}`, sk,
    vk.replace('example.test/distsum', 'other.name'), vk + 'AAAA',
  ];
  for (const k of badVerifiers) assert.throws(() => newVerifier(k), KeyFormatError, k);
  const badSigners = [vk, 'PRIVATE+KEY+', sk.replace('+8f91eb71+', '+00000000+'), sk.replace('PRIVATE+KEY', 'private+key'), sk.slice(0, -4)];
  for (const k of badSigners) assert.throws(() => newSigner(k), KeyFormatError, k);
  assert.throws(() => generateKey('ok', new Uint8Array(31)), KeyFormatError);
});

test('random key strings give KeyFormatError or a working key (property)', () => {
  const keyish = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.tuple(fc.string({ maxLength: 10 }), fc.stringMatching(/^[0-9a-f]{8}$/), fc.uint8Array({ maxLength: 40 }))
      .map(([n, id, k]) => `${n}+${id}+${Buffer.from(k).toString('base64')}`),
  );
  fc.assert(
    fc.property(keyish, (s) => {
      for (const make of [newVerifier, newSigner]) {
        try {
          make(s);
        } catch (err) {
          assert.ok(err instanceof KeyFormatError, String(err));
        }
      }
    }),
    { numRuns: 1000 },
  );
  const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter(isValidKeyName);
  fc.assert(
    fc.property(nameArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), (name, seed) => {
      const g = generateKey(name, seed);
      const s = newSigner(g.signerKey);
      const v = newVerifier(g.verifierKey);
      assert.equal(s.name, name);
      assert.equal(v.keyId, s.keyId);
      const msg = encoder.encode('hello\n');
      assert.equal(v.verify(msg, s.sign(msg)), true);
      assert.equal(v.verify(encoder.encode('hellp\n'), s.sign(msg)), false);
    }),
    { numRuns: 100 },
  );
});

// Note text: lines of printable text (no control characters), ending in a newline, not in a blank line.
const lineArb = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !/[\u0000-\u001f]/.test(s));
const textArb = fc.array(lineArb, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('\n') + '\n').filter((t) => !t.endsWith('\n\n') && t !== '\n');

test('signed notes open to the same text; any flipped byte makes them fail (property)', () => {
  const signers = [newSigner(distsum.signer_key), newSigner(w1.signer_key)];
  const verifiers: Verifier[] = [newVerifier(distsum.verifier_key), newVerifier(w1.verifier_key)];
  fc.assert(
    fc.property(textArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, where, mask) => {
      const note = signNote(text, signers);
      const opened = openNote(note, verifiers);
      assert.equal(opened.text, text);
      assert.deepEqual(opened.sigs.map((s) => s.name), [distsum.name, w1.name]);
      assert.deepEqual(openNote(note, verifiers.slice(1)).unverifiedSigs.map((s) => s.name), [distsum.name]);
      // With one signer any flipped byte must fail. With two, a flip inside one signature line may
      // only demote that line to an unknown key: the text and the other signature stay as signed.
      const single = signNote(text, signers.slice(0, 1));
      const bad1 = single.slice();
      bad1[where % bad1.length] ^= mask;
      assert.throws(() => openNote(bad1, verifiers), NoteError);
      const bad2 = note.slice();
      bad2[where % bad2.length] ^= mask;
      try {
        const n = openNote(bad2, verifiers);
        assert.equal(n.text, text);
        assert.equal(n.sigs.length, 1);
        assert.equal(n.unverifiedSigs.length, 1);
      } catch (err) {
        assert.ok(err instanceof NoteError, String(err));
      }
    }),
    { numRuns: 300 },
  );
});

test('random bytes make openNote throw a NoteError or return a verified note (property)', () => {
  const v = newVerifier(distsum.verifier_key);
  const good = loadVectorBytes('note/checkpoint-distsum.note');
  const arb = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => encoder.encode(s)),
    // Splice random bytes into a valid note.
    fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 8 })).map(([at, ins]) => {
      const i = at % good.length;
      return new Uint8Array([...good.subarray(0, i), ...ins, ...good.subarray(i)]);
    }),
  );
  fc.assert(
    fc.property(arb, (msg) => {
      try {
        const n = openNote(msg, [v]);
        assert.equal(n.sigs.length, 1);
      } catch (err) {
        assert.ok(err instanceof NoteError, String(err));
      }
    }),
    { numRuns: 1000 },
  );
});
