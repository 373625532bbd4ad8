// distsum upload against Debian's real twine 4.0.2: both upload the same files to two stand-in
// indexes, and the forms those receive must match field by field, in order, and the stored bytes must
// be identical. Two differences are expected and excluded from the comparison, as the issue decides:
//   - md5_digest: twine 4.0.2 still sends it; distsum does not (PyPI ignores md5).
//   - the User-Agent header (each client names itself).
// Files: the real PyPI wheels in fixtures/dists, and distributions generated here with the metadata
// quirks twine's reader (pkginfo) has rules for: Metadata 1.0/1.1/1.2/2.2, folded headers, a
// Description header with continuation lines, UNKNOWN values, .zip and .tar.gz sdists, a comment
// and a GPG .asc signature.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIndexServer, type IndexServer, type ReceivedUpload } from '../support/index-server.ts';
import { SHARED } from '../support/cli.ts';
import { runDistsum } from '../upload/harness.ts';

const run = promisify(execFile);
const DISTS = join(SHARED, 'fixtures/dists');

// Writes distributions with exactly the given metadata text (python's zipfile/tarfile as archivers).
const MAKE = `
import sys, json, io, zipfile, tarfile
for spec in json.load(sys.stdin):
    data = spec['metadata'].encode('utf-8')
    if spec['kind'] == 'wheel':
        with zipfile.ZipFile(spec['path'], 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr(spec['prefix'] + '/__init__.py', 'x = 1\\n')
            z.writestr(spec['prefix'] + '-' + spec['version'] + '.dist-info/METADATA', data)
            z.writestr(spec['prefix'] + '-' + spec['version'] + '.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    elif spec['kind'] == 'zip':
        with zipfile.ZipFile(spec['path'], 'w') as z:
            z.writestr(spec['root'] + '/PKG-INFO', data)
            z.writestr(spec['root'] + '/setup.py', 'pass\\n')
    else:
        with tarfile.open(spec['path'], 'w:gz') as t:
            for name, content in ((spec['root'] + '/PKG-INFO', data), (spec['root'] + '/setup.py', b'pass\\n')):
                info = tarfile.TarInfo(name); info.size = len(content); info.mtime = 1700000000
                t.addfile(info, io.BytesIO(content))
`;

interface Spec {
  kind: 'wheel' | 'zip' | 'tar';
  file: string;
  metadata: string;
}

