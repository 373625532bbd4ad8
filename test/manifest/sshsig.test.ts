import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { CheckError, InputError } from '../../src/errors.ts';
import { loadPrivateKey } from '../../src/manifest/private-key.ts';
import { publicKeyFromKeyObject } from '../../src/manifest/keys.ts';
import { localSigner, signRaw } from '../../src/manifest/signature.ts';
import {
  armorSshsig,
  dearmorSshsig,
  encodeSshsigBlob,
  parseSshsig,
  parseSshsigBlob,
  signSshsig,
  signSshsigWith,
  sshsigSignedData,
} from '../../src/manifest/sshsig.ts';
import { concat, encodeString, encodeUint32 } from '../../src/manifest/wire.ts';
import { expectedJson, vecBytes, vecText } from './support.ts';

const MESSAGE = 'example_pkg-1.2.0.hashes.txt';

test('every vector signature parses to the fields expected.json lists, and re-armors byte for byte', () => {
  for (const v of expectedJson().signatures) {
    const text = vecText(v.file);
    const sig = parseSshsig(text, v.file);
    assert.equal(v.magic, 'SSHSIG');
    assert.equal(sig.version, v.version);
    assert.equal(Buffer.from(sig.publicKey.blob).toString('base64'), v.publickey_base64);
    assert.equal(sig.namespace, v.namespace);
    assert.equal(Buffer.from(sig.reserved).toString('utf8'), v.reserved);
    assert.equal(sig.hashAlg, v.hash_algorithm);
    assert.equal(Buffer.from(sig.signature).toString('base64'), v.signature_blob_base64);
    assert.equal(armorSshsig(encodeSshsigBlob(sig)), text, v.file);
  }
});

test('sshsigSignedData gives exactly the bytes ssh-keygen signed', () => {
  const message = vecBytes(MESSAGE);
  for (const v of expectedJson().signatures) {
    const data = sshsigSignedData(v.namespace, v.hash_algorithm as 'sha256' | 'sha512', message);
    assert.equal(Buffer.from(data).toString('base64'), v.signed_data_base64, v.file);
  }
});

test('Ed25519 signatures reproduce ssh-keygen -Y sign byte for byte (all namespaces, hashes, keys)', async () => {
  const message = vecBytes(MESSAGE);
  const ed = await loadPrivateKey(vecBytes('keys/ed25519'), { name: 'keys/ed25519' });
  assert.equal(signSshsig(message, ed), vecText('sigs/ed25519.distsum.sig'));
  assert.equal(signSshsig(message, ed, 'distsum', 'sha256'), vecText('sigs/ed25519.distsum.hashalg-sha256.sig'));
  assert.equal(signSshsig(message, ed, 'file'), vecText('sigs/ed25519.file.sig'));
  assert.equal(await signSshsigWith(message, localSigner(ed)), vecText('sigs/ed25519.distsum.sig'));
  const enc = await loadPrivateKey(vecBytes('keys/ed25519-enc'), { getPassphrase: async () => 'correct horse' });
  assert.equal(signSshsig(message, enc), vecText('sigs/ed25519-enc.distsum.sig'));
  const outsider = await loadPrivateKey(vecBytes('keys/outsider-ed25519'));
  assert.equal(signSshsig(message, outsider), vecText('sigs/outsider-ed25519.distsum.sig'));
});

test('armor wraps base64 at 70 columns with no empty line when the last line is full', () => {
  for (const n of [0, 1, 52, 53, 104, 105, 300]) {
    // 52 and 105 bytes are 70 and 140 base64 characters exactly.
    const blob = new Uint8Array(n).map((_, i) => i);
    const text = armorSshsig(blob);
    const lines = text.split('\n');
    assert.equal(lines[0], '-----BEGIN SSH SIGNATURE-----');
    assert.equal(lines.at(-2), '-----END SSH SIGNATURE-----');
    assert.equal(lines.at(-1), '');
    const body = lines.slice(1, -2);
    assert.ok(body.slice(0, -1).every((l) => l.length === 70));
    assert.ok(body.at(-1)!.length <= 70);
    if (n > 0) assert.ok(body.at(-1)!.length > 0, 'no empty line');
    assert.equal(body.join(''), Buffer.from(blob).toString('base64'));
  }
});

test('dearmor accepts ssh-keygen layout, other wrapping and CRLF; refuses missing or extra parts', () => {
  const text = vecText('sigs/ed25519.distsum.sig');
  const blob = dearmorSshsig(text);
  const body = Buffer.from(blob).toString('base64');
  const rewrapped = `-----BEGIN SSH SIGNATURE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END SSH SIGNATURE-----`;
  assert.deepEqual(dearmorSshsig(rewrapped), blob);
  assert.deepEqual(dearmorSshsig(text.replace(/\n/g, '\r\n')), blob);
  assert.deepEqual(dearmorSshsig(text + '\n\n'), blob);
  const bad: [string, RegExp][] = [
    ['', /does not start with/],
    [' ' + text, /does not start with/],
    [text.replace('-----END SSH SIGNATURE-----', ''), /missing "-----END SSH SIGNATURE-----"/],
    [text + 'trailing words\n', /unexpected text after/],
    [text.replace('U1NIU0lH', 'U1NIU0l*'), /not valid base64/],
    [text.replace('U1NIU0lH', 'U1NIU0l'), /not valid base64/],
    ['-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n', /empty body/],
    ['-----BEGIN SSH SIGNATURE-----\n' + 'A'.repeat(70 * 1024) + '\n-----END SSH SIGNATURE-----\n', /longer than/],
  ];
  for (const [t, re] of bad) {
    assert.throws(() => dearmorSshsig(t, 'x.sig'), (e: unknown) => e instanceof CheckError && e.message.startsWith('x.sig is not a valid SSH signature: ') && re.test(e.message), re.source);
  }
});

