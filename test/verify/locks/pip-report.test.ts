import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { parseLock, readLockFile } from '../../../src/verify/locks/detect.ts';
import { parsePipReport } from '../../../src/verify/locks/pip-report.ts';
import type { LockedFile } from '../../../src/verify/locks/types.ts';
import { assertWellFormed, canonical, documentArb, hexArb, pep503, pins, projectNameArb, pythonPins, tempDir, uniqueFiles, valueOrInputError, versionArb } from './support.ts';

const DISTS = resolve(import.meta.dirname, '../../../../shared/fixtures/dists');
const PYPI = resolve(import.meta.dirname, '../../../../shared/fixtures/pypi/json-api');

// The example in pip's documentation (docs/html/reference/installation-report.md, version "1").
const DOC_EXAMPLE = {
  version: '1',
  pip_version: '22.2',
  install: [
    {
      download_info: {
        url: 'https://files.pythonhosted.org/packages/a4/0c/fbaa7319dcb5eecd3484686eb5a5c5702a6445adb566f01aee6de3369bc4/pydantic-1.9.1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
        archive_info: { hashes: { sha256: '18f3e912f9ad1bdec27fb06b8198a2ccc32f201e24174cec1b3424dda605a310' } },
      },
      is_direct: false,
      requested: true,
      metadata: { name: 'pydantic', version: '1.9.1', requires_python: '>=3.6.1' },
    },
    {
      download_info: {
        url: 'https://github.com/pypa/packaging',
        vcs_info: { vcs: 'git', requested_revision: 'main', commit_id: '4f42225e91a0be634625c09e84dd29ea82b85e27' },
      },
      is_direct: true,
      requested: true,
      metadata: { name: 'packaging', version: '21.4.dev0' },
    },
    {
      download_info: {
        url: 'https://files.pythonhosted.org/packages/6c/10/a7d0fa5baea8fe7b50f448ab742f26f52b80bfca85ac2be9d35cdd9a3246/pyparsing-3.0.9-py3-none-any.whl',
        archive_info: { hashes: { sha256: '5026bae9a10eeaefb61dab2f09052b9f4307d44aee4eda64b309723d8d206bbc' } },
      },
      is_direct: false,
      requested: false,
      metadata: { name: 'pyparsing', version: '3.0.9' },
    },
    {
      download_info: {
        url: 'https://files.pythonhosted.org/packages/75/e1/932e06004039dd670c9d5e1df0cd606bf46e29a28e65d5bb28e894ea29c9/typing_extensions-4.2.0-py3-none-any.whl',
        archive_info: { hashes: { sha256: '6657594ee297170d19f67d55c05852a874e7eb634f4f753dbd667855e07c1708' } },
      },
      is_direct: false,
      requested: false,
      metadata: { name: 'typing_extensions', version: '4.2.0' },
    },
  ],
  environment: { implementation_name: 'cpython', python_version: '3.10', sys_platform: 'linux' },
};

test("the example from pip's documentation", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'report.json');
    writeFileSync(path, JSON.stringify(DOC_EXAMPLE, null, 2));
    const r = await readLockFile(path);
    assert.equal(r.format, 'pip-report');
    assertWellFormed(r);
    assert.deepEqual(
      r.files.map((f) => [f.name, f.version, f.filename, f.hashes.sha256]),
      [
        ['pydantic', '1.9.1', 'pydantic-1.9.1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', '18f3e912f9ad1bdec27fb06b8198a2ccc32f201e24174cec1b3424dda605a310'],
        ['pyparsing', '3.0.9', 'pyparsing-3.0.9-py3-none-any.whl', '5026bae9a10eeaefb61dab2f09052b9f4307d44aee4eda64b309723d8d206bbc'],
        ['typing-extensions', '4.2.0', 'typing_extensions-4.2.0-py3-none-any.whl', '6657594ee297170d19f67d55c05852a874e7eb634f4f753dbd667855e07c1708'],
      ],
    );
    assert.equal(r.files[2].url, DOC_EXAMPLE.install[3].download_info.url);
    assert.deepEqual(r.warnings, [`${path}: packaging 21.4.dev0: from version control (https://github.com/pypa/packaging); it cannot be checked by hash`]);
    assert.deepEqual(pins(r.files), pythonPins('pip-report', path));
  } finally {
    cleanup();
  }
});

