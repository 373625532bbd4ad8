import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckError, InputError, UsageError } from '../../src/errors.ts';
import {
  agentHasKey,
  agentIdentities,
  agentSign,
  agentSigner,
  encodeAgentMessage,
  encodeSignRequest,
  parseAgentFrame,
  parseIdentitiesAnswer,
  parseSignResponse,
} from '../../src/manifest/agent.ts';
import { parsePublicKeyText, sameKey } from '../../src/manifest/keys.ts';
import { parseSignatureBlob } from '../../src/manifest/signature.ts';
import { parseSshsig, signSshsigWith } from '../../src/manifest/sshsig.ts';
import { formatGoodSignature, verifySshsig } from '../../src/manifest/verify.ts';
import { concat, encodeString, encodeUint32 } from '../../src/manifest/wire.ts';
import { SSHSIG, copyVectorKeys, keysJson, run, startAgent, tempDir, vecBytes, vecText } from './support.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('agent messages are framed as uint32 length, type byte, payload (draft-miller-ssh-agent)', () => {
  assert.equal(hex(encodeAgentMessage(11)), '000000010b');
  const req = encodeSignRequest(new Uint8Array([0xaa]), new Uint8Array([1, 2]), 4);
  // length 16 = 1 (type) + 5 (string key) + 6 (string data) + 4 (flags)
  assert.equal(hex(req), '00000010' + '0d' + '00000001aa' + '000000020102' + '00000004');
  assert.deepEqual(parseAgentFrame(new Uint8Array([0, 0, 0, 2, 14, 9])), { type: 14, payload: new Uint8Array([9]) });
  assert.throws(() => parseAgentFrame(new Uint8Array([0, 0, 0, 0])), /length 0 out of range/);
  assert.throws(() => parseAgentFrame(new Uint8Array([0, 0, 0, 3, 14])), /does not match/);
  assert.throws(() => parseAgentFrame(new Uint8Array([0, 0x10, 0, 1, 14])), /out of range/);
});

test('identities answers and sign responses parse strictly; unsupported keys are listed without a key', () => {
  const ed = parsePublicKeyText(vecText('keys/ed25519.pub')).key;
  const dss = concat(encodeString('ssh-dss'), encodeString(new Uint8Array(4)));
  const ids = parseIdentitiesAnswer(concat(encodeUint32(2), encodeString(ed.blob), encodeString('me'), encodeString(dss), encodeString('old')));
  assert.equal(ids.length, 2);
  assert.ok(ids[0].key && sameKey(ids[0].key, ed));
  assert.equal(ids[0].comment, 'me');
  assert.equal(ids[1].key, undefined);
  assert.throws(() => parseIdentitiesAnswer(concat(encodeUint32(2), encodeString(ed.blob), encodeString('me'))), /truncated/);
  assert.throws(() => parseIdentitiesAnswer(encodeUint32(5000)), /5000 identities/);
  assert.throws(() => parseIdentitiesAnswer(concat(encodeUint32(0), new Uint8Array(1))), /trailing/);
  assert.deepEqual(parseSignResponse(encodeString(new Uint8Array([7]))), new Uint8Array([7]));
  assert.throws(() => parseSignResponse(concat(encodeString(new Uint8Array([7])), new Uint8Array(1))), /trailing/);
});

