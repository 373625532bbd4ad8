import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import fc from 'fast-check';
import { InputError } from '../../src/errors.ts';
import { parsePublicKeyBlob, publicKeyFromKeyObject } from '../../src/manifest/keys.ts';
import type { SshPublicKey } from '../../src/manifest/keys.ts';
import { encodeSignatureBlob, parseSignatureBlob, signRaw, verifyRaw } from '../../src/manifest/signature.ts';
import type { SshPrivateKey } from '../../src/manifest/signature.ts';
import { concat, encodeMpint, encodeString, readMpint, reader } from '../../src/manifest/wire.ts';
import { expectedJson } from './support.ts';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

function nodeKey(kind: 'ed25519' | 'P-256' | 'P-384' | 'P-521' | 'rsa'): SshPrivateKey {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 1024 })
        : generateKeyPairSync('ec', { namedCurve: kind });
  return { publicKey: publicKeyFromKeyObject(pair.publicKey), privateKey: pair.privateKey };
}

test('every ssh-keygen signature in the vectors verifies over its signed data, and not over other data', () => {
  for (const v of expectedJson().signatures) {
    const key = parsePublicKeyBlob(b64(v.publickey_base64));
    const sig = b64(v.signature_blob_base64);
    const data = b64(v.signed_data_base64);
    assert.equal(parseSignatureBlob(sig).algorithm, v.signature_algorithm, v.file);
    assert.equal(verifyRaw(key, sig, data), true, v.file);
    const other = new Uint8Array(data);
    other[other.length - 1] ^= 1;
    assert.equal(verifyRaw(key, sig, other), false, v.file);
  }
});

test('signRaw makes signatures verifyRaw accepts, with the algorithm names ssh-keygen uses', () => {
  const data = new TextEncoder().encode('signed data');
  const algs: Record<string, string> = { ed25519: 'ssh-ed25519', 'P-256': 'ecdsa-sha2-nistp256', 'P-384': 'ecdsa-sha2-nistp384', 'P-521': 'ecdsa-sha2-nistp521', rsa: 'rsa-sha2-512' };
  for (const kind of ['ed25519', 'P-256', 'P-384', 'P-521', 'rsa'] as const) {
    const k = nodeKey(kind);
    const sig = signRaw(k, data);
    assert.equal(parseSignatureBlob(sig).algorithm, algs[kind]);
    assert.equal(verifyRaw(k.publicKey, sig, data), true, kind);
    assert.equal(verifyRaw(nodeKey(kind).publicKey, sig, data), false, `${kind}: another key`);
  }
});

test('ECDSA signatures carry r and s as minimal mpints (0x00 prefix exactly when the top bit is set)', () => {
  const k = nodeKey('P-256');
  let sawPrefix = false;
  for (let i = 0; i < 40; i++) {
    const { bytes } = parseSignatureBlob(signRaw(k, new Uint8Array([i])));
    const r = reader(bytes);
    for (let j = 0; j < 2; j++) {
      const len = (bytes[r.pos] << 24) | (bytes[r.pos + 1] << 16) | (bytes[r.pos + 2] << 8) | bytes[r.pos + 3];
      const first = bytes[r.pos + 4];
      const second = bytes[r.pos + 5];
      if (first === 0) {
        sawPrefix = true;
        assert.ok(second >= 0x80, 'a zero byte only before a set top bit');
      } else assert.ok(first < 0x80, 'top bit set needs a zero prefix');
      assert.ok(len <= 33);
      readMpint(r);
    }
    assert.equal(r.pos, bytes.length);
  }
  assert.ok(sawPrefix, 'in 80 values some have the top bit set');
});