test('a report written by pip itself (offline, from the fixture wheels) pins what PyPI says those wheels are', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'report.json');
    const pip = spawnSync(
      'python3',
      ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--no-index', '--find-links', DISTS, '--quiet', '--disable-pip-version-check', '--report', path, 'wheel==0.40.0', 'setuptools==67.6.1', 'poetry-core==1.5.0'],
      { encoding: 'utf8', env: { ...process.env, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INPUT: '1', PIP_NO_CACHE_DIR: '1' } },
    );
    assert.equal(pip.status, 0, pip.stderr);
    const r = await readLockFile(path);
    assert.equal(r.format, 'pip-report');
    assertWellFormed(r);
    assert.deepEqual(r.warnings, []);
    // The expected digests are PyPI's, from its JSON API responses in the fixtures.
    const pypi = (file: string, wheel: string) => {
      const d = JSON.parse(readFileSync(join(PYPI, file), 'utf8')) as { urls: { filename: string; digests: { sha256: string } }[] };
      return d.urls.find((u) => u.filename === wheel)!.digests.sha256;
    };
    const want: [string, string, string, string][] = [
      ['wheel', '0.40.0', 'wheel-0.40.0-py3-none-any.whl', pypi('wheel-0.40.0.json', 'wheel-0.40.0-py3-none-any.whl')],
      ['setuptools', '67.6.1', 'setuptools-67.6.1-py3-none-any.whl', pypi('setuptools-67.6.1.json', 'setuptools-67.6.1-py3-none-any.whl')],
      ['poetry-core', '1.5.0', 'poetry_core-1.5.0-py3-none-any.whl', pypi('poetry-core-1.5.0.json', 'poetry_core-1.5.0-py3-none-any.whl')],
    ];
    const got = r.files.map((f) => [f.name, f.version, f.filename, f.hashes.sha256]);
    assert.deepEqual(got.sort(), want.sort());
    // pip writes the real path of --find-links (../shared may be a symbolic link).
    assert.ok(r.files.every((f) => f.url === `file://${realpathSync(DISTS)}/${f.filename}`));
  } finally {
    cleanup();
  }
});

test('legacy archive_info.hash, local directories, archives without a digest', () => {
  const item = (name: string, info: Record<string, unknown>) => ({ metadata: { name, version: '1.0' }, download_info: info });
  const text = JSON.stringify({
    version: '1',
    install: [
      item('Legacy.Only', { url: 'https://x.example/legacy_only-1.0.tar.gz', archive_info: { hash: `sha256=${'A'.repeat(64)}` } }),
      item('both', { url: 'https://x.example/both-1.0.tar.gz', archive_info: { hash: `sha256=${'b'.repeat(64)}`, hashes: { sha256: 'b'.repeat(64), md5: 'c'.repeat(32) } } }),
      item('local-dir', { url: 'file:///home/me/src/local-dir', dir_info: { editable: true } }),
      item('no-digest', { url: 'https://x.example/no_digest-1.0.tar.gz', archive_info: {} }),
    ],
  });
  const r = parsePipReport(text, 'report.json');
  assert.deepEqual(canonical(r.files.map((f) => ({ ...f, source: { path: f.source.path } }))), canonical([
    { name: 'legacy-only', version: '1.0', filename: 'legacy_only-1.0.tar.gz', url: 'https://x.example/legacy_only-1.0.tar.gz', hashes: { sha256: 'a'.repeat(64) }, source: { path: 'report.json' } },
    { name: 'both', version: '1.0', filename: 'both-1.0.tar.gz', url: 'https://x.example/both-1.0.tar.gz', hashes: { sha256: 'b'.repeat(64), md5: 'c'.repeat(32) }, source: { path: 'report.json' } },
  ]));
  assert.deepEqual(r.warnings, [
    'report.json: local-dir 1.0: a local directory (file:///home/me/src/local-dir); it cannot be checked by hash',
    'report.json: no-digest 1.0: no digest for https://x.example/no_digest-1.0.tar.gz; it cannot be checked',
  ]);
});

