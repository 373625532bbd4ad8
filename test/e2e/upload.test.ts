// `distsum upload` end to end against the stand-in index: the summary (hashes checked with python's
// hashlib, the manifest with GNU cksum, its signature with ssh-keygen), and every path a user meets:
// retries, redirects, refusals, plain HTTP, redaction, .pypirc and environment precedence, prompts,
// trusted publishing, TLS with a private CA, --skip-existing, partial failures, attestations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIndexServer, type IndexServer, type IndexServerOptions } from '../support/index-server.ts';
import { SHARED } from '../support/cli.ts';
import { runDistsum, type RunOptions } from '../upload/harness.ts';
import { makeTestCert } from '../upload/tls.ts';

const DISTS = join(SHARED, 'fixtures/dists');
const TOKEN = 'pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4LWFiY2QtZWZnaC1pamtsLW1ub3BxcnN0dXZ3eAACKlsz';
const USERS = { __token__: TOKEN, carol: 'carol-correct-horse' };

interface Release {
  dir: string;
  dist: string;
  wheel: string;
}

/** A project directory whose dist/ holds one real wheel. */
function release(): Release {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-upload-e2e-'));
  const dist = join(dir, 'dist');
  mkdirSync(dist);
  copyFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), join(dist, 'wheel-0.40.0-py3-none-any.whl'));
  return { dir, dist, wheel: join(dist, 'wheel-0.40.0-py3-none-any.whl') };
}

async function withIndex(opts: IndexServerOptions, fn: (index: IndexServer, r: Release) => Promise<void>): Promise<void> {
  const index = await startIndexServer({ users: USERS, ...opts });
  const r = release();
  try {
    await fn(index, r);
  } finally {
    await index.close();
    rmSync(r.dir, { recursive: true, force: true });
  }
}

function hashlib(path: string): { sha256: string; blake2b_256: string } {
  const out = execFileSync('python3', ['-c', 'import hashlib,sys; d=open(sys.argv[1],"rb").read(); print(hashlib.sha256(d).hexdigest(), hashlib.blake2b(d, digest_size=32).hexdigest())', path], { encoding: 'utf8' });
  const [sha256, blake2b_256] = out.trim().split(' ');
  return { sha256, blake2b_256 };
}

function up(index: IndexServer, r: Release, args: string[], opts: RunOptions = {}) {
  return runDistsum(['upload', '--repository-url', index.uploadUrl, ...args], { cwd: r.dir, ...opts });
}

function authUser(index: IndexServer, i = 0): string {
  const h = String(index.received[i].headers.authorization ?? '');
  return Buffer.from(h.replace(/^Basic /, ''), 'base64').toString('utf8');
}

