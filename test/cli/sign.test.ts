// `distsum sign` and `distsum manifest verify` end to end, both directions with the real ssh-keygen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, SHARED } from '../support/cli.ts';

const VEC = join(SHARED, 'vectors/sshsig');
const WHEEL = 'wheel-0.40.0-py3-none-any.whl';
let dir: string;
let manifest: string;
let keys: string;

function key(name: string): string {
  return join(keys, name);
}

function sshKeygen(args: string[], input: string | Buffer, env: NodeJS.ProcessEnv = {}) {
  return spawnSync('ssh-keygen', args, { input, encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: '', ...env } });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'distsum-sign-test-'));
  keys = join(dir, 'keys');
  spawnSync('mkdir', [keys]);
  // ssh-keygen refuses private keys readable by others; the vectors are read-only copies.
  for (const k of ['ed25519', 'ed25519-enc', 'ecdsa-p256', 'rsa-3072', 'outsider-ed25519']) {
    copyFileSync(join(VEC, 'keys', k), key(k));
    copyFileSync(join(VEC, 'keys', `${k}.pub`), key(`${k}.pub`));
    chmodSync(key(k), 0o600);
  }
  copyFileSync(join(SHARED, 'fixtures/dists', WHEEL), join(dir, WHEEL));
  const r = await runCli(['hash', dir]);
  assert.equal(r.code, 0, r.stderr);
  manifest = join(dir, 'wheel-0.40.0.hashes.txt');
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const [k, principal] of [
  ['ed25519', 'ed25519@example.test'],
  ['ecdsa-p256', 'ecdsa-p256@example.test'],
  ['rsa-3072', 'rsa-3072@example.test'],
] as const) {
  test(`distsum sign with ${k}: ssh-keygen -Y verify accepts it, and so does manifest verify`, async () => {
    const r = await runCli(['sign', manifest, '--key', key(k)]);
    assert.equal(r.code, 0, r.stderr);
    const v = sshKeygen(['-Y', 'verify', '-f', join(VEC, 'allowed_signers'), '-I', principal, '-n', 'distsum', '-s', `${manifest}.sig`], readFileSync(manifest));
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`Good "distsum" signature for ${principal}`));
    const ours = await runCli(['manifest', 'verify', manifest, '--signers', join(VEC, 'allowed_signers'), '-I', principal]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, new RegExp(`Good "distsum" signature for ${principal}`));
    assert.match(ours.stdout, /wheel 0\.40\.0: 1 file ok/);
  });
}

test('encrypted key: passphrase from DISTSUM_KEY_PASSPHRASE; wrong or absent passphrase is a one-line error', async () => {
  const good = await runCli(['sign', manifest, '--key', key('ed25519-enc')], { env: { DISTSUM_KEY_PASSPHRASE: 'correct horse' } });
  assert.equal(good.code, 0, good.stderr);
  const v = sshKeygen(['-Y', 'verify', '-f', join(VEC, 'allowed_signers'), '-I', 'ed25519-enc@example.test', '-n', 'distsum', '-s', `${manifest}.sig`], readFileSync(manifest));
  assert.equal(v.status, 0, v.stdout + v.stderr);

  const wrong = await runCli(['sign', manifest, '--key', key('ed25519-enc')], { env: { DISTSUM_KEY_PASSPHRASE: 'wrong horse' } });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /passphrase/i);
  assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);

  const none = await runCli(['sign', manifest, '--key', key('ed25519-enc')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /DISTSUM_KEY_PASSPHRASE/);
});