test('the blob parser is strict: magic, version 1, supported key, sha256/sha512 only, no trailing data', () => {
  const good = parseSshsig(vecText('sigs/ed25519.distsum.sig'));
  const blob = (over: Partial<Record<'magic' | 'version' | 'key' | 'ns' | 'hash' | 'sig' | 'tail', Uint8Array>>) =>
    concat(
      over.magic ?? new TextEncoder().encode('SSHSIG'),
      over.version ?? encodeUint32(1),
      over.key ?? encodeString(good.publicKey.blob),
      over.ns ?? encodeString('distsum'),
      encodeString(''),
      over.hash ?? encodeString('sha512'),
      over.sig ?? encodeString(good.signature),
      over.tail ?? new Uint8Array(0),
    );
  assert.deepEqual(parseSshsigBlob(blob({})), good);
  const cases: [Uint8Array, RegExp][] = [
    [blob({ magic: new TextEncoder().encode('SSHSIX') }), /missing SSHSIG magic/],
    [blob({ version: encodeUint32(2) }), /unsupported version 2/],
    [blob({ version: encodeUint32(0) }), /unsupported version 0/],
    [blob({ hash: encodeString('sha1') }), /unsupported hash algorithm "sha1"/],
    [blob({ hash: encodeString('SHA512') }), /unsupported hash algorithm/],
    [blob({ tail: new Uint8Array([0]) }), /trailing/],
    [blob({ key: encodeString(concat(encodeString('ssh-dss'), encodeString(new Uint8Array(8)))) }), /unsupported key type ssh-dss/],
    [blob({ ns: encodeString(new Uint8Array([0x64, 0, 0x73])) }), /namespace contains a NUL/],
    [blob({}).subarray(0, 40), /truncated/],
  ];
  for (const [b, re] of cases) {
    assert.throws(() => parseSshsigBlob(b, 's.sig'), (e: unknown) => e instanceof CheckError && /^s\.sig is not a valid SSH signature: /.test(e.message) && re.test(e.message), re.source);
  }
});

test('signing refuses an empty namespace or another hash, and checks what a signer returns', async () => {
  const pair = generateKeyPairSync('ed25519');
  const key = { publicKey: publicKeyFromKeyObject(pair.publicKey), privateKey: pair.privateKey };
  const msg = new Uint8Array([1, 2, 3]);
  assert.throws(() => signSshsig(msg, key, ''), InputError);
  assert.throws(() => signSshsig(msg, key, 'a\0b'), InputError);
  assert.throws(() => signSshsig(msg, key, 'distsum', 'sha1' as 'sha512'), /unsupported hash algorithm "sha1"/);
  const other = generateKeyPairSync('ed25519');
  const otherKey = { publicKey: publicKeyFromKeyObject(other.publicKey), privateKey: other.privateKey };
  const liar = { publicKey: key.publicKey, sign: async (d: Uint8Array) => signRaw(otherKey, d) };
  await assert.rejects(signSshsigWith(msg, liar, 'distsum', 'sha512', 'ssh-agent'), /^CheckError: ssh-agent returned a signature that does not verify/);
  const junk = { publicKey: key.publicKey, sign: async () => new Uint8Array([0, 0, 0, 9]) };
  await assert.rejects(signSshsigWith(msg, junk, 'distsum', 'sha512', 'ssh-agent'), /ssh-agent returned an unusable signature/);
});

test('property: random bytes, random armor text and mutated blobs parse or fail with CheckError', () => {
  const goodBlobs = expectedJson().signatures.map((v) => dearmorSshsig(vecText(v.file)));
  const check = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof CheckError)) throw e;
      assert.ok(!e.message.includes('\n'));
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(() => parseSshsigBlob(b))), { numRuns: 500 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(() => parseSshsig(armorSshsig(b)))), { numRuns: 300 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check(() => parseSshsig(s))), { numRuns: 300 });
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('A', 'b', '+', '/', '=', '\n', '\r', ' ', '-'), maxLength: 200 }), (s) =>
      check(() => parseSshsig(`-----BEGIN SSH SIGNATURE-----\n${s}\n-----END SSH SIGNATURE-----\n`)),
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...goodBlobs), fc.nat(), fc.integer({ min: 1, max: 255 }), (blob, at, x) => {
      const m = new Uint8Array(blob);
      m[at % m.length] ^= x;
      check(() => {
        const s = parseSshsigBlob(m);
        assert.deepEqual(parseSshsigBlob(encodeSshsigBlob(s)), s);
      });
    }),
    { numRuns: 500 },
  );
});
