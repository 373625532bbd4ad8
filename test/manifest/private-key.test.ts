import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { InputError } from '../../src/errors.ts';
import { fingerprint, parsePublicKeyText, sameKey } from '../../src/manifest/keys.ts';
import { loadPrivateKey, readOpensshKeyHeader } from '../../src/manifest/private-key.ts';
import { signRaw, verifyRaw } from '../../src/manifest/signature.ts';
import { readBytes, readString, readUint32, reader } from '../../src/manifest/wire.ts';
import { expectedJson, keysJson, sshKeygen, tempDir, vecBytes, vecText } from './support.ts';

const never = async (): Promise<string> => {
  throw new Error('getPassphrase must not be called');
};

test('every vector private key loads, matches its .pub and signs; unencrypted keys never ask a passphrase', async () => {
  for (const k of keysJson()) {
    let asked = 0;
    const key = await loadPrivateKey(vecBytes(k.file), {
      name: k.file,
      getPassphrase: k.passphrase === null ? never : async () => (asked++, k.passphrase!),
    });
    assert.ok(sameKey(key.publicKey, parsePublicKeyText(k.public_key).key), k.file);
    assert.equal(asked, k.passphrase === null ? 0 : 1);
    const data = new Uint8Array([1, 2, 3]);
    assert.ok(verifyRaw(key.publicKey, signRaw(key, data), data));
  }
});

test('encrypted key: right passphrase gives what ssh-keygen -y prints, wrong or missing passphrase says so', async () => {
  const c = expectedJson().cases.find((x) => x.operation === 'decrypt-key' && x.ok)!;
  const key = await loadPrivateKey(vecBytes('keys/ed25519-enc'), { getPassphrase: async () => 'correct horse' });
  const [type, b64] = c.stdout.split(' ');
  assert.equal(`${key.publicKey.type} ${Buffer.from(key.publicKey.blob).toString('base64')}`, `${type} ${b64}`);
  await assert.rejects(
    loadPrivateKey(vecBytes('keys/ed25519-enc'), { name: 'keys/ed25519-enc', getPassphrase: async () => 'wrong horse' }),
    (e: unknown) => e instanceof InputError && e.message === 'wrong passphrase for keys/ed25519-enc (could not decrypt the key)',
  );
  await assert.rejects(loadPrivateKey(vecBytes('keys/ed25519-enc'), { name: 'k' }), /^InputError: k is encrypted and no passphrase was supplied$/);
});

test('the clear header gives cipher, KDF, rounds and public key without the passphrase', () => {
  for (const k of keysJson()) {
    const h = readOpensshKeyHeader(vecText(k.file), k.file);
    assert.equal(h.cipher, k.private_key_cipher);
    assert.equal(h.kdf, k.private_key_cipher === 'none' ? 'none' : 'bcrypt');
    if (k.passphrase !== null) assert.equal(h.rounds, 16);
    assert.ok(h.publicKey && sameKey(h.publicKey, parsePublicKeyText(k.public_key).key));
  }
});

