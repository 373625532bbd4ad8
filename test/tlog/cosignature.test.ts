import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  ALG_COSIGNATURE_V1,
  cosignatureTimestamp,
  cosignedMessage,
  generateCosignerKey,
  newCosignatureVerifier,
  newCosigner,
  verifierFromKey,
} from '../../src/tlog/cosignature.ts';
import { generateKey, newSigner, newVerifier, openNote, signNote } from '../../src/tlog/note.ts';
import { CosignatureError, InvalidSignatureError, KeyFormatError } from '../../src/tlog/errors.ts';
import { b64, hex, loadVector, loadVectorBytes, toB64 } from './testlog.ts';

const keys = loadVector('note/keys.json');
const cases = loadVector('note/cases.json');
const log = keys.keys.find((k: any) => k.name === 'example.test/distsum');
const BODY: string = cases.checkpoint_body;
const WITNESS = 'witness.example/cosigner';
// Reuse a vector seed: the Ed25519 public key for it is known (public_key_hex), independent of type.
const SEED = hex(log.seed_hex);
const PUB = hex(log.public_key_hex);
const T = 1700000000;
const encoder = new TextEncoder();
const cosKey = generateCosignerKey(WITNESS, SEED);

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

// Standard DER wrappers for raw Ed25519 keys (RFC 8410), written out here for openssl.
function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64')}\n-----END ${label}-----\n`;
}
const PRIV_PEM = pem('PRIVATE KEY', Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]));
const PUB_PEM = pem('PUBLIC KEY', Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), PUB]));

test('cosigner keys: type 0x04 key material and the C2SP key ID (checked with python3 hashlib)', () => {
  const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(cosKey.verifierKey)!;
  assert.equal(cosKey.signerKey, `PRIVATE+KEY+${WITNESS}+${id}+${toB64(new Uint8Array([4, ...SEED]))}`);
  assert.equal(name, WITNESS);
  assert.deepEqual(b64(key), new Uint8Array([ALG_COSIGNATURE_V1, ...PUB]));
  const py = 'import hashlib,sys\nn,p=sys.argv[1],bytes.fromhex(sys.argv[2])\nprint(hashlib.sha256(n.encode()+b"\\n\\x04"+p).hexdigest()[:8])';
  const r = spawnSync('python3', ['-c', py, WITNESS, log.public_key_hex], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(id, r.stdout.trim());
  // Same name and key as a plain note key, but a different ID: the type byte separates them.
  assert.notEqual(id, generateKey(WITNESS, SEED).verifierKey.slice(WITNESS.length + 1, WITNESS.length + 9));
});

test('the cosigned message is header, time line, then the checkpoint text', () => {
  assert.deepEqual(cosignedMessage(encoder.encode(BODY), BigInt(T)), encoder.encode(`cosignature/v1\ntime ${T}\n${BODY}`));
  assert.deepEqual(cosignedMessage(encoder.encode(BODY), 0n), encoder.encode(`cosignature/v1\ntime 0\n${BODY}`));
  assert.throws(() => cosignedMessage(new Uint8Array(0), 1n << 63n), CosignatureError);
  assert.throws(() => cosignedMessage(new Uint8Array(0), -1n), CosignatureError);
});

test('a log signature plus a cosignature open together; the timestamp is read back', () => {
  const note = signNote(BODY, [newSigner(log.signer_key), newCosigner(cosKey.signerKey, () => T)]);
  const opened = openNote(note, [newVerifier(log.verifier_key), newCosignatureVerifier(cosKey.verifierKey)]);
  assert.equal(opened.text, BODY);
  assert.deepEqual(opened.sigs.map((s) => s.name), [log.name, WITNESS]);
  assert.equal(cosignatureTimestamp(opened.sigs[1]), T);
  // The first line is byte-identical to the vector note: adding a cosignature does not disturb it.
  const vector = new TextDecoder().decode(loadVectorBytes('note/checkpoint-distsum.note'));
  assert.ok(new TextDecoder().decode(note).startsWith(vector));
  // The log key alone still opens it; the cosignature is then just an unknown signature.
  assert.equal(openNote(note, [newVerifier(log.verifier_key)]).unverifiedSigs[0].name, WITNESS);
});

test('openssl verifies our cosignatures, and we verify cosignatures openssl made', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-cosig-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), PUB_PEM);
    writeFileSync(join(dir, 'priv.pem'), PRIV_PEM);
    // The private key we handed openssl yields the public key we expect.
    const derived = openssl(['pkey', '-in', join(dir, 'priv.pem'), '-pubout']);
    assert.equal(derived.status, 0, derived.out);
    assert.equal(derived.out.trim(), PUB_PEM.trim());

    const sig = newCosigner(cosKey.signerKey, () => T).sign(encoder.encode(BODY));
    assert.equal(sig.length, 72);
    assert.deepEqual(sig.subarray(0, 8), new Uint8Array([0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00])); // 1700000000 BE
    writeFileSync(join(dir, 'msg'), `cosignature/v1\ntime ${T}\n${BODY}`);
    writeFileSync(join(dir, 'sig'), sig.subarray(8));
    const ok = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'msg'), '-sigfile', join(dir, 'sig')]);
    assert.equal(ok.status, 0, ok.out);
    writeFileSync(join(dir, 'msg2'), `cosignature/v1\ntime ${T + 1}\n${BODY}`);
    const no = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-in', join(dir, 'msg2'), '-sigfile', join(dir, 'sig')]);
    assert.notEqual(no.status, 0);

    // openssl signs the message for time T+5; we assemble the note line and open it.
    const t2 = T + 5;
    writeFileSync(join(dir, 'msg3'), `cosignature/v1\ntime ${t2}\n${BODY}`);
    const signed = openssl(['pkeyutl', '-sign', '-inkey', join(dir, 'priv.pem'), '-rawin', '-in', join(dir, 'msg3'), '-out', join(dir, 'sig3')]);
    assert.equal(signed.status, 0, signed.out);
    const edSig = readFileSync(join(dir, 'sig3'));
    const verifier = newCosignatureVerifier(cosKey.verifierKey);
    const line = Buffer.alloc(4 + 8 + 64);
    line.writeUInt32BE(verifier.keyId, 0);
    line.writeBigUInt64BE(BigInt(t2), 4);
    edSig.copy(line, 12);
    const logNote = new TextDecoder().decode(loadVectorBytes('note/checkpoint-distsum.note'));
    const withCosig = `${logNote}\u2014 ${WITNESS} ${line.toString('base64')}\n`;
    const opened = openNote(encoder.encode(withCosig), [newVerifier(log.verifier_key), verifier]);
    assert.equal(opened.sigs.length, 2);
    assert.equal(cosignatureTimestamp(opened.sigs[1]), t2);
    // The same signature under another timestamp is a bad signature from a known key.
    line.writeBigUInt64BE(BigInt(t2 + 1), 4);
    const shifted = `${logNote}\u2014 ${WITNESS} ${line.toString('base64')}\n`;
    assert.throws(() => openNote(encoder.encode(shifted), [verifier]), InvalidSignatureError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cosignatureTimestamp reads the C2SP spec example line (time 1679315147)', () => {
  const base64 = 'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
  assert.equal(cosignatureTimestamp({ name: 'witness.example.com/w1', keyId: 0x8d66cf3f, base64 }), 1679315147);
  assert.throws(() => cosignatureTimestamp({ name: 'x', keyId: 0, base64: 'AAAAAAAA' }), CosignatureError);
  const huge = toB64(new Uint8Array([0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(64)]));
  assert.throws(() => cosignatureTimestamp({ name: 'x', keyId: 0, base64: huge }), CosignatureError);
});

