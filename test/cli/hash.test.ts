// `distsum hash` end to end: the real binary on real PyPI wheels, checked against what pypi.org recorded
// and against GNU cksum / sha256sum.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, SHARED } from '../support/cli.ts';

const DISTS = join(SHARED, 'fixtures/dists');
const JSON_API = join(SHARED, 'fixtures/pypi/json-api');

/** What pypi.org recorded for each fixture wheel, read from the saved JSON API responses. */
function pypiDigests(): Map<string, { size?: number; sha256: string; blake2b_256?: string }> {
  const m = new Map<string, { size?: number; sha256: string; blake2b_256?: string }>();
  for (const f of readdirSync(JSON_API)) {
    const doc = JSON.parse(readFileSync(join(JSON_API, f), 'utf8'));
    const urls = [...(doc.urls ?? []), ...Object.values(doc.releases ?? {}).flat()] as Array<{
      filename: string;
      size?: number;
      digests: { sha256: string; blake2b_256?: string };
    }>;
    for (const u of urls) m.set(u.filename, { size: u.size, sha256: u.digests.sha256, blake2b_256: u.digests.blake2b_256 });
  }
  // beautifulsoup4 comes from another source; fixtures/README.md gives its PyPI sha256.
  m.set('beautifulsoup4-4.12.3-py3-none-any.whl', {
    sha256: 'b80878c9f40111313e55da8ba20bdba06d8fa3969fc68304167741bbf9e082ed',
  });
  return m;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'distsum-hash-test-'));
}

/** A minimal wheel written by python3's zipfile (an independent zip writer). */
function makeWheel(dir: string, filename: string, metaName: string, metaVersion: string): string {
  const path = join(dir, filename);
  const distInfo = filename.split('-').slice(0, 2).join('-') + '.dist-info';
  execFileSync('python3', [
    '-c',
    `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(sys.argv[2] + "/METADATA", "Metadata-Version: 2.1\\nName: " + sys.argv[3] + "\\nVersion: " + sys.argv[4] + "\\n\\nHello\\n")
    z.writestr("pkg/__init__.py", "x = 1\\n" * 1000)`,
    path,
    distInfo,
    metaName,
    metaVersion,
  ]);
  return path;
}

