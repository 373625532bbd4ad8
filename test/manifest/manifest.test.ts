import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { blake2b } from '@noble/hashes/blake2.js';
import { InputError } from '../../src/errors.ts';
import { formatManifest, manifestFileName, parseManifest, rfc3339Utc } from '../../src/manifest/manifest.ts';
import type { Manifest, ManifestFile } from '../../src/manifest/manifest.ts';
import { run, tempDir } from './support.ts';

const H64 = (c: string) => c.repeat(64);
const H32 = (c: string) => c.repeat(32);

test('formatManifest writes the documented layout, files sorted by name, LF and final newline', () => {
  const text = formatManifest({
    project: 'Example.Pkg',
    version: '1.2.0',
    created: '2024-05-01T12:00:00Z',
    files: [
      { filename: 'example_pkg-1.2.0.tar.gz', size: 2048, sha256: H64('b'), blake2b_256: H64('c') },
      { filename: 'example_pkg-1.2.0-py3-none-any.whl', sha256: H64('A'), blake2b_256: H64('d'), md5: H32('e') },
    ],
  });
  assert.equal(
    text,
    '# distsum release manifest v1\n' +
      '# project: Example.Pkg\n' +
      '# version: 1.2.0\n' +
      '# created: 2024-05-01T12:00:00Z\n' +
      `SHA256 (example_pkg-1.2.0-py3-none-any.whl) = ${H64('a')}\n` +
      `BLAKE2b-256 (example_pkg-1.2.0-py3-none-any.whl) = ${H64('d')}\n` +
      `MD5 (example_pkg-1.2.0-py3-none-any.whl) = ${H32('e')}\n` +
      '# size (example_pkg-1.2.0.tar.gz) = 2048\n' +
      `SHA256 (example_pkg-1.2.0.tar.gz) = ${H64('b')}\n` +
      `BLAKE2b-256 (example_pkg-1.2.0.tar.gz) = ${H64('c')}\n`,
  );
});

test('formatManifest leaves out created when absent and treats md5: undefined as absent', () => {
  const text = formatManifest({ project: 'p', version: '1', files: [{ filename: 'p-1.tar.gz', sha256: H64('1'), blake2b_256: H64('2'), md5: undefined }] });
  assert.equal(
    text,
    `# distsum release manifest v1\n# project: p\n# version: 1\nSHA256 (p-1.tar.gz) = ${H64('1')}\nBLAKE2b-256 (p-1.tar.gz) = ${H64('2')}\n`,
  );
});

test('files sort by UTF-8 bytes, not UTF-16 code units', () => {
  // UTF-8: U+FF5E = EF BD 9E < U+1F600 = F0 9F 98 80. UTF-16 (JS `<`): U+1F600 = D83D DE00 < FF5E.
  const files: ManifestFile[] = ['\u{1F600}.whl', '\uFF5E.whl'].map((filename) => ({ filename, sha256: H64('0'), blake2b_256: H64('0') }));
  const m = parseManifest(formatManifest({ project: 'p', version: '1', files }));
  assert.deepEqual(m.files.map((f) => f.filename), ['\uFF5E.whl', '\u{1F600}.whl']);
});

test('formatManifest refuses content the checksum tools would misread', () => {
  const base = { project: 'p', version: '1' };
  const file = { filename: 'p-1.tar.gz', sha256: H64('a'), blake2b_256: H64('b') };
  const bad: [Manifest, RegExp][] = [
    [{ ...base, files: [{ ...file, filename: 'dir/p-1.tar.gz' }] }, /path separator/],
    [{ ...base, files: [{ ...file, filename: 'p\\1.tar.gz' }] }, /path separator/],
    [{ ...base, files: [{ ...file, filename: 'p\n1' }] }, /control character/],
    [{ ...base, files: [{ ...file, filename: ' p' }] }, /leading or trailing space/],
    [{ ...base, files: [{ ...file, filename: '..' }] }, /not a file/],
    [{ ...base, files: [{ ...file, filename: '' }] }, /empty file name/],
    [{ ...base, files: [{ ...file, filename: 'a'.repeat(256) }] }, /longer than 255/],
    [{ ...base, files: [{ ...file, filename: 'x\uD800.whl' }] }, /not valid Unicode/],
    [{ ...base, files: [{ ...file, sha256: H64('g') }] }, /SHA256 of p-1.tar.gz must be 64 hex digits/],
    [{ ...base, files: [{ ...file, blake2b_256: 'ab' }] }, /BLAKE2b-256 of p-1.tar.gz/],
    [{ ...base, files: [{ ...file, md5: H64('a') }] }, /MD5 of p-1.tar.gz must be 32/],
    [{ ...base, files: [{ ...file, size: -1 }] }, /size of p-1.tar.gz/],
    [{ ...base, files: [{ ...file, size: 1.5 }] }, /size of p-1.tar.gz/],
    [{ ...base, files: [file, file] }, /listed twice/],
    [{ ...base, project: 'a\nb', files: [file] }, /project contains a control character/],
    [{ ...base, version: '', files: [file] }, /empty version/],
    [{ ...base, created: '2024-05-01 12:00:00', files: [file] }, /not RFC 3339 UTC/],
    [{ ...base, created: '2024-02-30T00:00:00Z', files: [file] }, /not RFC 3339 UTC/],
    [{ ...base, created: '2024-05-01T12:00:00+02:00', files: [file] }, /not RFC 3339 UTC/],
  ];
  for (const [m, re] of bad) assert.throws(() => formatManifest(m), (e: unknown) => e instanceof InputError && re.test(e.message), re.source);
});