test('verifiers reject wrong lengths and out-of-range timestamps', () => {
  const v = newCosignatureVerifier(cosKey.verifierKey);
  const sig = newCosigner(cosKey.signerKey, () => T).sign(encoder.encode(BODY));
  assert.equal(v.verify(encoder.encode(BODY), sig), true);
  assert.equal(v.verify(encoder.encode(BODY), sig.subarray(0, 71)), false);
  assert.equal(v.verify(encoder.encode(BODY), new Uint8Array([...sig, 0])), false);
  const high = sig.slice();
  high[0] = 0x80;
  assert.equal(v.verify(encoder.encode(BODY), high), false);
});

test('key types are not interchangeable; verifierFromKey dispatches on the type byte', () => {
  const plain01 = log.verifier_key as string;
  assert.throws(() => newCosignatureVerifier(plain01), KeyFormatError);
  assert.throws(() => newVerifier(cosKey.verifierKey), KeyFormatError);
  assert.throws(() => newCosigner(log.signer_key, () => T), KeyFormatError);
  assert.throws(() => newSigner(cosKey.signerKey), KeyFormatError);
  assert.throws(() => newCosignatureVerifier(cosKey.verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), KeyFormatError);
  assert.throws(() => newCosigner(cosKey.signerKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'), () => T), KeyFormatError);
  assert.equal(verifierFromKey(plain01).keyId, newVerifier(plain01).keyId);
  assert.equal(verifierFromKey(cosKey.verifierKey).keyId, newCosignatureVerifier(cosKey.verifierKey).keyId);
  const type2 = `${WITNESS}+00000000+${toB64(new Uint8Array([2, ...PUB]))}`;
  assert.throws(() => verifierFromKey(type2), KeyFormatError);
  assert.throws(() => generateCosignerKey('bad name', SEED), KeyFormatError);
  assert.throws(() => newCosigner(cosKey.signerKey, () => -1).sign(new Uint8Array(0)), CosignatureError);
  assert.throws(() => newCosigner(cosKey.signerKey, () => 1.5).sign(new Uint8Array(0)), CosignatureError);
});

test('cosignatures verify for random texts and times and fail when altered (property)', () => {
  const v = newCosignatureVerifier(cosKey.verifierKey);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.nat(), fc.integer({ min: 1, max: 255 }), (msg, t, where, mask) => {
      const sig = newCosigner(cosKey.signerKey, () => t).sign(msg);
      assert.equal(v.verify(msg, sig), true);
      const bad = sig.slice();
      bad[where % bad.length] ^= mask;
      assert.equal(v.verify(msg, bad), false);
      if (msg.length > 0) {
        const m2 = msg.slice();
        m2[where % m2.length] ^= mask;
        assert.equal(v.verify(m2, sig), false);
      }
    }),
    { numRuns: 150 },
  );
});
