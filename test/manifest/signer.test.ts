import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '../../src/errors.ts';
import { loadSigner } from '../../src/manifest/signer.ts';
import { signSshsigWith } from '../../src/manifest/sshsig.ts';
import { SSHSIG, copyVectorKeys, keysJson, run, startAgent, tempDir, vecBytes } from './support.ts';

const never = async (): Promise<string> => {
  throw new Error('getPassphrase must not be called');
};
const fp = (file: string) => keysJson().find((k) => k.file === file)!.fingerprint.split(' ')[1];
const MESSAGE = vecBytes('example_pkg-1.2.0.hashes.txt');

/** Signs the vector message with `signer` and checks it with the real ssh-keygen. */
async function assertSshKeygenAccepts(dir: string, signer: Awaited<ReturnType<typeof loadSigner>>, principal: string): Promise<void> {
  const sigFile = join(dir, 'out.sig');
  writeFileSync(sigFile, await signSshsigWith(MESSAGE, signer.signer));
  const res = run('ssh-keygen', ['-Y', 'verify', '-f', join(SSHSIG, 'allowed_signers'), '-I', principal, '-n', 'distsum', '-s', sigFile], { input: MESSAGE });
  assert.equal(res.status, 0, res.stderr);
}

test('a private key file signs locally; no agent involved, no passphrase asked', async (t) => {
  const dir = tempDir(t);
  copyVectorKeys(dir, ['ecdsa-p256']);
  const s = await loadSigner(join(dir, 'ecdsa-p256'), { getPassphrase: never });
  assert.equal(s.via, 'file');
  assert.equal(s.description, `ECDSA ${fp('keys/ecdsa-p256')}`);
  await assertSshKeygenAccepts(dir, s, 'ecdsa-p256@example.test');
});

test('a .pub needs ssh-agent: no SSH_AUTH_SOCK, or a key the agent lacks, is a UsageError saying what to do', async (t) => {
  const dir = tempDir(t);
  copyVectorKeys(dir, ['ed25519']);
  const pub = join(dir, 'ed25519.pub');
  await assert.rejects(loadSigner(pub), (e: unknown) => e instanceof UsageError && e.message === `${pub} is a public key: its private key must be loaded in ssh-agent, but SSH_AUTH_SOCK is not set`);
  const agent = await startAgent(t, dir);
  await assert.rejects(
    loadSigner(pub, { agentSocket: agent.socket }),
    (e: unknown) => e instanceof UsageError && e.message === `ssh-agent does not hold the key ED25519 ${fp('keys/ed25519')} of ${pub}; add it with ssh-add`,
  );
  assert.equal(agent.add(join(dir, 'ed25519')).status, 0);
  const s = await loadSigner(pub, { agentSocket: agent.socket });
  assert.equal(s.via, 'agent');
  await assertSshKeygenAccepts(dir, s, 'ed25519@example.test');
});

test('an encrypted key the agent holds signs through the agent without a passphrase; otherwise the passphrase is asked', async (t) => {
  const dir = tempDir(t);
  copyVectorKeys(dir, ['ed25519-enc', 'rsa-3072']);
  const agent = await startAgent(t, dir);
  let asked = 0;
  const ask = async () => (asked++, 'correct horse');
  const before = await loadSigner(join(dir, 'ed25519-enc'), { agentSocket: agent.socket, getPassphrase: ask });
  assert.equal(before.via, 'file');
  assert.equal(asked, 1);
  assert.equal(agent.add(join(dir, 'ed25519-enc'), 'correct horse').status, 0);
  const after = await loadSigner(join(dir, 'ed25519-enc'), { agentSocket: agent.socket, getPassphrase: never });
  assert.equal(after.via, 'agent');
  await assertSshKeygenAccepts(dir, after, 'ed25519-enc@example.test');
  // A plain key signs locally even when the agent holds it.
  assert.equal(agent.add(join(dir, 'rsa-3072')).status, 0);
  const rsa = await loadSigner(join(dir, 'rsa-3072'), { agentSocket: agent.socket, getPassphrase: never });
  assert.equal(rsa.via, 'file');
  await assertSshKeygenAccepts(dir, rsa, 'rsa-3072@example.test');
  // An agent that cannot be reached is no reason to fail: fall back to the passphrase.
  const fallback = await loadSigner(join(dir, 'ed25519-enc'), { agentSocket: join(dir, 'gone.sock'), getPassphrase: ask });
  assert.equal(fallback.via, 'file');
});

test('missing, unreadable or malformed key files are typed errors naming the file; reads are injectable', async () => {
  await assert.rejects(loadSigner('/nonexistent/key'), (e: unknown) => e instanceof UsageError && e.message === 'key file /nonexistent/key does not exist');
  const files: Record<string, string> = { 'k.pub': 'ssh-ed25519 AAAA=\n', k: 'garbage' };
  const readFile = async (p: string) => (p in files ? new TextEncoder().encode(files[p]) : undefined);
  await assert.rejects(loadSigner('k.pub', { readFile, agentSocket: '/x' }), (e: unknown) => e instanceof InputError && /^k\.pub: /.test(e.message));
  await assert.rejects(loadSigner('k', { readFile }), (e: unknown) => e instanceof InputError && /^cannot read k as an SSH private key/.test(e.message));
});
