// Key files of a data directory: created 0600 and never overwritten; a key that is not this log's,
// malformed, or readable by others is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dataPaths } from '../../src/config/paths.ts';
import { createKeyFiles, loadAdminToken, loadSigner, originProblem } from '../../src/log/keys.ts';
import { generateKey, newVerifier } from '../../src/tlog/note.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { tempDir } from './helpers.ts';

test('creates the note key, verifier key and token with the right modes, once', (t) => {
  const paths = dataPaths(tempDir(t));
  const seed = new Uint8Array(32).fill(3);
  const { verifierKey, signer } = createKeyFiles(paths, 'log.example/a', { seed, token: 'tok' });
  const want = generateKey('log.example/a', seed);
  assert.equal(verifierKey, want.verifierKey);
  assert.equal(readFileSync(paths.signerKey, 'utf8'), want.signerKey + '\n');
  assert.equal(readFileSync(paths.verifierKey, 'utf8'), want.verifierKey + '\n');
  assert.equal(readFileSync(paths.adminToken, 'utf8'), 'tok\n');
  assert.equal(statSync(paths.signerKey).mode & 0o777, 0o600);
  assert.equal(statSync(paths.adminToken).mode & 0o777, 0o600);
  const msg = new TextEncoder().encode('m\n');
  assert.equal(newVerifier(verifierKey).verify(msg, signer.sign(msg)), true);
  assert.throws(() => createKeyFiles(paths, 'log.example/a'), (e: unknown) => e instanceof UsageError && /already exists; refusing to overwrite/.test((e as Error).message));
  assert.equal(readFileSync(paths.signerKey, 'utf8'), want.signerKey + '\n');
  assert.equal(loadAdminToken(paths), 'tok');
});

test('random tokens and keys differ between logs', (t) => {
  const a = dataPaths(tempDir(t));
  const b = dataPaths(tempDir(t));
  assert.notEqual(createKeyFiles(a, 'x.example/l').verifierKey, createKeyFiles(b, 'x.example/l').verifierKey);
  assert.notEqual(loadAdminToken(a), loadAdminToken(b));
  assert.match(loadAdminToken(a), /^[A-Za-z0-9_-]{43}$/);
});

test('loadSigner accepts only this log key, well-formed and private', (t) => {
  const paths = dataPaths(tempDir(t));
  const { verifierKey } = createKeyFiles(paths, 'log.example/a', { seed: new Uint8Array(32).fill(1) });
  assert.equal(loadSigner(paths, verifierKey).name, 'log.example/a');
  // Same name, other key.
  const other = generateKey('log.example/a', new Uint8Array(32).fill(2)).verifierKey;
  assert.throws(() => loadSigner(paths, other), (e: unknown) => e instanceof InputError && /is not the key of this log/.test((e as Error).message));
  chmodSync(paths.signerKey, 0o644);
  assert.throws(() => loadSigner(paths, verifierKey), (e: unknown) => e instanceof InputError && /readable by other users .*chmod 600/.test((e as Error).message));
  writeFileSync(paths.signerKey, 'PRIVATE+KEY+nonsense\n', { mode: 0o600 });
  chmodSync(paths.signerKey, 0o600);
  assert.throws(() => loadSigner(paths, verifierKey), /is not a note signer key/);
  writeFileSync(paths.signerKey, 'x'.repeat(5000), { mode: 0o600 });
  assert.throws(() => loadSigner(paths, verifierKey), /larger than 4096 bytes/);
  assert.throws(() => loadSigner(dataPaths(tempDir(t)), verifierKey), (e: unknown) => e instanceof UsageError && /does not exist/.test((e as Error).message));
});

test('origins are note key names', () => {
  assert.equal(originProblem('example.com/log'), undefined);
  for (const bad of ['', 'a b', 'a+b', 'a\nb', 'x'.repeat(300), 'a\u200bb']) assert.notEqual(originProblem(bad), undefined, JSON.stringify(bad));
});