test('manifest verify accepts ssh-keygen -Y sign signatures, without -I too', async () => {
  const s = sshKeygen(['-Y', 'sign', '-f', key('ed25519'), '-n', 'distsum'], readFileSync(manifest));
  assert.equal(s.status, 0, s.stderr);
  writeFileSync(`${manifest}.sig`, s.stdout);
  const r = await runCli(['manifest', 'verify', manifest, '--signers', join(VEC, 'allowed_signers'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.ok, true);
  assert.equal(doc.signature.principal, 'ed25519@example.test');
  const fp = sshKeygen(['-l', '-f', key('ed25519.pub')], '').stdout.split(' ')[1];
  assert.equal(doc.signature.fingerprint, fp);
  assert.deepEqual(doc.files, [{ filename: WHEEL, status: 'ok' }]);
});

test('wrong namespace, unknown key, wrong identity and a tampered manifest fail with exit 1 and say which', async () => {
  const signers = join(VEC, 'allowed_signers');
  const fileNs = sshKeygen(['-Y', 'sign', '-f', key('ed25519'), '-n', 'file'], readFileSync(manifest));
  writeFileSync(`${manifest}.sig`, fileNs.stdout);
  let r = await runCli(['manifest', 'verify', manifest, '--signers', signers, '-I', 'ed25519@example.test']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /namespace/);

  const outsider = sshKeygen(['-Y', 'sign', '-f', key('outsider-ed25519'), '-n', 'distsum'], readFileSync(manifest));
  writeFileSync(`${manifest}.sig`, outsider.stdout);
  r = await runCli(['manifest', 'verify', manifest, '--signers', signers, '-I', 'ed25519@example.test']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not (trusted|allowed)|no principal/i);
  r = await runCli(['manifest', 'verify', manifest, '--signers', signers]);
  assert.equal(r.code, 1, 'no principal lists the outsider key');

  const good = sshKeygen(['-Y', 'sign', '-f', key('ed25519'), '-n', 'distsum'], readFileSync(manifest));
  writeFileSync(`${manifest}.sig`, good.stdout);
  r = await runCli(['manifest', 'verify', manifest, '--signers', signers, '-I', 'rsa-3072@example.test']);
  assert.equal(r.code, 1, 'signed by ed25519, not by the rsa principal');

  const tampered = join(dir, 'tampered.hashes.txt');
  writeFileSync(tampered, readFileSync(manifest, 'utf8').replace('# project: wheel', '# project:  wheel'));
  copyFileSync(`${manifest}.sig`, `${tampered}.sig`);
  r = await runCli(['manifest', 'verify', tampered, '--signers', signers, '-I', 'ed25519@example.test']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not match|incorrect|tamper/i);
  assert.equal(sshKeygen(['-Y', 'verify', '-f', signers, '-I', 'ed25519@example.test', '-n', 'distsum', '-s', `${tampered}.sig`], readFileSync(tampered)).status, 255, 'ssh-keygen agrees');
});

test('files: a changed file is a MISMATCH, an unlisted file of the release fails, a missing one does not', async () => {
  const d = mkdtempSync(join(tmpdir(), 'distsum-verify-files-'));
  try {
    const r0 = await runCli(['manifest', 'verify', manifest, '--dir', d]);
    assert.equal(r0.code, 1, 'none of the files downloaded is not a pass');
    copyFileSync(join(dir, WHEEL), join(d, WHEEL));
    const ok = await runCli(['manifest', 'verify', manifest, '--dir', d]);
    assert.equal(ok.code, 0, ok.stderr);
    writeFileSync(join(d, 'wheel-0.40.0.tar.gz'), 'an sdist the publisher never released');
    const extra = await runCli(['manifest', 'verify', manifest, '--dir', d]);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /wheel-0\.40\.0\.tar\.gz: not-in-manifest/);
    rmSync(join(d, 'wheel-0.40.0.tar.gz'));
    appendFileSync(join(d, WHEEL), '\0');
    const bad = await runCli(['manifest', 'verify', manifest, '--dir', d, '--json']);
    assert.equal(bad.code, 1);
    const doc = JSON.parse(bad.stdout);
    assert.equal(doc.files[0].status, 'MISMATCH');
    assert.match(doc.files[0].detail, /sha256/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('bad input: missing manifest, a file that is not a manifest, a missing key', async () => {
  let r = await runCli(['manifest', 'verify', join(dir, 'nope.hashes.txt')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.hashes\.txt/);
  r = await runCli(['sign', join(VEC, 'example_pkg-1.2.0.hashes.txt'), '--key', key('ed25519')]);
  assert.equal(r.code, 2, 'not a distsum manifest: not signed');
  r = await runCli(['sign', manifest, '--key', join(dir, 'no-such-key')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such-key/);
  r = await runCli(['sign', manifest]);
  assert.equal(r.code, 2, '--key is required');
});