test('hashes the real PyPI wheels exactly as pypi.org recorded them', async () => {
  const out = tmp();
  try {
    const r = await runCli(['hash', DISTS, '--manifest-dir', out, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const expected = pypiDigests();
    assert.equal(doc.files.length, readdirSync(DISTS).length);
    for (const f of doc.files) {
      const e = expected.get(f.filename);
      assert.ok(e, `no PyPI record for ${f.filename}`);
      assert.equal(f.sha256, e.sha256, f.filename);
      if (e.blake2b_256) assert.equal(f.blake2b_256, e.blake2b_256, f.filename);
      if (e.size) assert.equal(f.size, e.size, f.filename);
      assert.match(f.blake2b_256, /^[0-9a-f]{64}$/);
    }
    // beautifulsoup4's blake2b-256 is the path of its files.pythonhosted.org URL (b1/fe/e8c6...).
    const bs4 = doc.files.find((f: { filename: string }) => f.filename.startsWith('beautifulsoup4'));
    assert.ok(bs4.blake2b_256.startsWith('b1fee8c6'), bs4.blake2b_256);
    assert.equal(doc.manifests.length, 4, 'one manifest per project');
    for (const m of doc.manifests) assert.ok(existsSync(m.path), m.path);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the manifest verifies with GNU cksum -c and sha256sum -c, and a changed file fails both', async () => {
  const dir = tmp();
  try {
    copyFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'), join(dir, 'wheel-0.40.0-py3-none-any.whl'));
    const r = await runCli(['hash'], { cwd: dir }); // no PATH argument: dist/ is the default...
    assert.equal(r.code, 2, 'there is no dist/ here');
    assert.match(r.stderr, /dist/);
    const r2 = await runCli(['hash', '.'], { cwd: dir });
    assert.equal(r2.code, 0, r2.stderr);
    const manifest = join(dir, 'wheel-0.40.0.hashes.txt');
    assert.ok(existsSync(manifest));
    const text = readFileSync(manifest, 'utf8');
    assert.match(text, /^# distsum release manifest v1\n/);
    assert.match(text, /^SHA256 \(wheel-0\.40\.0-py3-none-any\.whl\) = [0-9a-f]{64}$/m);
    assert.match(text, /^BLAKE2b-256 \(wheel-0\.40\.0-py3-none-any\.whl\) = [0-9a-f]{64}$/m);

    const cksum = spawnSync('cksum', ['-c', manifest], { cwd: dir, encoding: 'utf8' });
    assert.equal(cksum.status, 0, cksum.stdout + cksum.stderr);
    assert.equal((cksum.stdout.match(/: OK$/gm) ?? []).length, 2, cksum.stdout);
    const sha = spawnSync('sha256sum', ['-c', manifest], { cwd: dir, encoding: 'utf8' });
    assert.equal(sha.status, 0, sha.stdout + sha.stderr);
    assert.match(sha.stdout, /wheel-0\.40\.0-py3-none-any\.whl: OK/);

    appendFileSync(join(dir, 'wheel-0.40.0-py3-none-any.whl'), 'x');
    assert.notEqual(spawnSync('cksum', ['-c', manifest], { cwd: dir }).status, 0);
    assert.notEqual(spawnSync('sha256sum', ['-c', manifest], { cwd: dir }).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('default path dist/, table output, no progress bar in a pipe, --no-manifest writes nothing', async () => {
  const dir = tmp();
  try {
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(DISTS, 'poetry_core-1.5.0-py3-none-any.whl'), join(dir, 'dist/poetry_core-1.5.0-py3-none-any.whl'));
    const r = await runCli(['hash', '--no-manifest'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr in a pipe (no progress bar)');
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^FILE\s+SIZE\s+SHA256\s+BLAKE2B-256$/);
    const expected = pypiDigests().get('poetry_core-1.5.0-py3-none-any.whl')!;
    assert.ok(lines[1].includes(expected.sha256) && lines[1].includes(expected.blake2b_256!), lines[1]);
    assert.deepEqual(readdirSync(join(dir, 'dist')), ['poetry_core-1.5.0-py3-none-any.whl']);

    const withMd5 = await runCli(['hash', '--md5', '--json', '--manifest', join(dir, 'm.txt')], { cwd: dir });
    assert.equal(withMd5.code, 0, withMd5.stderr);
    const md5 = execFileSync('md5sum', [join(dir, 'dist/poetry_core-1.5.0-py3-none-any.whl')], { encoding: 'utf8' }).split(' ')[0];
    assert.equal(JSON.parse(withMd5.stdout).files[0].md5, md5);
    assert.match(readFileSync(join(dir, 'm.txt'), 'utf8'), new RegExp(`^MD5 \\(poetry_core-1\\.5\\.0-py3-none-any\\.whl\\) = ${md5}$`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('several projects need --manifest-dir; --manifest with several releases is refused', async () => {
  const r = await runCli(['hash', DISTS]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^distsum: .*4 projects.*--manifest-dir/);
  const r2 = await runCli(['hash', DISTS, '--manifest', join(tmpdir(), 'never-written.txt')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--manifest-dir/);
  assert.ok(!existsSync(join(tmpdir(), 'never-written.txt')));
});

test('file name and metadata must agree; bad input is one line and exit 2', async () => {
  const dir = tmp();
  try {
    makeWheel(dir, 'goodpkg-1.0-py3-none-any.whl', 'goodpkg', '1.0');
    const ok = await runCli(['hash', dir, '--no-manifest']);
    assert.equal(ok.code, 0, ok.stderr);

    makeWheel(dir, 'liar-1.0-py3-none-any.whl', 'someone-else', '1.0');
    const r = await runCli(['hash', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /liar-1\.0-py3-none-any\.whl/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.hashes.txt')), 'no manifest written on error');
    rmSync(join(dir, 'liar-1.0-py3-none-any.whl'));

    writeFileSync(join(dir, 'junk-1.0-py3-none-any.whl'), 'this is not a zip file at all');
    const junk = await runCli(['hash', dir]);
    assert.equal(junk.code, 2);
    assert.match(junk.stderr, /junk-1\.0-py3-none-any\.whl/);
    assert.doesNotMatch(junk.stderr, /\n\s+at /, 'no stack trace');

    const missing = await runCli(['hash', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope/);

    const usage = await runCli(['hash', '--jobs', 'many', dir]);
    assert.equal(usage.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
