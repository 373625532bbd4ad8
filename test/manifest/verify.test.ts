import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheckError, InputError, UsageError } from '../../src/errors.ts';
import { parseAllowedSigners } from '../../src/manifest/allowed-signers.ts';
import { armorSshsig, dearmorSshsig } from '../../src/manifest/sshsig.ts';
import { checkSshsigNoValidate, findPrincipals, formatGoodSignature, verifySshsig } from '../../src/manifest/verify.ts';
import { expectedJson, keysJson, vecBytes, vecText } from './support.ts';
import type { VectorCase } from './support.ts';

const NOW = new Date(Date.UTC(2025, 0, 1));

/** Which of our failure kinds an ssh-keygen failure corresponds to (from its exact stderr). */
function kindOf(c: VectorCase): RegExp {
  if (c.stderr.includes('namespace does not match')) return /namespace does not match/;
  if (c.stderr.includes('incorrect signature')) return /does not match .*signature verification failed/;
  if (c.stderr.includes('not permitted for use in signature namespace')) return /is not trusted: allowed_signers\.restricted:2: key is not permitted for signature namespace "file"/;
  if (c.stderr === '' && c.stdout === 'Could not verify signature.\n') return /is not trusted: .*(is not listed in allowed_signers|is not allowed to sign for)/;
  throw new Error(`unclassified case ${c.description}`);
}

test('every ssh-keygen -Y verify case in expected.json gets the same verdict, output line and reason', () => {
  const cases = expectedJson().cases.filter((c) => c.operation === 'verify');
  assert.equal(cases.length, 17);
  for (const c of cases) {
    const input = {
      message: vecBytes(c.message!),
      signature: vecText(c.signature!),
      allowedSigners: vecText(c.allowed_signers!),
      allowedSignersName: c.allowed_signers!,
      identity: c.principal!,
      namespace: c.namespace,
      now: NOW,
      signatureName: c.signature!,
      messageName: c.message!,
    };
    if (c.ok) {
      assert.equal(c.exit_code, 0);
      assert.equal(formatGoodSignature(verifySshsig(input)) + '\n', c.stdout, c.description);
    } else {
      assert.equal(c.exit_code, 255);
      const re = kindOf(c);
      assert.throws(() => verifySshsig(input), (e: unknown) => e instanceof CheckError && e.message.startsWith(c.signature!) && re.test(e.message), c.description);
    }
  }
});

test('the reasons differ: wrong principal names the listed principal, an outsider key is "not listed"', () => {
  const base = { message: vecBytes('example_pkg-1.2.0.hashes.txt'), allowedSigners: vecText('allowed_signers'), now: NOW };
  assert.throws(
    () => verifySshsig({ ...base, signature: vecText('sigs/ed25519.distsum.sig'), identity: 'rsa-3072@example.test' }),
    /^CheckError: signature is not trusted: ED25519 key SHA256:lcl3qq0z66OprVEY\+jG6XXtaczfQppQilXcoHLH3KWI is not allowed to sign for "rsa-3072@example.test" \(allowed_signers lists it for ed25519@example\.test\)$/,
  );
  assert.throws(
    () => verifySshsig({ ...base, signature: vecText('sigs/outsider-ed25519.distsum.sig'), identity: 'ed25519@example.test' }),
    /^CheckError: signature is not trusted: ED25519 key SHA256:HEc1vt03Sb2tNCMhvO6nTGSZRqcS\+rGHwYjHHjw6S4Y is not listed in allowed_signers$/,
  );
  assert.throws(
    () => verifySshsig({ ...base, signature: 'not a signature', identity: 'ed25519@example.test' }),
    /^CheckError: signature is not a valid SSH signature: does not start with/,
  );
});

test('the verified result names principal, key type, algorithm, fingerprint and allowed_signers line', () => {
  const k = keysJson().find((x) => x.file === 'keys/rsa-3072')!;
  const r = verifySshsig({
    message: vecBytes('example_pkg-1.2.0.hashes.txt'),
    signature: vecText('sigs/rsa-3072.distsum.sig'),
    allowedSigners: parseAllowedSigners(vecText('allowed_signers')),
    identity: 'rsa-3072@example.test',
    now: NOW,
  });
  assert.deepEqual(r, {
    principal: 'rsa-3072@example.test',
    keyType: 'RSA',
    keyAlgorithm: 'ssh-rsa',
    fingerprint: k.fingerprint.split(' ')[1],
    namespace: 'distsum',
    hashAlg: 'sha512',
    allowedSignersLine: 4,
  });
});

test('check-novalidate cases in expected.json', () => {
  for (const c of expectedJson().cases.filter((x) => x.operation === 'check-novalidate')) {
    const input = { message: vecBytes(c.message!), signature: vecText(c.signature!), namespace: 'distsum' };
    if (c.ok) assert.equal(formatGoodSignature(checkSshsigNoValidate(input)) + '\n', c.stdout);
    else assert.throws(() => checkSshsigNoValidate(input), /does not match the message: signature verification failed/);
  }
});

test('find-principals cases in expected.json', () => {
  const cases = expectedJson().cases.filter((x) => x.operation === 'find-principals');
  assert.equal(cases.length, 7);
  for (const c of cases) {
    const input = { signature: vecText(c.signature!), allowedSigners: vecText('allowed_signers'), now: NOW };
    if (c.ok) assert.equal(findPrincipals(input).join(',') + '\n', c.stdout, c.description);
    else assert.throws(() => findPrincipals(input), /^CheckError: no principal in allowed_signers matches the ED25519 key SHA256:HEc1vt03/);
  }
});

test('identity must be given; a malformed allowed_signers text is an InputError naming the line', () => {
  const base = { message: vecBytes('example_pkg-1.2.0.hashes.txt'), signature: vecText('sigs/ed25519.distsum.sig'), now: NOW };
  assert.throws(() => verifySshsig({ ...base, allowedSigners: vecText('allowed_signers'), identity: '' }), UsageError);
  assert.throws(
    () => verifySshsig({ ...base, allowedSigners: 'x@y bogus-option ssh-ed25519 AAAA\n', allowedSignersName: 'trust', identity: 'x@y' }),
    (e: unknown) => e instanceof InputError && /^trust:1: /.test(e.message),
  );
});

test('property: any single-byte change to a good signature blob or the message fails verification with CheckError', () => {
  const message = vecBytes('example_pkg-1.2.0.hashes.txt');
  const files = ['sigs/ed25519.distsum.sig', 'sigs/ecdsa-p256.distsum.sig', 'sigs/rsa-3072.distsum.sig'];
  const principal = (f: string) => `${f.slice(5, f.indexOf('.'))}@example.test`;
  const allowed = parseAllowedSigners(vecText('allowed_signers'));
  fc.assert(
    fc.property(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (file, at, x, inMessage) => {
      let sig = vecText(file);
      let msg = message;
      if (inMessage) {
        msg = new Uint8Array(message);
        msg[at % msg.length] ^= x;
      } else {
        const blob = new Uint8Array(dearmorSshsig(sig));
        blob[at % blob.length] ^= x;
        sig = armorSshsig(blob);
      }
      assert.throws(() => verifySshsig({ message: msg, signature: sig, allowedSigners: allowed, identity: principal(file), now: NOW }), CheckError);
    }),
    { numRuns: 400 },
  );
});