function generate(dir: string, specs: Spec[]): string[] {
  const input = specs.map((s) => {
    const stem = s.file.replace(/(-py3-none-any\.whl|\.tar\.gz|\.zip)$/, '');
    const [prefix, version] = [stem.split('-')[0], stem.split('-').slice(1).join('-')];
    return { kind: s.kind, path: join(dir, s.file), metadata: s.metadata, prefix, version, root: stem };
  });
  const r = spawnSync('/usr/bin/python3', ['-c', MAKE], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return input.map((i) => i.path);
}

const SPECS: Spec[] = [
  {
    kind: 'tar',
    file: 'old_style-0.1.tar.gz',
    metadata:
      'Metadata-Version: 1.0\nName: old_style\nVersion: 0.1\nSummary: A summary folded\n  over two lines\nHome-page: UNKNOWN\nAuthor: Ann Author\nAuthor-email: ann@example.org\nLicense: UNKNOWN\nDescription: First line\n        Second line, indented by setuptools\n        \n        |Third line\nKeywords: alpha beta\nPlatform: UNKNOWN\nClassifier: Not read for Metadata 1.0\n',
  },
  {
    kind: 'zip',
    file: 'one_one-1.1.zip',
    metadata:
      'Metadata-Version: 1.1\nName: one_one\nVersion: 1.1\nSummary: Metadata 1.1\nClassifier: Programming Language :: Python\nClassifier: License :: OSI Approved :: MIT License\nRequires: os\nProvides: one_one\nObsoletes: zero\nDownload-URL: https://example.org/one_one-1.1.zip\nSupported-Platform: RedHat 7.2\n',
  },
  {
    kind: 'tar',
    file: 'one-two-1.2.0.tar.gz',
    metadata:
      'Metadata-Version: 1.2\nName: one-two\nVersion: 1.2.0\nSummary: Metadata 1.2\nMaintainer: Mo\nMaintainer-email: mo@example.org\nRequires-Dist: requests (>=2.0)\nRequires-Dist: pywin32; sys_platform == "win32"\nProvides-Dist: one_two\nObsoletes-Dist: old_one\nRequires-Python: >=3.8\nRequires-External: libpng\nProject-URL: Homepage, https://example.org\nProject-URL: Bug Tracker, https://example.org/issues\n',
  },
  {
    kind: 'wheel',
    file: 'modern_pkg-2.2.0-py3-none-any.whl',
    metadata:
      'Metadata-Version: 2.2\nName: Modern.Pkg\nVersion: 2.2.0\nSummary: Ünïcode summary\nKeywords: a,b,c\nAuthor-email: Zoë <zoe@example.org>\nLicense: MIT\nRequires-Python: >=3.9\nProvides-Extra: test\nRequires-Dist: pytest; extra == "test"\nDynamic: Requires-Dist\nDescription-Content-Type: text/markdown; charset=UTF-8\n\n# Modern pkg\n\nWith a body: ünïcode, "quotes", trailing spaces   \n\n',
  },
];

function compareForms(twine: ReceivedUpload, ours: ReceivedUpload, label: string): void {
  const theirs = twine.fields.filter(([k]) => k !== 'md5_digest');
  assert.ok(twine.fields.some(([k]) => k === 'md5_digest'), 'twine 4.0.2 sends md5_digest (the known difference)');
  assert.ok(!ours.fields.some(([k]) => k === 'md5_digest'), 'distsum does not');
  assert.deepEqual(ours.fields, theirs, `${label}: form fields differ`);
  const parts = (r: ReceivedUpload) => r.files.map((f) => ({ name: f.name, filename: f.filename, contentType: f.contentType, size: f.size, sha256: f.sha256 }));
  assert.deepEqual(parts(ours), parts(twine), `${label}: file parts differ`);
  assert.equal(twine.status, 200, `${label}: twine's upload was refused: ${twine.reason}`);
  assert.equal(ours.status, 200, `${label}: our upload was refused: ${ours.reason}`);
}

async function twineUpload(index: IndexServer, files: string[], extra: string[], home: string): Promise<void> {
  await run('/usr/bin/twine', ['upload', '--repository-url', index.uploadUrl, '-u', '__token__', '-p', 'pypi-twine-compare-token', '--disable-progress-bar', ...extra, ...files], {
    env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring' },
  });
}

async function ourUpload(index: IndexServer, files: string[], extra: string[], cwd: string): Promise<void> {
  const r = await runDistsum(['upload', '--repository-url', index.uploadUrl, '-u', '__token__', '-p', 'pypi-twine-compare-token', '--no-manifest', ...extra, ...files], { cwd });
  assert.equal(r.code, 0, r.stderr);
}

test('real PyPI wheels: the same form as twine, field by field, and the same stored bytes', async () => {
  const home = mkdtempSync(join(tmpdir(), 'distsum-twine-home-'));
  const files = readdirSync(DISTS).filter((f) => f.endsWith('.whl')).map((f) => join(DISTS, f));
  const a = await startIndexServer();
  const b = await startIndexServer();
  try {
    await twineUpload(a, files, [], home);
    await ourUpload(b, files, [], home);
    assert.equal(a.received.length, files.length);
    assert.equal(b.received.length, files.length);
    for (let i = 0; i < files.length; i++) compareForms(a.received[i], b.received[i], a.received[i].files[0]?.filename ?? `upload ${i}`);
    for (const f of b.files) {
      const t = a.files.find((x) => x.filename === f.filename)!;
      assert.deepEqual(readFileSync(f.path), readFileSync(t.path), f.filename);
      assert.deepEqual(readFileSync(f.path), readFileSync(join(DISTS, f.filename)));
    }
    // User agents: each client's own.
    assert.match(String(a.received[0].headers['user-agent']), /^twine\//);
    assert.match(String(b.received[0].headers['user-agent']), /^distsum\//);
  } finally {
    await a.close();
    await b.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test("generated sdists and wheels with pkginfo's edge cases, a --comment and a .asc signature: the same form as twine", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'distsum-twine-gen-'));
  const files = generate(dir, SPECS);
  const asc = `${files[3]}.asc`;
  writeFileSync(asc, '-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n');
  const a = await startIndexServer();
  const b = await startIndexServer();
  try {
    const extra = ['--comment', 'Built on CI: "release" build'];
    await twineUpload(a, [...files, asc], extra, dir);
    await ourUpload(b, [...files, asc], extra, dir);
    assert.equal(b.received.length, SPECS.length);
    // Both upload wheels first; compare upload by upload.
    for (let i = 0; i < SPECS.length; i++) compareForms(a.received[i], b.received[i], a.received[i].files[0]?.filename ?? `upload ${i}`);
    const sig = b.received.find((r) => r.files.some((f) => f.name === 'gpg_signature'))!;
    assert.equal(sig.files.find((f) => f.name === 'gpg_signature')!.filename, 'modern_pkg-2.2.0-py3-none-any.whl.asc');
    for (const f of b.files) assert.deepEqual(readFileSync(f.path), readFileSync(a.files.find((x) => x.filename === f.filename)!.path));
    // Spot checks of what pkginfo's rules produced (so a change in both tools at once is noticed).
    const form = (i: number) => Object.fromEntries(b.received.find((r) => r.files.some((f) => f.name === 'content' && f.filename === SPECS[i].file))!.fields.filter(([k]) => k !== 'classifiers'));
    assert.equal(form(0).summary, 'A summary folded over two lines');
    assert.equal(form(0).home_page, '');
    assert.equal(form(0).description, 'First line\nSecond line, indented by setuptools\n\n|Third line');
    assert.equal(form(3).name, 'Modern.Pkg');
    assert.equal(form(3).comment, 'Built on CI: "release" build');
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