/** Decodes an OpenSSH private key file body, lets `edit` change it, and re-armors it. */
function editOpensshKey(text: string, edit: (body: Buffer) => Buffer): string {
  const b64 = text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const out = edit(Buffer.from(b64, 'base64')).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${out.match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

test('a key file asking for absurd bcrypt rounds is refused before any passphrase is asked', async () => {
  const text = editOpensshKey(vecText('keys/ed25519-enc'), (body) => {
    // kdfoptions = string(salt[16]) uint32 rounds, right after "openssh-key-v1\0", cipher and kdf names.
    const at = body.indexOf(Buffer.from('bcrypt')) + 6 + 4 + 4 + 16;
    assert.equal(body.readUInt32BE(at), 16);
    body.writeUInt32BE(1_000_000, at);
    return body;
  });
  assert.equal(readOpensshKeyHeader(text).rounds, 1_000_000);
  await assert.rejects(loadPrivateKey(text, { name: 'k', getPassphrase: never }), /^InputError: k uses 1000000 bcrypt rounds; at most 1024 are accepted$/);
});

test('a key whose clear public key is not its private key is refused as corrupt', async () => {
  const mine = parsePublicKeyText(vecText('keys/ed25519.pub')).key.blob;
  const other = parsePublicKeyText(vecText('keys/outsider-ed25519.pub')).key.blob;
  const text = editOpensshKey(vecText('keys/ed25519'), (body) => {
    const at = body.indexOf(Buffer.from(mine));
    Buffer.from(other).copy(body, at);
    return body;
  });
  await assert.rejects(loadPrivateKey(text, { name: 'k' }), /^InputError: k is corrupt: its public and private halves do not match$/);
});

test('ciphers: aes256-cbc keys load; GCM and chacha20 keys are refused with a hint, not a crash', async (t) => {
  const dir = tempDir(t);
  const cbc = sshKeygen(dir, 'cbc', ['-t', 'ed25519', '-Z', 'aes256-cbc'], 'pw');
  const key = await loadPrivateKey(readFileSync(cbc.path), { name: cbc.path, getPassphrase: async () => 'pw' });
  assert.ok(sameKey(key.publicKey, parsePublicKeyText(readFileSync(cbc.pub, 'utf8')).key));
  for (const cipher of ['aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com']) {
    const g = sshKeygen(dir, cipher.slice(0, 6), ['-t', 'ed25519', '-Z', cipher], 'pw');
    await assert.rejects(
      loadPrivateKey(readFileSync(g.path), { name: 'g', getPassphrase: never }),
      new RegExp(`^InputError: g is encrypted with ${cipher.replace('.', '\\.')}, which distsum cannot decrypt \\(re-encrypt it with ssh-keygen -p\\)$`),
    );
  }
});

test('an encrypted private section that is not whole cipher blocks is refused before decryption', async () => {
  // sshpk would report this from a stream 'error' handler as an uncaught exception; we must stop it first.
  const text = editOpensshKey(vecText('keys/ed25519-enc'), (body) => {
    const r = reader(new Uint8Array(body));
    readBytes(r, 15);
    for (let i = 0; i < 3; i++) readString(r);
    readUint32(r);
    readString(r);
    const lenAt = r.pos;
    const len = body.readUInt32BE(lenAt);
    body.writeUInt32BE(len - 1, lenAt);
    return body.subarray(0, body.length - 1);
  });
  await assert.rejects(loadPrivateKey(text, { name: 'k', getPassphrase: never }), /^InputError: k is not a valid OpenSSH private key: private section is not whole cipher blocks$/);
});

test('PEM and PKCS#8 keys written by ssh-keygen load (RSA, ECDSA P-256/384/521), encrypted PEM too', async (t) => {
  const dir = tempDir(t);
  const made = [
    sshKeygen(dir, 'rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']),
    sshKeygen(dir, 'p256-pem', ['-t', 'ecdsa', '-b', '256', '-m', 'PEM']),
    sshKeygen(dir, 'p384-pkcs8', ['-t', 'ecdsa', '-b', '384', '-m', 'PKCS8']),
    sshKeygen(dir, 'p521', ['-t', 'ecdsa', '-b', '521']),
    sshKeygen(dir, 'rsa-pkcs8', ['-t', 'rsa', '-b', '2048', '-m', 'PKCS8']),
  ];
  for (const g of made) {
    const key = await loadPrivateKey(readFileSync(g.path), { name: g.path, getPassphrase: never });
    assert.equal(fingerprint(key.publicKey), fingerprint(parsePublicKeyText(readFileSync(g.pub, 'utf8')).key), g.name);
  }
  const enc = sshKeygen(dir, 'p256-pem-enc', ['-t', 'ecdsa', '-b', '256', '-m', 'PEM'], 'pem secret');
  assert.match(readFileSync(enc.path, 'utf8'), /ENCRYPTED/);
  const key = await loadPrivateKey(readFileSync(enc.path), { name: enc.path, getPassphrase: async () => 'pem secret' });
  assert.ok(sameKey(key.publicKey, parsePublicKeyText(readFileSync(enc.pub, 'utf8')).key));
  await assert.rejects(loadPrivateKey(readFileSync(enc.path), { name: 'e', getPassphrase: async () => 'nope' }), /wrong passphrase for e/);
});

test('not a key, too large, or an unsupported key kind: InputError naming the file', async () => {
  await assert.rejects(loadPrivateKey('hello', { name: 'x' }), /^InputError: cannot read x as an SSH private key/);
  await assert.rejects(loadPrivateKey(vecText('keys/ed25519.pub'), { name: 'x.pub' }), /^InputError: cannot read x.pub as an SSH private key/);
  await assert.rejects(loadPrivateKey(new Uint8Array(300 * 1024), { name: 'big' }), /big is larger than/);
  const broken = vecText('keys/ed25519').replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
  await assert.rejects(loadPrivateKey(broken, { name: 'b' }), (e: unknown) => e instanceof InputError && /^b is not a valid OpenSSH private key/.test(e.message));
});

test('property: mutated key files load as a key or fail with InputError', async () => {
  const texts = ['keys/ed25519', 'keys/ecdsa-p256'].map(vecText);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...texts), fc.nat(), fc.constantFrom('A', 'z', '0', '+', '/', '=', '\n', '-', ' '), async (text, at, ch) => {
      const i = at % text.length;
      const m = text.slice(0, i) + ch + text.slice(i + 1);
      try {
        await loadPrivateKey(m, { getPassphrase: async () => 'x' });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }),
    { numRuns: 200 },
  );
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (b) => {
      try {
        await loadPrivateKey(b, { getPassphrase: async () => 'x' });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }),
    { numRuns: 200 },
  );
});