test('uploads, then prints the hashes of what the index holds, writes a manifest cksum verifies, and says how to check', async () => {
  await withIndex({}, async (index, r) => {
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'dist/*']);
    assert.equal(res.code, 0, res.stderr);
    const { sha256, blake2b_256 } = hashlib(r.wheel);
    assert.equal(index.files[0].sha256, sha256);
    assert.match(res.stdout, new RegExp(`wheel-0\\.40\\.0-py3-none-any\\.whl\\s+64545\\s+${sha256}\\s+${blake2b_256}`));
    assert.match(res.stderr, /^Uploading distributions to http:\/\/127\.0\.0\.1:\d+\/legacy\/$/m);
    assert.match(res.stderr, /^Uploading wheel-0\.40\.0-py3-none-any\.whl$/m);
    const manifest = join(r.dist, 'wheel-0.40.0.hashes.txt');
    assert.ok(existsSync(manifest));
    assert.match(execFileSync('cksum', ['-c', 'wheel-0.40.0.hashes.txt'], { cwd: r.dist, encoding: 'utf8' }), /wheel-0\.40\.0-py3-none-any\.whl: OK/);
    assert.match(res.stdout, /now holds/);
    assert.match(res.stdout, /^ {2}distsum manifest verify wheel-0\.40\.0\.hashes\.txt --dir <download dir>$/m);
    // The index holds those bytes: download them back through the simple API's link.
    const simple = (await (await fetch(`${index.origin}/simple/wheel/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: Array<{ url: string; hashes: { sha256: string } }> };
    const bytes = Buffer.from(await (await fetch(simple.files[0].url)).arrayBuffer());
    assert.deepEqual(bytes, readFileSync(r.wheel));
    assert.equal(simple.files[0].hashes.sha256, sha256);
  });
});

test('--sign signs the manifest (ssh-keygen verifies it) and the verify command names the signer; --json gives the same data', async () => {
  await withIndex({}, async (index, r) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'release key', '-f', join(r.dir, 'key')]);
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--sign', 'key', '--identity', 'you@example.org', '--json', 'dist/wheel-0.40.0-py3-none-any.whl']);
    assert.equal(res.code, 0, res.stderr);
    const doc = JSON.parse(res.stdout);
    assert.equal(doc.files[0].sha256, hashlib(r.wheel).sha256);
    assert.equal(doc.files[0].status, 'uploaded');
    assert.equal(doc.manifests[0].signature, join(r.dist, 'wheel-0.40.0.hashes.txt.sig'));
    assert.deepEqual(doc.verify_commands, ['distsum manifest verify wheel-0.40.0.hashes.txt --signers allowed_signers --identity you@example.org --dir <download dir>']);
    writeFileSync(join(r.dir, 'allowed_signers'), `you@example.org ${readFileSync(join(r.dir, 'key.pub'), 'utf8')}`);
    execFileSync('ssh-keygen', ['-Y', 'verify', '-f', join(r.dir, 'allowed_signers'), '-I', 'you@example.org', '-n', 'distsum', '-s', doc.manifests[0].signature], {
      input: readFileSync(doc.manifests[0].path),
    });
  });
});

test('a bad signing key stops the run before anything is uploaded', async () => {
  await withIndex({}, async (index, r) => {
    writeFileSync(join(r.dir, 'notakey'), 'hello');
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--sign', 'notakey', 'dist/']);
    assert.equal(res.code, 2, res.stderr);
    assert.equal(index.received.length, 0);
    const twineStyle = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--sign', 'dist/wheel-0.40.0-py3-none-any.whl', 'dist/']);
    assert.equal(twineStyle.code, 2);
    assert.match(twineStyle.stderr, /--sign takes an SSH key/);
  });
});

test('5xx answers are retried (the index says Retry-After: 0) and the upload completes', async () => {
  await withIndex({}, async (index, r) => {
    index.failNext({ kind: 'status', status: 503, times: 2, retryAfter: '0' });
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'dist/']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Received "503 Service Unavailable" for wheel-0\.40\.0-py3-none-any\.whl; retry 1 of 4 in 0\.0 s/);
    assert.match(res.stderr, /retry 2 of 4/);
    assert.equal(index.files.length, 1);
  });
});

test('a redirect is refused with the Location and the advice; nothing is written', async () => {
  await withIndex({}, async (index, r) => {
    index.failNext({ kind: 'redirect', location: 'https://evil.example/legacy/', status: 302 });
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'dist/']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /redirected the upload to https:\/\/evil\.example\/legacy\/ \(302\); redirects are never followed/);
    assert.match(res.stderr, /--repository-url/);
    assert.ok(!existsSync(join(r.dist, 'wheel-0.40.0.hashes.txt')));
    assert.ok(!/internal error|at .*\.ts:\d+/.test(res.stderr), 'no stack trace');
  });
});

test("403: exit 1 with the index's reason and what to check", async () => {
  await withIndex({}, async (index, r) => {
    const res = await up(index, r, ['-u', '__token__', '-p', 'pypi-wrong-token-but-long-enough', 'dist/']);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim().split('\n').filter((l) => l.startsWith('distsum:')).length, 1);
    assert.match(res.stderr, /distsum: upload of wheel-0\.40\.0-py3-none-any\.whl failed: 403 Invalid or non-existent authentication information.*__token__/);
  });
});

test('credentials never go over plain HTTP to another host: exit 3 before any connection', async () => {
  const r = release();
  try {
    const res = await runDistsum(['upload', '--repository-url', 'http://pypi.example.invalid/legacy/', '-u', 'x', '-p', 'hunter2hunter2', 'dist/'], { cwd: r.dir });
    assert.equal(res.code, 3);
    assert.match(res.stderr, /refusing to send the password or API token over plain HTTP to http:\/\/pypi\.example\.invalid\/legacy\//);
    assert.ok(!res.stderr.includes('hunter2hunter2'));
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('secrets never appear in output, --verbose dumps or errors, even when the index echoes them', async () => {
  await withIndex({}, async (index, r) => {
    index.failNext({
      kind: 'status',
      status: 400,
      reason: `Bad token ${TOKEN}`,
      body: `<html>your password was ${USERS.carol} and token ${TOKEN}; header Authorization: Basic ${Buffer.from(`carol:${USERS.carol}`).toString('base64')}</html>`,
    });
    const res = await up(index, r, ['-u', 'carol', '-p', USERS.carol, '--verbose', 'dist/'], { env: { TWINE_PASSWORD: 'env-password-also-secret' } });
    assert.equal(res.code, 1);
    const all = res.stdout + res.stderr;
    for (const secret of [TOKEN, USERS.carol, Buffer.from(`carol:${USERS.carol}`).toString('base64'), 'env-password-also-secret']) {
      assert.ok(!all.includes(secret), `leaked ${secret}:\n${all}`);
    }
    assert.match(res.stderr, /password: <hidden> \(from command line\)/);
    assert.match(res.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/legacy\/ -> 400/);
    assert.match(res.stderr, /pypi-<redacted>/);
  });
});

test('.pypirc and the environment: twine precedence, end to end', async () => {
  await withIndex({}, async (index, r) => {
    const home = join(r.dir, 'home');
    mkdirSync(home);
    writeFileSync(
      join(home, '.pypirc'),
      `[distutils]\nindex-servers =\n  local\n\n[local]\nrepository = ${index.uploadUrl}\nusername = carol\npassword = ${USERS.carol}\n`,
    );
    const fromRc = await runDistsum(['upload', '-r', 'local', '--no-manifest', 'dist/'], { cwd: r.dir, env: { HOME: home } });
    assert.equal(fromRc.code, 0, fromRc.stderr);
    assert.equal(authUser(index, 0), `carol:${USERS.carol}`);

    // The environment beats .pypirc; the repository comes from TWINE_REPOSITORY.
    const fromEnv = await runDistsum(['upload', '--no-manifest', 'dist/'], {
      cwd: r.dir,
      env: { HOME: home, TWINE_REPOSITORY: 'local', TWINE_USERNAME: '__token__', TWINE_PASSWORD: TOKEN },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.equal(authUser(index, 1), `__token__:${TOKEN}`);

    // The command line beats the environment.
    const fromCli = await runDistsum(['upload', '-r', 'local', '-u', 'carol', '-p', USERS.carol, '--no-manifest', 'dist/'], {
      cwd: r.dir,
      env: { HOME: home, TWINE_USERNAME: '__token__', TWINE_PASSWORD: 'wrong-from-env' },
    });
    assert.equal(fromCli.code, 0, fromCli.stderr);
    assert.equal(authUser(index, 2), `carol:${USERS.carol}`);

    // --config-file names another file; a missing explicit file is an error, a missing default is not.
    writeFileSync(join(r.dir, 'other.pypirc'), `[distutils]\nindex-servers = elsewhere\n[elsewhere]\nrepository = ${index.uploadUrl}\nusername = __token__\npassword = ${TOKEN}\n`);
    const other = await runDistsum(['upload', '--config-file', 'other.pypirc', '-r', 'elsewhere', '--no-manifest', 'dist/'], { cwd: r.dir });
    assert.equal(other.code, 0, other.stderr);
    const missing = await runDistsum(['upload', '--config-file', 'missing.pypirc', '-r', 'x', 'dist/'], { cwd: r.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read config file .*missing\.pypirc: ENOENT/);
    const unknown = await runDistsum(['upload', '-r', 'nope', 'dist/'], { cwd: r.dir, env: { HOME: home } });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no repository "nope"/);
  });
});

test('missing password: --non-interactive (or no terminal) says how to give one; a terminal prompt hides the answer', async () => {
  await withIndex({}, async (index, r) => {
    const ni = await up(index, r, ['-u', 'carol', '--non-interactive', 'dist/']);
    assert.equal(ni.code, 2);
    assert.match(ni.stderr, /no password or API token for .*: pass -p\/--password, set TWINE_PASSWORD/);
    const envNi = await up(index, r, ['-u', 'carol', 'dist/'], { env: { TWINE_NON_INTERACTIVE: '1' }, tty: { input: `${USERS.carol}\r` } });
    assert.equal(envNi.code, 2, 'TWINE_NON_INTERACTIVE forbids the prompt even on a terminal');
    assert.equal(index.received.length, 0);

    const tty = await up(index, r, ['-u', 'carol', '--no-manifest', 'dist/'], { tty: { input: `${USERS.carol}\r` } });
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stderr, /Enter your password: /);
    assert.ok(!tty.stderr.includes(USERS.carol), 'the typed password is not echoed');
    assert.equal(authUser(index, 0), `carol:${USERS.carol}`);
  });
});

test('trusted publishing in GitHub Actions: audience, OIDC token, minted upload token, upload', async () => {
  await withIndex(
    { users: {}, oidc: { audience: 'stand-in-index', mintedToken: 'pypi-minted-by-trusted-publishing-0001' }, actions: { requestToken: 'actions-request-token-42', idToken: 'eyJhbGciOi.payload.sig' } },
    async (index, r) => {
      const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${index.origin}/_actions/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'actions-request-token-42' };
      // Not PyPI: trusted publishing only when asked for.
      const notAsked = await up(index, r, ['dist/'], { env });
      assert.equal(notAsked.code, 2);
      assert.match(notAsked.stderr, /no user name|no password/);

      const res = await up(index, r, ['--trusted-publishing', '--verbose', 'dist/'], { env });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /Minted an upload token by trusted publishing/);
      assert.equal(authUser(index), '__token__:pypi-minted-by-trusted-publishing-0001');
      const all = res.stdout + res.stderr;
      for (const secret of ['pypi-minted-by-trusted-publishing-0001', 'actions-request-token-42', 'eyJhbGciOi.payload.sig']) assert.ok(!all.includes(secret), `leaked ${secret}`);
      assert.match(res.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/_\/oidc\/audience -> 200/);
    },
  );
});

test('trusted publishing failures are one clear line with the index\'s error code', async () => {
  await withIndex(
    { oidc: { audience: 'stand-in-index', mintedToken: 'x', errors: [{ code: 'invalid-publisher', description: 'valid token, but no corresponding publisher' }] }, actions: { requestToken: 'rt-123456', idToken: 'id' } },
    async (index, r) => {
      const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${index.origin}/_actions/idtoken`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt-123456' };
      const res = await up(index, r, ['--trusted-publishing', 'dist/'], { env });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /distsum: trusted publishing: .* refused the token exchange \(422\): invalid-publisher: valid token, but no corresponding publisher/);
      assert.equal(index.received.length, 0);
      const outside = await up(index, r, ['--trusted-publishing', 'dist/']);
      assert.equal(outside.code, 2);
      assert.match(outside.stderr, /only in GitHub Actions/);
    },
  );
});