test('rfc3339Utc drops milliseconds and uses Z', () => {
  assert.equal(rfc3339Utc(new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 789))), '2024-05-01T12:00:00Z');
});

test('manifestFileName uses the PEP 625 name and a file-name-safe version', () => {
  assert.equal(manifestFileName('Example.Pkg', '1.2.0'), 'example_pkg-1.2.0.hashes.txt');
  assert.equal(manifestFileName('zope.interface', '6.0'), 'zope_interface-6.0.hashes.txt');
  assert.equal(manifestFileName('A--B__c', '1.0+local'), 'a_b_c-1.0+local.hashes.txt');
  assert.equal(manifestFileName('pkg', '1.0-1'), 'pkg-1.0_1.hashes.txt');
  for (const [p, v] of [['', '1'], ['-pkg', '1'], ['pkg.', '1'], ['my pkg', '1'], ['pkg', ''], ['pkg', '1/2'], ['pkg', '1 2'], ['pkg', '..']]) {
    assert.throws(() => manifestFileName(p, v), InputError, `${p} ${v}`);
  }
});

test('parseManifest reads the header and files, tolerating comments, blank lines, CRLF and upper-case hex', () => {
  const text = [
    '# distsum release manifest v1',
    '# project: Example.Pkg',
    '# a comment someone added',
    '# version: 1.2.0',
    '',
    '# created: 2024-05-01T12:00:00Z',
    `SHA256 (b.tar.gz) = ${H64('B')}`,
    '# size (b.tar.gz) = 10',
    `BLAKE2b-256 (b.tar.gz) = ${H64('c')}`,
    `SHA256 (a.whl) = ${H64('1')}\r`,
    `BLAKE2b-256 (a.whl) = ${H64('2')}`,
    `MD5 (a.whl) = ${H32('3')}`,
    `SHA256 (a.whl) = ${H64('1')}`,
  ].join('\n');
  assert.deepEqual(parseManifest(text), {
    project: 'Example.Pkg',
    version: '1.2.0',
    created: '2024-05-01T12:00:00Z',
    files: [
      { filename: 'a.whl', sha256: H64('1'), blake2b_256: H64('2'), md5: H32('3') },
      { filename: 'b.tar.gz', size: 10, sha256: H64('b'), blake2b_256: H64('c') },
    ],
  });
});

test('parseManifest refuses malformed manifests with the line at fault', () => {
  const head = '# distsum release manifest v1\n# project: p\n# version: 1\n';
  const ok = `SHA256 (f) = ${H64('a')}\nBLAKE2b-256 (f) = ${H64('b')}\n`;
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['# project: p\n', /line 1: not a distsum release manifest/],
    ['# distsum release manifest v2\n', /line 1: unsupported manifest format v2/],
    [head + `SHA512 (f) = ${'a'.repeat(128)}\n`, /line 4: unsupported digest SHA512/],
    [head + `BLAKE2b (f) = ${'a'.repeat(128)}\n`, /line 4: unsupported digest BLAKE2b/],
    [head + `${H64('a')}  f\n`, /line 4: untagged checksum line/],
    [head + `SHA256 (f) = ${H64('a').slice(1)}\n`, /line 4: SHA256 digest must be 64 hex digits/],
    [head + `SHA256 (f) = ${H64('x')}\n`, /line 4: SHA256 digest must be 64/],
    [head + `MD5 (f) = ${H64('a')}\n`, /line 4: MD5 digest must be 32/],
    [head + `SHA256 (d/f) = ${H64('a')}\n`, /line 4: .*path separator/],
    [head + `SHA256 (..) = ${H64('a')}\n`, /line 4: .*not a file/],
    [head + ok + `SHA256 (f) = ${H64('c')}\n`, /line 6: conflicting SHA256 digests for f/],
    [head + '# size (f) = 1\n# size (f) = 2\n' + ok, /line 5: conflicting size for f/],
    [head + '# size (f) = -1\n' + ok, /line 4: size "-1" is not a byte count/],
    [head + '# size (f) = 01\n' + ok, /line 4: size "01"/],
    [head + `SHA256 (f) = ${H64('a')}\n`, /line 4: file f has no BLAKE2b-256 line/],
    [head + `BLAKE2b-256 (f) = ${H64('a')}\n`, /line 4: file f has no SHA256 line/],
    [head + 'hello\n', /line 4: not a manifest line/],
    [head + 'SHA256 (f) = \x01\n', /line 4: control character/],
    ['# distsum release manifest v1\n# version: 1\n' + ok, /no "# project:" line/],
    ['# distsum release manifest v1\n# project: p\n' + ok, /no "# version:" line/],
    [head + '# project: q\n', /line 4: conflicting project \(see line 2\)/],
    [head + '# created: yesterday\n', /line 4: created time "yesterday" is not RFC 3339 UTC/],
    [head + '# version: \n', /line 4: empty version/],
    [head + '# project:q\n', /line 4: expected "# project: <value>"/],
    [head + '# size (f) = 12 bytes\n' + ok, /line 4: expected "# size \(<file>\) = <bytes>"/],
    ['x'.repeat(5 * 1024 * 1024), /larger than/],
    [head + '#\n'.repeat(100_001), /more than 100000 lines/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseManifest(text), (e: unknown) => e instanceof InputError && re.test(e.message), re.source);
  }
});