test('RSA: rsa-sha2-256 verifies, ssh-rsa (SHA-1) is refused, short signatures are left-padded like OpenSSH', () => {
  const k = nodeKey('rsa');
  const data = new TextEncoder().encode('x');
  const s256 = encodeSignatureBlob({ algorithm: 'rsa-sha2-256', bytes: cryptoSign('sha256', data, k.privateKey) });
  assert.equal(verifyRaw(k.publicKey, s256, data), true);
  const s1 = encodeSignatureBlob({ algorithm: 'ssh-rsa', bytes: cryptoSign('sha1', data, k.privateKey) });
  assert.throws(() => verifyRaw(k.publicKey, s1, data), /ssh-rsa is not allowed/);
  const long = encodeSignatureBlob({ algorithm: 'rsa-sha2-512', bytes: new Uint8Array(129) });
  assert.throws(() => verifyRaw(k.publicKey, long, data), /longer than the key modulus/);
  // Find a message whose signature starts with a zero byte (about 1 in 256), then send it without that byte.
  for (let i = 0; i < 5000; i++) {
    const msg = new TextEncoder().encode(`m${i}`);
    const raw = cryptoSign('sha512', msg, k.privateKey);
    if (raw[0] !== 0) continue;
    const short = encodeSignatureBlob({ algorithm: 'rsa-sha2-512', bytes: raw.subarray(1) });
    assert.equal(verifyRaw(k.publicKey, short, msg), true);
    return;
  }
  assert.fail('no signature with a leading zero byte in 5000 tries');
});

test('malformed signature blobs are InputErrors; impossible ECDSA values simply do not verify', () => {
  const ed = nodeKey('ed25519').publicKey;
  const p256 = nodeKey('P-256').publicKey;
  const data = new Uint8Array(1);
  const s = encodeString;
  const cases: [SshPublicKey, Uint8Array, RegExp][] = [
    [ed, concat(s('ssh-rsa'), s(new Uint8Array(64))), /does not fit an ssh-ed25519 key/],
    [ed, concat(s('ssh-ed25519'), s(new Uint8Array(63))), /64 bytes/],
    [ed, concat(s('ssh-ed25519'), s(new Uint8Array(64)), new Uint8Array(1)), /trailing/],
    [p256, concat(s('ecdsa-sha2-nistp384'), s(new Uint8Array(8))), /does not fit/],
    [p256, concat(s('ecdsa-sha2-nistp256'), s(concat(encodeMpint(new Uint8Array([1])), encodeMpint(new Uint8Array([1])), new Uint8Array(1)))), /trailing/],
    [p256, concat(s('ecdsa-sha2-nistp256'), s(new Uint8Array([0, 0, 0, 1, 0x80]))), /negative/],
    [p256, s('ecdsa-sha2-nistp256'), /truncated/],
  ];
  for (const [key, blob, re] of cases) {
    assert.throws(() => verifyRaw(key, blob, data), (e: unknown) => e instanceof InputError && re.test(e.message), re.source);
  }
  const mp = (b: Uint8Array) => encodeMpint(b);
  const ecdsa = (r: Uint8Array, sv: Uint8Array) => concat(s('ecdsa-sha2-nistp256'), s(concat(mp(r), mp(sv))));
  assert.equal(verifyRaw(p256, ecdsa(new Uint8Array(0), new Uint8Array([1])), data), false, 'r = 0');
  assert.equal(verifyRaw(p256, ecdsa(new Uint8Array(33).fill(1), new Uint8Array([1])), data), false, 'r longer than the field');
});

test('property: random signature blobs give a boolean or an InputError', () => {
  const keys = [nodeKey('ed25519'), nodeKey('P-256'), nodeKey('rsa')].map((k) => k.publicKey);
  const algs = fc.constantFrom('ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', '');
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.tuple(algs, fc.uint8Array({ maxLength: 140 })).map(([a, b]) => concat(encodeString(a), encodeString(b)))), (key, blob) => {
      try {
        assert.equal(typeof verifyRaw(key, blob, new Uint8Array(3)), 'boolean');
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }),
    { numRuns: 500 },
  );
});