test('https with a private CA: refused without it (with a hint), accepted with --cert or TWINE_CERT', async () => {
  const certDir = mkdtempSync(join(tmpdir(), 'distsum-upload-tls-'));
  const cert = makeTestCert(certDir);
  try {
    await withIndex({ tls: { key: cert.key, cert: cert.cert } }, async (index, r) => {
      assert.ok(index.uploadUrl.startsWith('https://'));
      const untrusted = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--no-manifest', 'dist/']);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /certificate is not trusted.*--cert or set TWINE_CERT/);
      const flag = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--cert', cert.certPath, '--no-manifest', 'dist/']);
      assert.equal(flag.code, 0, flag.stderr);
      const env = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--skip-existing', '--no-manifest', 'dist/'], { env: { TWINE_CERT: cert.certPath } });
      assert.equal(env.code, 0, env.stderr);
    });
  } finally {
    rmSync(certDir, { recursive: true, force: true });
  }
});

test('--skip-existing: an identical file already on the index is skipped, said so, and still in the manifest', async () => {
  await withIndex({ rejectIdenticalDuplicates: true }, async (index, r) => {
    copyFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), join(r.dir, 'first.whl'));
    assert.equal((await up(index, r, ['-u', '__token__', '-p', TOKEN, '--no-manifest', 'dist/'])).code, 0);
    const plain = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'dist/']);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /400 File already exists/);
    const skip = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--skip-existing', 'dist/']);
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stderr, /Skipping wheel-0\.40\.0-py3-none-any\.whl because it appears to already exist \(the index holds an identical copy\)/);
    assert.match(readFileSync(join(r.dist, 'wheel-0.40.0.hashes.txt'), 'utf8'), /SHA256 \(wheel-0\.40\.0-py3-none-any\.whl\) = d236b20e/);
  });
});

