import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { InputError } from '../../src/errors.ts';
import {
  fingerprint,
  formatPublicKey,
  keyDisplayType,
  parsePublicKeyBlob,
  parsePublicKeyText,
  publicKeyFromKeyObject,
  sameKey,
} from '../../src/manifest/keys.ts';
import { concat, encodeMpint, encodeString } from '../../src/manifest/wire.ts';
import { keysJson, run, sshKeygen, tempDir, vecText } from './support.ts';

test('every vector public key parses; fingerprint, size and type match ssh-keygen -l', () => {
  for (const k of keysJson()) {
    const { key, comment } = parsePublicKeyText(vecText(k.public_key_file));
    // keys.json fingerprint is ssh-keygen -l output: "<bits> SHA256:<fp> <comment> (<TYPE>)".
    const [bits, fp, principal, type] = k.fingerprint.split(' ');
    assert.equal(fingerprint(key), fp, k.file);
    assert.equal(String(key.bits), bits, k.file);
    assert.equal(`(${keyDisplayType(key)})`, type, k.file);
    assert.equal(comment, principal);
    assert.equal(formatPublicKey(key, comment), k.public_key, 're-encoding gives the .pub line back');
    assert.ok(sameKey(key, parsePublicKeyText(k.public_key).key));
  }
});

test('keys ssh-keygen makes (P-384, P-521, RSA 1024/2048) parse and fingerprint like ssh-keygen -l', (t) => {
  const dir = tempDir(t);
  const made = [
    sshKeygen(dir, 'p384', ['-t', 'ecdsa', '-b', '384']),
    sshKeygen(dir, 'p521', ['-t', 'ecdsa', '-b', '521']),
    sshKeygen(dir, 'rsa1024', ['-t', 'rsa', '-b', '1024']),
    sshKeygen(dir, 'rsa2048', ['-t', 'rsa', '-b', '2048']),
  ];
  for (const g of made) {
    const { key } = parsePublicKeyText(readFileSync(g.pub, 'utf8'));
    const l = run('ssh-keygen', ['-l', '-f', g.pub]);
    assert.equal(l.status, 0);
    assert.equal(l.stdout, `${key.bits} ${fingerprint(key)} ${g.principal} (${keyDisplayType(key)})\n`);
  }
});

test('node:crypto keys convert to the same SSH blob their parse gives', () => {
  const kinds = [
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    generateKeyPairSync('ec', { namedCurve: 'P-521' }),
    generateKeyPairSync('rsa', { modulusLength: 1024 }),
  ];
  for (const { publicKey, privateKey } of kinds) {
    const a = publicKeyFromKeyObject(publicKey);
    const b = publicKeyFromKeyObject(privateKey);
    assert.ok(sameKey(a, b));
    assert.ok(sameKey(parsePublicKeyBlob(a.blob), a));
  }
  assert.throws(() => publicKeyFromKeyObject(generateKeyPairSync('ed448').publicKey), /unsupported key kind OKP Ed448/);
  assert.throws(() => publicKeyFromKeyObject(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), /unsupported key kind EC/);
  assert.throws(() => publicKeyFromKeyObject(generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey), /at least 1024/);
});

const s = encodeString;
const b = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

test('malformed and unsupported public key blobs are InputErrors that say why', () => {
  const ed = parsePublicKeyText(vecText('keys/ed25519.pub')).key;
  const p256 = parsePublicKeyText(vecText('keys/ecdsa-p256.pub')).key;
  const q = p256.blob.subarray(p256.blob.length - 65);
  const cases: [Uint8Array, RegExp][] = [
    [concat(ed.blob, b('00')), /trailing/],
    [concat(s('ssh-ed25519'), s(new Uint8Array(31))), /truncated|32 bytes/],
    [concat(s('ecdsa-sha2-nistp256'), s('nistp384'), s(q)), /names curve "nistp384"/],
    [concat(s('ecdsa-sha2-nistp256'), s('nistp256'), s(concat(b('02'), q.subarray(1, 33)))), /uncompressed/],
    [concat(s('ecdsa-sha2-nistp256'), s('nistp256'), s(concat(b('04'), new Uint8Array(64).fill(1)))), /not a valid public key/],
    [concat(s('ssh-rsa'), encodeMpint(b('010001')), encodeMpint(new Uint8Array(64).fill(0xff))), /512 bits; at least 1024/],
    [concat(s('ssh-rsa'), encodeMpint(b('010000')), encodeMpint(new Uint8Array(256).fill(0xff))), /exponent must be odd/],
    [concat(s('ssh-dss'), s(new Uint8Array(4))), /unsupported key type ssh-dss/],
    [concat(s('sk-ssh-ed25519@openssh.com'), s(new Uint8Array(32))), /unsupported key type/],
    [concat(s('ssh-ed25519-cert-v01@openssh.com'), s(new Uint8Array(32))), /unsupported key type/],
    [concat(s('ssh-foo')), /unknown key type "ssh-foo"/],
    [new Uint8Array(0), /truncated/],
  ];
  for (const [blob, re] of cases) {
    assert.throws(() => parsePublicKeyBlob(blob), (e: unknown) => e instanceof InputError && re.test(e.message), re.source);
  }
});

test('public key text must be one well-formed line whose type word matches the blob', () => {
  const ed = vecText('keys/ed25519.pub').trim();
  const [, b64] = ed.split(' ');
  assert.equal(parsePublicKeyText(`ssh-ed25519 ${b64}`).comment, '');
  assert.equal(parsePublicKeyText(`  ssh-ed25519\t${b64}  a b  \n`).comment, 'a b');
  assert.throws(() => parsePublicKeyText(`ssh-rsa ${b64}`), /says ssh-rsa but the key is ssh-ed25519/);
  assert.throws(() => parsePublicKeyText(`ssh-ed25519 ${b64.slice(1)}`), /base64/);
  assert.throws(() => parsePublicKeyText('ssh-ed25519'), /<type> <base64>/);
  assert.throws(() => parsePublicKeyText(`ssh-dss ${b64}`), /unsupported key type ssh-dss/);
  assert.throws(() => parsePublicKeyText(`${ed}\n${ed}`), /one line/);
});

test('property: random blobs and mutated real blobs give a key or an InputError', () => {
  const blobs = keysJson().map((k) => parsePublicKeyText(k.public_key).key.blob);
  const check = (blob: Uint8Array) => {
    try {
      const k = parsePublicKeyBlob(blob);
      assert.ok(sameKey(parsePublicKeyBlob(k.blob), k));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 500 });
  fc.assert(
    fc.property(fc.constantFrom(...blobs), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (blob, at, x, cut) => {
      const m = new Uint8Array(blob);
      const i = at % m.length;
      if (cut) check(m.subarray(0, i));
      else {
        m[i] ^= x;
        check(m);
      }
    }),
    { numRuns: 500 },
  );
});