function digestsOf(data: Uint8Array): { sha256: string; blake2b_256: string; md5: string } {
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    blake2b_256: Buffer.from(blake2b(data, { dkLen: 32 })).toString('hex'),
    md5: createHash('md5').update(data).digest('hex'),
  };
}

/** Writes release files into `dir` and a manifest for them; returns the manifest path and file names. */
function writeRelease(dir: string, md5: boolean): { manifest: string; names: string[] } {
  const contents: Record<string, Uint8Array> = {
    'example_pkg-1.2.0-py3-none-any.whl': new Uint8Array(3000).map((_, i) => (i * 7) & 0xff),
    'example_pkg-1.2.0.tar.gz': new TextEncoder().encode('sdist bytes\n'),
    'odd name (1) = ü.zip': new Uint8Array(0),
  };
  const files: ManifestFile[] = [];
  for (const [name, data] of Object.entries(contents)) {
    writeFileSync(join(dir, name), data);
    const d = digestsOf(data);
    files.push({ filename: name, size: data.length, sha256: d.sha256, blake2b_256: d.blake2b_256, md5: md5 ? d.md5 : undefined });
  }
  const manifest = join(dir, manifestFileName('example-pkg', '1.2.0'));
  writeFileSync(manifest, formatManifest({ project: 'example-pkg', version: '1.2.0', created: '2024-05-01T12:00:00Z', files }));
  return { manifest, names: Object.keys(contents).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))) };
}

test('GNU cksum -c checks every line of a manifest (coreutils, real files)', (t) => {
  for (const md5 of [false, true]) {
    const dir = tempDir(t);
    const { manifest, names } = writeRelease(dir, md5);
    const perFile = md5 ? 3 : 2;
    const res = run('cksum', ['-c', manifest], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, names.flatMap((n) => Array<string>(perFile).fill(`${n}: OK\n`)).join(''));
    assert.equal(res.stderr, '');
    const strict = run('cksum', ['-c', '--strict', manifest], { cwd: dir });
    assert.equal(strict.status, 0, strict.stderr);
  }
});

test('GNU sha256sum -c checks the SHA256 lines and only warns about the others', (t) => {
  for (const md5 of [false, true]) {
    const dir = tempDir(t);
    const { manifest, names } = writeRelease(dir, md5);
    const res = run('sha256sum', ['-c', manifest], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, names.map((n) => `${n}: OK\n`).join(''));
    // The BLAKE2b-256 (and MD5) lines are "improperly formatted" for sha256sum; comments are skipped silently.
    const other = names.length * (md5 ? 2 : 1);
    assert.equal(res.stderr, `sha256sum: WARNING: ${other} lines are improperly formatted\n`);
    // Found while testing: --strict turns that warning into a failure, so users must not be told to use it.
    assert.equal(run('sha256sum', ['-c', '--strict', manifest], { cwd: dir }).status, 1);
  }
});