test('a failure after some files were accepted: their hashes are shown, no manifest, and how to finish', async () => {
  await withIndex({}, async (index, r) => {
    copyFileSync(join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl'), join(r.dist, 'poetry_core-1.5.0-py3-none-any.whl'));
    // dist/ is read in name order: poetry_core goes through, then wheel is refused.
    index.failNext({ kind: 'status', status: 400, reason: 'Invalid value for version.', after: 1 });
    const res = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--manifest-dir', 'manifests', 'dist/']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /distsum: upload of wheel-0\.40\.0-py3-none-any\.whl failed: 400 Invalid value for version\./);
    assert.match(res.stderr, /The index accepted 1 file\(s\) before this failure; no manifest was written/);
    assert.match(res.stderr, new RegExp(`poetry_core-1\\.5\\.0-py3-none-any\\.whl\\s+464992\\s+${hashlib(join(r.dist, 'poetry_core-1.5.0-py3-none-any.whl')).sha256}`));
    assert.match(res.stderr, /--skip-existing to finish the release/);
    assert.ok(!existsSync(join(r.dir, 'manifests')));
    // Finishing: the accepted file is skipped (identical), the other uploaded, both manifests written.
    const finish = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--manifest-dir', 'manifests', '--skip-existing', 'dist/']);
    assert.equal(finish.code, 0, finish.stderr);
    assert.deepEqual(readdirSync(join(r.dir, 'manifests')).sort(), ['poetry_core-1.5.0.hashes.txt', 'wheel-0.40.0.hashes.txt']);
  });
});

test('--attestations sends the PEP 740 attestations as a JSON list; without the flag they are left out, with a note', async () => {
  await withIndex({}, async (index, r) => {
    writeFileSync(join(r.dist, 'wheel-0.40.0-py3-none-any.whl.publish.attestation'), '{"version":1,"verification_material":{},"envelope":{"statement":"e30=","signature":"c2ln"}}');
    const without = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--no-manifest', 'dist/']);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stderr, /Ignoring 1 attestation file\(s\); pass --attestations/);
    assert.ok(!index.received[0].fields.some(([k]) => k === 'attestations'));
    const withFlag = await up(index, r, ['-u', '__token__', '-p', TOKEN, '--attestations', '--json', 'dist/']);
    assert.equal(withFlag.code, 0, withFlag.stderr);
    const field = index.received[1].fields.find(([k]) => k === 'attestations')![1];
    assert.deepEqual(JSON.parse(field), [{ version: 1, verification_material: {}, envelope: { statement: 'e30=', signature: 'c2ln' } }]);
    assert.equal(JSON.parse(withFlag.stdout).files[0].attestations, 1);
  });
});

test("twine's GPG flags are accepted with a note; bad input is one line and exit 2, never a stack trace", async () => {
  await withIndex({}, async (index, r) => {
    const gpg = await up(index, r, ['-s', '--sign-with', 'gpg2', '-u', '__token__', '-p', TOKEN, '--no-manifest', 'dist/']);
    assert.equal(gpg.code, 0, gpg.stderr);
    assert.match(gpg.stderr, /PGP signatures are not made/);
    writeFileSync(join(r.dir, 'broken-1.0-py3-none-any.whl'), 'not a zip');
    const broken = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'broken-1.0-py3-none-any.whl']);
    assert.equal(broken.code, 2);
    assert.equal(broken.stderr.trim().split('\n').length, 1, broken.stderr);
    assert.match(broken.stderr, /^distsum: .*broken-1\.0-py3-none-any\.whl/);
    const none = await up(index, r, ['-u', '__token__', '-p', TOKEN, 'nothing-here-*.whl']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /cannot find file \(or expand pattern\): nothing-here-\*\.whl/);
    assert.equal(readdirSync(r.dist).length, 1, 'nothing written');
  });
});