test('malformed reports are InputErrors naming the file', () => {
  const ok = { metadata: { name: 'x', version: '1' }, download_info: { url: 'https://x/x-1.tar.gz', archive_info: { hashes: { sha256: 'a'.repeat(64) } } } };
  const cases: [unknown, RegExp][] = [
    [{ install: [] }, /^r\.json: no "version"/],
    [{ version: '0', install: {} }, /^r\.json: pip report version "0" is not supported/],
    [{ version: 1, install: [] }, /^r\.json: pip report version 1 is not supported/],
    [{ version: '1' }, /^r\.json: no "install" array/],
    [{ version: '1', install: [7] }, /^r\.json: install\[0\] must be an object$/],
    [{ version: '1', install: [{ download_info: {} }] }, /^r\.json: install\[0\]: no metadata\.name$/],
    [{ version: '1', install: [{ ...ok, download_info: undefined }] }, /^r\.json: x 1: no download_info$/],
    [{ version: '1', install: [{ ...ok, download_info: { archive_info: {} } }] }, /^r\.json: x 1: no download_info\.url$/],
    [{ version: '1', install: [{ ...ok, download_info: { url: 'u', archive_info: { hash: `sha256=${'a'.repeat(64)}`, hashes: { sha256: 'b'.repeat(64) } } } }] }, /^r\.json: x 1: two different sha256 digests for one file$/],
    [{ version: '1', install: [{ ...ok, download_info: { url: 'u', archive_info: { hash: 'sha256:abc' } } }] }, /is not a hash of the form <algorithm>=<hex>$/],
  ];
  for (const [doc, re] of cases) {
    assert.throws(() => parsePipReport(JSON.stringify(doc), 'r.json'), (e: unknown) => e instanceof InputError && re.test(e.message), JSON.stringify(doc));
  }
});

// ---- properties ----

interface ReportItem {
  name: string;
  version: string;
  sha256: string;
  legacy: boolean;
}

test('property: generated reports read back into the files they pin', () => {
  const itemArb = fc.record({ name: projectNameArb, version: versionArb, sha256: hexArb(64), legacy: fc.boolean() });
  fc.assert(
    fc.property(fc.array(itemArb, { maxLength: 6 }), (items: ReportItem[]) => {
      const url = (i: ReportItem) => `https://files.example/packages/${i.sha256.slice(0, 2)}/${i.name}-${i.version}-py3-none-any.whl`;
      const text = JSON.stringify({
        version: '1',
        pip_version: '24.0',
        install: items.map((i) => ({
          metadata: { name: i.name, version: i.version },
          download_info: { url: url(i), archive_info: i.legacy ? { hash: `sha256=${i.sha256}` } : { hashes: { sha256: i.sha256 } } },
          is_direct: false,
          requested: true,
        })),
      });
      const r = parseLock('pip-report', text, 'r.json');
      assertWellFormed(r);
      const want = uniqueFiles(
        items.map((i): LockedFile => ({ name: pep503(i.name), version: i.version, filename: url(i).split('/').at(-1)!, url: url(i), hashes: { sha256: i.sha256 }, source: { path: 'r.json' } })),
      );
      const noLines = (fs: LockedFile[]) => canonical(fs.map((f) => ({ ...f, source: { path: f.source.path } })));
      assert.deepEqual(noLines(r.files), noLines(want));
    }),
    { numRuns: 200 },
  );
});

test('property: random JSON and random text never crash the report reader', () => {
  const keys = ['version', 'install', 'metadata', 'name', 'download_info', 'url', 'archive_info', 'hash', 'hashes', 'sha256', 'vcs_info', 'dir_info'];
  const leaves = fc.constantFrom('1', `sha256=${'a'.repeat(64)}`, 'a'.repeat(64), 'sha256=', 'pkg', 'https://x/y-1.0.tar.gz', '');
  fc.assert(
    fc.property(documentArb(keys, leaves), fc.boolean(), (doc, v1) => {
      valueOrInputError(() => parsePipReport(JSON.stringify(v1 ? { ...doc, version: '1' } : doc), 'r.json'));
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.json(), (t) => valueOrInputError(() => parsePipReport(t, 'r.json'))), { numRuns: 300 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => valueOrInputError(() => parsePipReport(t, 'r.json'))), { numRuns: 300 });
});