test('a tampered or missing file makes both cksum -c and sha256sum -c fail', (t) => {
  const dir = tempDir(t);
  const { manifest, names } = writeRelease(dir, true);
  appendFileSync(join(dir, names[0]), 'x');
  const ck = run('cksum', ['-c', manifest], { cwd: dir });
  assert.equal(ck.status, 1);
  assert.match(ck.stdout, new RegExp(`^${names[0].replace(/[().]/g, '\\$&')}: FAILED$`, 'm'));
  assert.match(ck.stderr, /3 computed checksums did NOT match/);
  const sh = run('sha256sum', ['-c', manifest], { cwd: dir });
  assert.equal(sh.status, 1);
  assert.match(sh.stderr, /1 computed checksum did NOT match/);

  const dir2 = tempDir(t);
  const r2 = writeRelease(dir2, false);
  rmSync(join(dir2, r2.names[1]));
  assert.equal(run('cksum', ['-c', r2.manifest], { cwd: dir2 }).status, 1);
  assert.equal(run('sha256sum', ['-c', r2.manifest], { cwd: dir2 }).status, 1);
});

test('a manifest cksum wrote from the same files parses to the same digests', (t) => {
  // The other direction: coreutils writes the tagged lines, we read them.
  const dir = tempDir(t);
  const { manifest, names } = writeRelease(dir, true);
  const ours = parseManifest(readFileSync(manifest, 'utf8'));
  const sha = run('cksum', ['-a', 'sha256', ...names], { cwd: dir }).stdout;
  const b2 = run('cksum', ['-a', 'blake2b', '-l', '256', ...names], { cwd: dir }).stdout;
  const md5 = run('cksum', ['-a', 'md5', ...names], { cwd: dir }).stdout;
  const theirs = parseManifest(`# distsum release manifest v1\n# project: example-pkg\n# version: 1.2.0\n${sha}${b2}${md5}`);
  assert.deepEqual(theirs.files, ours.files.map(({ size: _size, ...rest }) => rest));
});

const nameChar = fc.constantFrom('a', 'Z', '0', '9', '.', '-', '_', '+', ' ', '(', ')', '=', '#', 'ü', '€', '\u{1F600}', '\uFF5E');
const fileName = fc
  .string({ unit: nameChar, minLength: 1, maxLength: 30 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && s !== '.' && s !== '..');
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const manifestArb: fc.Arbitrary<Manifest> = fc.record(
  {
    project: fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?$/),
    version: fc.stringMatching(/^[0-9][0-9a-z.+!]{0,15}$/),
    created: fc.date({ min: new Date(Date.UTC(1971, 0, 1)), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true }).map(rfc3339Utc),
    files: fc.uniqueArray(
      fc.record(
        {
          filename: fileName,
          size: fc.option(fc.maxSafeNat(), { nil: undefined }),
          sha256: hex(32),
          blake2b_256: hex(32),
          md5: fc.option(hex(16), { nil: undefined }),
        },
        { requiredKeys: ['filename', 'sha256', 'blake2b_256'] },
      ),
      { selector: (f) => f.filename, maxLength: 8 },
    ),
  },
  { requiredKeys: ['project', 'version', 'files'] },
);

function withoutUndefined(f: ManifestFile): ManifestFile {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as ManifestFile;
}

test('property: parse(format(m)) gives m back, files sorted, and format is a fixed point', () => {
  fc.assert(
    fc.property(manifestArb, (m) => {
      const text = formatManifest(m);
      const back = parseManifest(text);
      const expected = [...m.files].map(withoutUndefined).sort((a, b) => Buffer.compare(Buffer.from(a.filename), Buffer.from(b.filename)));
      assert.deepEqual(back.files, expected);
      assert.equal(back.project, m.project);
      assert.equal(back.version, m.version);
      assert.equal(back.created, m.created);
      assert.equal(formatManifest(back), text);
      assert.ok(text.endsWith('\n') && !text.includes('\r'));
    }),
    { numRuns: 300 },
  );
});

const lineFragments = fc.constantFrom(
  '# distsum release manifest v1',
  '# project: p',
  '# version: 1',
  '# created: 2024-05-01T12:00:00Z',
  '# size (f) = 12',
  `SHA256 (f) = ${H64('a')}`,
  `BLAKE2b-256 (f) = ${H64('b')}`,
  `MD5 (f) = ${H32('c')}`,
  `SHA256 (g) = ${H64('d')}`,
  '',
  '#',
  'SHA256 (f) = ',
  'SHA256 () = 00',
  '\r',
);

test('property: any text parses to a manifest or fails with InputError, never anything else', () => {
  const check = (text: string) => {
    try {
      const m = parseManifest(text);
      // Whatever parses must format and parse back to itself.
      assert.deepEqual(parseManifest(formatManifest(m)), m);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      assert.ok(!e.message.includes('\n'), 'one-line message');
    }
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: 500 });
  fc.assert(
    fc.property(fc.array(fc.oneof(lineFragments, fc.string({ maxLength: 20 })), { maxLength: 12 }), (lines) =>
      check(['# distsum release manifest v1', ...lines].join('\n')),
    ),
    { numRuns: 1000 },
  );
});