test('property: random agent replies parse or fail with InputError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
      for (const f of [parseAgentFrame, parseIdentitiesAnswer, parseSignResponse] as ((x: Uint8Array) => unknown)[]) {
        try {
          f(b);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('with a real ssh-agent: list keys, sign for every key type (RSA as rsa-sha2-512), ssh-keygen accepts the signatures', async (t) => {
  const dir = tempDir(t);
  const agent = await startAgent(t, dir);
  copyVectorKeys(dir, ['ed25519', 'ed25519-enc', 'ecdsa-p256', 'rsa-3072']);
  for (const k of ['ed25519', 'ecdsa-p256', 'rsa-3072']) assert.equal(agent.add(join(dir, k)).status, 0);
  assert.equal(agent.add(join(dir, 'ed25519-enc'), 'correct horse').status, 0);

  const ids = await agentIdentities(agent.socket);
  const vectorKeys = keysJson().filter((k) => k.in_allowed_signers);
  assert.deepEqual(ids.map((i) => i.comment).sort(), vectorKeys.map((k) => k.principal).sort());
  const message = vecBytes('example_pkg-1.2.0.hashes.txt');
  for (const k of vectorKeys) {
    const pub = parsePublicKeyText(k.public_key).key;
    assert.ok(ids.some((i) => i.key && sameKey(i.key, pub)));
    assert.equal(await agentHasKey(agent.socket, pub), true);
    const sig = await signSshsigWith(message, agentSigner(agent.socket, pub), 'distsum', 'sha512', 'ssh-agent');
    const expectAlg = pub.type === 'ssh-rsa' ? 'rsa-sha2-512' : pub.type;
    assert.equal(parseSignatureBlob(parseSshsig(sig).signature).algorithm, expectAlg);
    const sigFile = join(dir, `${k.principal}.sig`);
    writeFileSync(sigFile, sig);
    const theirs = run('ssh-keygen', ['-Y', 'verify', '-f', join(SSHSIG, 'allowed_signers'), '-I', k.principal, '-n', 'distsum', '-s', sigFile], { input: message });
    assert.equal(theirs.status, 0, theirs.stderr);
    const ours = verifySshsig({ message, signature: sig, allowedSigners: vecText('allowed_signers'), identity: k.principal, now: new Date() });
    assert.equal(theirs.stdout, formatGoodSignature(ours) + '\n');
  }

  const outsider = parsePublicKeyText(vecText('keys/outsider-ed25519.pub')).key;
  assert.equal(await agentHasKey(agent.socket, outsider), false);
  await assert.rejects(agentSign(agent.socket, outsider, new Uint8Array(1)), (e: unknown) => e instanceof CheckError && /refused to sign with key SHA256:HEc1vt03/.test(e.message));
});

test('an unreachable agent socket is a UsageError naming it', async (t) => {
  const dir = tempDir(t);
  const sock = join(dir, 'nothing.sock');
  await assert.rejects(agentIdentities(sock), (e: unknown) => e instanceof UsageError && e.message === `cannot talk to ssh-agent at ${sock}: ENOENT`);
});

/** A fake agent on a Unix socket that answers every connection with `reply` (then closes). */
async function fakeAgent(t: import('node:test').TestContext, dir: string, reply: (s: Socket) => void): Promise<string> {
  const sock = join(dir, `fake-${Math.random().toString(36).slice(2)}.sock`);
  const server = createServer((s) => s.once('data', () => reply(s)));
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return sock;
}

test('a misbehaving agent gives CheckErrors, never a hang or a crash', async (t) => {
  const dir = tempDir(t);
  const ed = parsePublicKeyText(vecText('keys/ed25519.pub')).key;
  const huge = await fakeAgent(t, dir, (s) => s.end(Buffer.from([0x7f, 0, 0, 0, 12])));
  await assert.rejects(agentIdentities(huge), /malformed reply \(length/);
  const short = await fakeAgent(t, dir, (s) => s.end(Buffer.from([0, 0, 0, 9, 12, 0])));
  await assert.rejects(agentIdentities(short), /closed the connection without a full reply/);
  const wrongType = await fakeAgent(t, dir, (s) => s.end(Buffer.from(encodeAgentMessage(14, encodeString(new Uint8Array(2))))));
  await assert.rejects(agentIdentities(wrongType), (e: unknown) => e instanceof CheckError && /unexpected message type 14/.test(e.message));
  const failure = await fakeAgent(t, dir, (s) => s.end(Buffer.from(encodeAgentMessage(5))));
  await assert.rejects(agentIdentities(failure), /refused to list its keys/);
  const garbageSig = await fakeAgent(t, dir, (s) => s.end(Buffer.from(encodeAgentMessage(14, encodeString(new Uint8Array([0, 0, 0, 1]))))));
  await assert.rejects(signSshsigWith(new Uint8Array(1), agentSigner(garbageSig, ed), 'distsum', 'sha512', 'ssh-agent'), /ssh-agent returned an unusable signature/);
  const silent = await fakeAgent(t, dir, () => {});
  await assert.rejects(agentIdentities(silent, { timeoutMs: 50 }), (e: unknown) => e instanceof UsageError && /did not answer in time/.test(e.message));
});