test('one progress bar per file on a terminal; none with --disable-progress-bar, in CI or in pipes', async () => {
  await withIndex({}, async (index, r) => {
    const big = join(r.dist, 'bigpkg-1.0-py3-none-any.whl');
    execFileSync('python3', [
      '-c',
      'import sys, zipfile, os\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("bigpkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: bigpkg\\nVersion: 1.0\\n")\n    z.writestr("bigpkg/data.bin", os.urandom(3 << 20))',
      big,
    ]);
    const args = ['-u', '__token__', '-p', TOKEN, '--no-manifest', '--skip-existing', big];
    const tty = await up(index, r, args, { tty: { input: '' } });
    assert.equal(tty.code, 0, tty.stderr);
    assert.match(tty.stderr, /bigpkg-1\.0-py3-none-any\.whl \[.*\] \d+%/);
    for (const [label, opts] of [
      ['--disable-progress-bar', { tty: { input: '' } }],
      ['CI', { tty: { input: '' }, env: { CI: 'true' } }],
      ['pipe', {}],
    ] as const) {
      const res = await up(index, r, label === '--disable-progress-bar' ? ['--disable-progress-bar', ...args] : args, opts);
      assert.equal(res.code, 0, res.stderr);
      assert.ok(!/\d+%/.test(res.stderr), `${label}: ${res.stderr}`);
    }
  });
});
