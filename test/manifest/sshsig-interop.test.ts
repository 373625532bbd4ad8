// Both directions with the real ssh-keygen: our signatures pass `ssh-keygen -Y verify`, and ssh-keygen's
// signatures (`-Y sign`) pass verifySshsig, for every supported key type, including an encrypted key and
// key types the vectors lack (P-384, P-521, RSA-2048 generated here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckError } from '../../src/errors.ts';
import { parseSignatureBlob } from '../../src/manifest/signature.ts';
import { loadPrivateKey } from '../../src/manifest/private-key.ts';
import { parseSshsig, signSshsig } from '../../src/manifest/sshsig.ts';
import type { SshsigHashAlg } from '../../src/manifest/sshsig.ts';
import { checkSshsigNoValidate, formatGoodSignature, verifySshsig } from '../../src/manifest/verify.ts';
import { copyVectorKeys, run, sshKeygen, tempDir, vecBytes, writeAskpass } from './support.ts';

interface Signer {
  name: string;
  path: string;
  pub: string;
  principal: string;
  passphrase?: string;
  algorithm: string;
}

function setUp(dir: string): { signers: Signer[]; allowed: string; allowedText: string; askpass: string } {
  copyVectorKeys(dir, ['ed25519', 'ed25519-enc', 'ecdsa-p256', 'rsa-3072']);
  const vec = (name: string, algorithm: string, passphrase?: string): Signer => ({
    name,
    path: join(dir, name),
    pub: join(dir, `${name}.pub`),
    principal: `${name}@example.test`,
    passphrase,
    algorithm,
  });
  const gen = (name: string, args: string[], algorithm: string): Signer => ({ ...sshKeygen(dir, name, args), algorithm });
  const signers = [
    vec('ed25519', 'ssh-ed25519'),
    vec('ed25519-enc', 'ssh-ed25519', 'correct horse'),
    vec('ecdsa-p256', 'ecdsa-sha2-nistp256'),
    vec('rsa-3072', 'rsa-sha2-512'),
    gen('ecdsa-p384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384'),
    gen('ecdsa-p521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'),
    gen('rsa-2048', ['-t', 'rsa', '-b', '2048'], 'rsa-sha2-512'),
  ];
  const allowedText = signers.map((s) => `${s.principal} ${readFileSync(s.pub, 'utf8').split(' ').slice(0, 2).join(' ')}\n`).join('');
  const allowed = join(dir, 'allowed_signers');
  writeFileSync(allowed, allowedText);
  return { signers, allowed, allowedText, askpass: writeAskpass(dir, 'correct horse') };
}

// The vector message and a binary one (NUL bytes, no final newline) so hashing covers arbitrary data.
const MESSAGES = [vecBytes('example_pkg-1.2.0.hashes.txt'), new Uint8Array(1000).map((_, i) => (i * 31) % 256)];

test('ssh-keygen -Y verify accepts our signatures for every key type and hash, and rejects them over other data', async (t) => {
  const dir = tempDir(t);
  const { signers, allowed, allowedText } = setUp(dir);
  for (const s of signers) {
    const key = await loadPrivateKey(readFileSync(s.path), { name: s.path, getPassphrase: async () => s.passphrase ?? assert.fail('no passphrase expected') });
    for (const [mi, message] of MESSAGES.entries()) {
      for (const hashAlg of ['sha512', 'sha256'] as SshsigHashAlg[]) {
        const sig = signSshsig(message, key, 'distsum', hashAlg);
        assert.equal(parseSignatureBlob(parseSshsig(sig).signature).algorithm, s.algorithm);
        const sigFile = join(dir, `${s.name}.${mi}.${hashAlg}.sig`);
        writeFileSync(sigFile, sig);
        const theirs = run('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', s.principal, '-n', 'distsum', '-s', sigFile], { input: message });
        assert.equal(theirs.status, 0, `${s.name} ${hashAlg}: ${theirs.stderr}`);
        const ours = verifySshsig({ message, signature: sig, allowedSigners: allowedText, identity: s.principal, now: new Date() });
        assert.equal(theirs.stdout, formatGoodSignature(ours) + '\n');
        const other = new Uint8Array([...message, 0x0a]);
        const bad = run('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', s.principal, '-n', 'distsum', '-s', sigFile], { input: other });
        assert.equal(bad.status, 255);
        assert.match(bad.stderr, /Signature verification failed: incorrect signature/);
      }
    }
    const sig = signSshsig(MESSAGES[0], key, 'file');
    const sigFile = join(dir, `${s.name}.file.sig`);
    writeFileSync(sigFile, sig);
    const wrongNs = run('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', s.principal, '-n', 'distsum', '-s', sigFile], { input: MESSAGES[0] });
    assert.match(wrongNs.stderr, /namespace does not match/);
    const novalidate = run('ssh-keygen', ['-Y', 'check-novalidate', '-n', 'file', '-s', sigFile], { input: MESSAGES[0] });
    assert.equal(novalidate.stdout, formatGoodSignature(checkSshsigNoValidate({ message: MESSAGES[0], signature: sig, namespace: 'file' })) + '\n');
  }
});

test('verifySshsig accepts ssh-keygen -Y sign signatures for every key type and hash, and rejects tampering', (t) => {
  const dir = tempDir(t);
  const { signers, allowedText, askpass } = setUp(dir);
  const env = { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' };
  for (const s of signers) {
    for (const message of MESSAGES) {
      for (const hashAlg of ['sha512', 'sha256']) {
        const res = run('ssh-keygen', ['-Y', 'sign', '-f', s.path, '-n', 'distsum', '-O', `hashalg=${hashAlg}`], {
          input: message,
          env: s.passphrase ? env : {},
        });
        assert.equal(res.status, 0, `${s.name}: ${res.stderr}`);
        const sig = parseSshsig(res.stdout);
        assert.equal(sig.hashAlg, hashAlg);
        assert.equal(parseSignatureBlob(sig.signature).algorithm, s.algorithm);
        const v = verifySshsig({ message, signature: res.stdout, allowedSigners: allowedText, identity: s.principal, now: new Date() });
        assert.equal(v.principal, s.principal);
        const tampered = new Uint8Array(message);
        tampered[0] ^= 0x20;
        assert.throws(
          () => verifySshsig({ message: tampered, signature: res.stdout, allowedSigners: allowedText, identity: s.principal, now: new Date() }),
          (e: unknown) => e instanceof CheckError && /signature verification failed/.test(e.message),
        );
      }
    }
  }
});
