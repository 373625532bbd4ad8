import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../../../src/errors.ts';
import { parseLock, readLockFile } from '../../../src/verify/locks/detect.ts';
import { parseRequirements, parseRequirementsFile } from '../../../src/verify/locks/requirements.ts';
import { DEFAULT_LOCK_LIMITS } from '../../../src/verify/locks/limits.ts';
import type { LockedFile } from '../../../src/verify/locks/types.ts';
import { assertWellFormed, fixture, pipParse, pins, sortPins, tempDir, valueOrInputError, type Pin } from './support.ts';

const PYCA = fixture('requirements-hashes/pyca-cryptography__publish-requirements.txt');
const H = (c: string) => c.repeat(64);

// pip takes a second or more to start: every file pip reads in this test file is written up
// front (below the generators) and read by one pip run.
const work = tempDir();
after(work.cleanup);
const pipFiles: string[] = [PYCA];
let pipResults: ReturnType<typeof pipParse> | undefined;
function forPip(rel: string, text: string): string {
  const p = join(work.dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  pipFiles.push(p);
  return p;
}
function pipRead(path: string): ReturnType<typeof pipParse>[number] {
  pipResults ??= pipParse(pipFiles);
  const i = pipFiles.indexOf(path);
  assert.ok(i !== -1, `${path} was not given to pip`);
  return pipResults[i];
}

function only(files: LockedFile[], name: string): LockedFile[] {
  return files.filter((f) => f.name === name);
}

test('pip-compile --generate-hashes output (pyca/cryptography publish-requirements.txt)', async () => {
  const r = await readLockFile(PYCA);
  assert.equal(r.format, 'requirements');
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  // 29 pinned requirements, 240 --hash options (counted with grep in the file).
  assert.equal(r.files.length, 240);
  assert.equal(new Set(r.files.map((f) => f.name)).size, 29);
  assert.deepEqual(only(r.files, 'backports-tarfile'), [
    { name: 'backports-tarfile', version: '1.1.1', hashes: { sha256: '73e0179647803d3726d82e76089d01d8549ceca9bace469953fcb4d97cf2d417' }, source: { path: PYCA, line: 7 } },
    { name: 'backports-tarfile', version: '1.1.1', hashes: { sha256: '9c2ef9696cb73374f7164e17fc761389393ca76777036f5aad42e8b93fcd8009' }, source: { path: PYCA, line: 7 } },
  ]);
  assert.deepEqual(
    only(r.files, 'twine').map((f) => [f.version, f.hashes.sha256, f.source.line]),
    [
      ['5.0.0', '89b0cc7d370a4b66421cc6102f269aa910fe0f1861c124f573cf2ddedbc10cf4', 304],
      ['5.0.0', 'a262933de0b484c53408f9edae2e7821c1c45a3314ff2df9bdd343aa7ab8edc0', 304],
    ],
  );
  assert.equal(only(r.files, 'cffi').length, 52);
  assert.ok(only(r.files, 'cryptography').every((f) => f.version === '42.0.7' && f.source.line === 161));
  assert.ok(r.files.every((f) => f.filename === undefined && f.url === undefined));
});

test('the fixture reads the same as pip itself reads it', () => {
  const res = pipRead(PYCA);
  assert.ok('ok' in res, JSON.stringify(res));
  const want: Pin[] = [];
  const lines = new Map<string, number>();
  for (const req of res.ok) {
    for (const [alg, ds] of Object.entries(req.hashes)) {
      for (const d of ds) {
        want.push([req.name!, req.version, null, alg, d]);
        lines.set(d, req.line);
      }
    }
  }
  const got = parseRequirementsFile(readFileSync(PYCA, 'utf8'), PYCA).files;
  assert.deepEqual(pins(got), sortPins(want));
  for (const f of got) assert.equal(f.source.line, lines.get(f.hashes.sha256!));
});

test('continuations, comments after hashes, CRLF, markers, extras and several hashes', () => {
  const text = [
    '# a full-line comment',
    'Foo.Bar_baz[extra1, extra2]==1.0 ; python_version < "3.8" \\',
    `    --hash=sha256:${H('A')} \\`,
    `    --hash=sha256:${H('b')}  # comment after the hashes`,
    '    # via something',
    '',
    `requests===2.31.0 --hash=sha256:${H('c')} --hash sha384:${'d'.repeat(96)}`,
    `pinned==2.0 --hash=sha512:${'e'.repeat(128)} # trailing`,
  ].join('\r\n');
  const r = parseLock('requirements', text, 'reqs.txt');
  assertWellFormed(r);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.files, [
    { name: 'foo-bar-baz', version: '1.0', hashes: { sha256: H('a') }, marker: 'python_version < "3.8"', source: { path: 'reqs.txt', line: 2 } },
    { name: 'foo-bar-baz', version: '1.0', hashes: { sha256: H('b') }, marker: 'python_version < "3.8"', source: { path: 'reqs.txt', line: 2 } },
    { name: 'requests', version: '2.31.0', hashes: { sha256: H('c') }, source: { path: 'reqs.txt', line: 7 } },
    { name: 'requests', version: '2.31.0', hashes: { sha384: 'd'.repeat(96) }, source: { path: 'reqs.txt', line: 7 } },
    { name: 'pinned', version: '2.0', hashes: { sha512: 'e'.repeat(128) }, source: { path: 'reqs.txt', line: 8 } },
  ]);
});

test('uv pip compile --universal output: a marker before the continuation', () => {
  const text = [
    '# This file was autogenerated by uv via the following command:',
    '#    uv pip compile requirements.in --universal --generate-hashes',
    '--index-url https://pypi.org/simple',
    "colorama==0.4.6 ; sys_platform == 'win32' \\",
    `    --hash=sha256:${H('1')} \\`,
    `    --hash=sha256:${H('2')}`,
    '    # via click',
    '',
  ].join('\n');
  const r = parseLock('requirements', text, 'r.txt');
  assert.deepEqual(
    r.files.map((f) => [f.name, f.version, f.marker, f.hashes.sha256, f.source.line]),
    [
      ['colorama', '0.4.6', "sys_platform == 'win32'", H('1'), 4],
      ['colorama', '0.4.6', "sys_platform == 'win32'", H('2'), 4],
    ],
  );
});

test('options are skipped; what cannot be checked by hash is a warning', () => {
  const text = [
    '-i https://pypi.org/simple',
    '--extra-index-url=https://example.com/simple',
    '--find-links ./wheels',
    '--trusted-host example.com',
    '--pre',
    '--no-binary :all:',
    '--only-binary=:all:',
    '--prefer-binary',
    '--require-hashes',
    '-e ./local/project',
    'git+https://github.com/pypa/packaging@main#egg=packaging',
    'nohash==1.0',
    './some/directory',
    `unpinned>=1.0 --hash=sha256:${H('f')}`,
    '--weird-option value',
  ].join('\n');
  const r = parseLock('requirements', text, 'r.txt');
  assert.deepEqual(r.files, [{ name: 'unpinned', hashes: { sha256: H('f') }, source: { path: 'r.txt', line: 14 } }]);
  assert.equal(r.warnings.length, 5);
  assert.match(r.warnings[0], /^r\.txt:10: -e \.\/local\/project is an editable install/);
  assert.match(r.warnings[1], /^r\.txt:11: .*version control URL/);
  assert.match(r.warnings[2], /^r\.txt:12: "nohash==1\.0" has no --hash/);
  assert.match(r.warnings[3], /^r\.txt:13: .*local directory/);
  assert.match(r.warnings[4], /^r\.txt:15: unknown option --weird-option ignored/);
});

test('direct URLs and local files: file name, version and the #sha256 fragment', () => {
  const whl = 'https://files.example/p/Foo_Bar-2.0-py3-none-any.whl';
  const text = [
    `foo-bar @ ${whl} ; python_version >= "3.9" --hash=sha256:${H('1')}`,
    `${whl}#sha256=${H('2')}`,
    `https://files.example/p/legacy-pkg-0.3.tar.gz#egg=legacy-pkg --hash=sha256:${H('3')}`,
    `./dist/local_pkg-1.2-py3-none-any.whl --hash=sha256:${H('4')}`,
    `https://files.example/p/unknown.tar.gz --hash=sha256:${H('5')}`,
  ].join('\n');
  const r = parseLock('requirements', text, 'r.txt');
  assert.deepEqual(r.files, [
    { name: 'foo-bar', version: '2.0', filename: 'Foo_Bar-2.0-py3-none-any.whl', url: whl, marker: 'python_version >= "3.9"', hashes: { sha256: H('1') }, source: { path: 'r.txt', line: 1 } },
    { name: 'foo-bar', version: '2.0', filename: 'Foo_Bar-2.0-py3-none-any.whl', url: `${whl}#sha256=${H('2')}`, hashes: { sha256: H('2') }, source: { path: 'r.txt', line: 2 } },
    { name: 'legacy-pkg', version: '0.3', filename: 'legacy-pkg-0.3.tar.gz', url: `https://files.example/p/legacy-pkg-0.3.tar.gz#egg=legacy-pkg`, hashes: { sha256: H('3') }, source: { path: 'r.txt', line: 3 } },
    { name: 'local-pkg', version: '1.2', filename: 'local_pkg-1.2-py3-none-any.whl', hashes: { sha256: H('4') }, source: { path: 'r.txt', line: 4 } },
  ]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /^r\.txt:5: .*names no project/);
});

test('malformed lines are InputErrors naming the file and line', () => {
  const cases: [string, RegExp][] = [
    // pip only finds this at install time (a hash that never matches); distsum says so up front.
    [`x==1 --hash=sha256:${H('c')}#not-a-comment`, /^r\.txt:1: the sha256 digest .* is not 64 hex digits$/],
    [`ok==1.0\nbad==1.0 --hash=sha256:${'a'.repeat(63)}`, /^r\.txt:2: the sha256 digest .* is not 64 hex digits$/],
    [`bad==1.0 --hash=md5:${'a'.repeat(32)}`, /^r\.txt:1: --hash algorithm "md5" is not one pip accepts/],
    ['bad==1.0 --hash=nocolon', /^r\.txt:1: --hash "nocolon" is not of the form/],
    ['bad==1.0 --hash', /^r\.txt:1: --hash needs a value$/],
    ['foo bar baz', /^r\.txt:1: "foo bar baz" is not a valid requirement$/],
    ['foo=>1.0', /^r\.txt:1: .*is not a valid requirement$/],
    ["x==1 --hash='sha256:abc", /^r\.txt:1: no closing quotation/],
    ['https://example.com/not-a-wheel.whl', /^r\.txt:1: "not-a-wheel\.whl" is not a valid wheel file name$/],
    ['\\\n  \\\n; python_version < "3"', /^r\.txt:1: a marker without a requirement$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseLock('requirements', text, 'r.txt'), (e: unknown) => e instanceof InputError && re.test(e.message), text);
  }
});

// The include tree for the next test, written where pip reads it too.
const INC = {
  main: forPip('inc/main.txt', `-r sub/a.txt\n-c constraints.txt\ntop==1 --hash=sha256:${H('1')}\n`),
  a: forPip('inc/sub/a.txt', `--requirement=../b.txt\na==2 --hash=sha256:${H('2')}\n-r ../b.txt\n`),
  b: forPip('inc/b.txt', `b==3 \\\n  --hash=sha256:${H('3')}\n`),
  c: forPip('inc/constraints.txt', `c==4 --hash=sha256:${H('4')}\n`),
};

test('parseLock does not read includes; readLockFile follows them relative to the including file', async () => {
  const pure = parseLock('requirements', readFileSync(INC.main, 'utf8'), INC.main);
  assert.equal(pure.files.length, 1);
  assert.match(pure.warnings[0], /main\.txt:1: -r sub\/a\.txt was not read/);
  assert.match(pure.warnings[1], /main\.txt:2: -c constraints\.txt was not read/);

  const r = await readLockFile(INC.main);
  assert.deepEqual(
    r.files.map((f) => [f.name, f.version, f.hashes.sha256, f.source.path, f.source.line]),
    // In reading order, as pip reads them: an included file's requirements where its -r is.
    [
      ['b', '3', H('3'), INC.b, 1],
      ['a', '2', H('2'), INC.a, 2],
      ['c', '4', H('4'), INC.c, 1],
      ['top', '1', H('1'), INC.main, 3],
    ],
  );
  assert.deepEqual(r.warnings, []);

  // pip follows the same includes to the same requirements in the same order (it reads
  // ../b.txt twice, as sub/../b.txt; distsum reads a file once).
  const pip = pipRead(INC.main);
  assert.ok('ok' in pip, JSON.stringify(pip));
  const seen = new Set<string>();
  const pipOrder = pip.ok
    .map((q) => [q.name, q.version, q.hashes.sha256?.[0], resolve(q.file), q.line])
    .filter((x) => !seen.has(JSON.stringify(x)) && (seen.add(JSON.stringify(x)), true));
  assert.deepEqual(pipOrder, r.files.map((f) => [f.name, f.version, f.hashes.sha256, f.source.path, f.source.line]));

  // A remote include is not fetched: a warning.
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'remote.txt'), `x==1 --hash=sha256:${H('1')}\n-r https://example.com/remote.txt\n`);
    const rr = await readLockFile(join(dir, 'remote.txt'));
    assert.equal(rr.files.length, 1);
    assert.deepEqual(rr.warnings, [`${join(dir, 'remote.txt')}:2: -r https://example.com/remote.txt is a remote file; distsum does not fetch it`]);
  } finally {
    cleanup();
  }
});

test('include cycles, depth, count and unreadable includes are InputErrors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.txt'), '-r b.txt\n');
    writeFileSync(join(dir, 'b.txt'), '# loops back\n-r ./a.txt\n');
    await assert.rejects(readLockFile(join(dir, 'a.txt')), (e: unknown) => e instanceof InputError && /b\.txt:2: including \.\/a\.txt makes a cycle \(.*a\.txt -> .*b\.txt -> .*a\.txt\)$/.test(e.message));

    writeFileSync(join(dir, 'self.txt'), '-r self.txt\n');
    await assert.rejects(readLockFile(join(dir, 'self.txt')), /makes a cycle/);

    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `d${i}.txt`), `-r d${i + 1}.txt\n`);
    writeFileSync(join(dir, 'd6.txt'), `x==1 --hash=sha256:${H('9')}\n`);
    const limits = { ...DEFAULT_LOCK_LIMITS, maxIncludeDepth: 3 };
    await assert.rejects(readLockFile(join(dir, 'd0.txt'), { limits }), /d3\.txt:1: includes nest deeper than 3 files/);
    const deepOk = await readLockFile(join(dir, 'd0.txt'), { limits: { ...DEFAULT_LOCK_LIMITS, maxIncludeDepth: 6 } });
    assert.equal(deepOk.files.length, 1);

    writeFileSync(join(dir, 'wide.txt'), ['-r w1.txt', '-r w2.txt', '-r w3.txt'].join('\n'));
    for (const w of ['w1', 'w2', 'w3']) writeFileSync(join(dir, `${w}.txt`), '');
    await assert.rejects(readLockFile(join(dir, 'wide.txt'), { limits: { ...DEFAULT_LOCK_LIMITS, maxIncludedFiles: 3 } }), /wide\.txt:3: more than 3 requirements files included/);

    writeFileSync(join(dir, 'missing.txt'), '\n\n-r nowhere.txt\n');
    await assert.rejects(readLockFile(join(dir, 'missing.txt')), (e: unknown) => e instanceof InputError && /missing\.txt:3: cannot read included file .*nowhere\.txt: /.test(e.message));
  } finally {
    cleanup();
  }
});

test('a file included twice (a diamond) is read once', async () => {
  const reads: string[] = [];
  const files: Record<string, string> = {
    '/r/top.txt': '-r left.txt\n-r right.txt\n',
    '/r/left.txt': '-r shared.txt\n',
    '/r/right.txt': '-r shared.txt\n',
    '/r/shared.txt': `s==1 --hash=sha256:${H('5')}\n`,
  };
  const readFile = async (p: string) => {
    reads.push(p);
    if (!(p in files)) throw new Error(`ENOENT: ${p}`);
    return files[p];
  };
  const r = await readLockFile('/r/top.txt', { readFile });
  assert.deepEqual(reads, ['/r/top.txt', '/r/left.txt', '/r/shared.txt', '/r/right.txt']);
  assert.deepEqual(r.files, [{ name: 's', version: '1', hashes: { sha256: H('5') }, source: { path: '/r/shared.txt', line: 1 } }]);
});

// ---- properties ----

const nameArb = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/),
    fc.array(fc.tuple(fc.constantFrom('-', '_', '.', '--', '_.'), fc.stringMatching(/^[A-Za-z0-9]{1,5}$/)), { maxLength: 2 }),
  )
  .map(([head, rest]) => head + rest.map(([s, p]) => s + p).join(''));
const versionArb = fc.constantFrom('1.0', '2.31.0', '0.4.6', '1.0rc1', '2024.2.2', '3.0.post1', '1!2.0', '10.2.0.dev3');
const markerArb = fc.constantFrom('python_version < "3.8"', 'sys_platform == "win32"', 'platform_machine != "x86_64" and python_version >= "3.9"');
const hexArb = fc.stringMatching(/^[0-9a-f]{64}$/);

interface ReqModel {
  name: string;
  version: string;
  exact: '==' | '===';
  extras: string[];
  marker: string | null;
  hashes: string[];
  upper: boolean;
  continuation: boolean;
  trailingComment: boolean;
  via: boolean;
}

const reqArb: fc.Arbitrary<ReqModel> = fc.record({
  name: nameArb,
  version: versionArb,
  exact: fc.constantFrom('==' as const, '===' as const),
  extras: fc.array(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { maxLength: 2 }),
  marker: fc.option(markerArb, { nil: null }),
  hashes: fc.array(hexArb, { minLength: 1, maxLength: 4 }),
  upper: fc.boolean(),
  continuation: fc.boolean(),
  trailingComment: fc.boolean(),
  via: fc.boolean(),
});

const fillerArb = fc.constantFrom(
  '# a comment line',
  '',
  '   ',
  '--index-url https://pypi.org/simple',
  '--extra-index-url https://example.com/simple',
  '--trusted-host example.com',
  '--prefer-binary',
  '--only-binary :all:',
);

interface FileModel {
  reqs: ReqModel[];
  fillers: string[];
  eol: '\n' | '\r\n';
}

const fileArb: fc.Arbitrary<FileModel> = fc.record({
  reqs: fc.array(reqArb, { minLength: 0, maxLength: 6 }),
  fillers: fc.array(fillerArb, { maxLength: 6 }),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
});

// Renders the model as pip-compile/uv would (or by hand), returning the text and, for each
// requirement, the line it starts on.
function render(m: FileModel): { text: string; lines: number[] } {
  const out: string[] = [];
  const lines: number[] = [];
  m.reqs.forEach((q, i) => {
    if (i < m.fillers.length) out.push(m.fillers[i]);
    lines.push(out.length + 1);
    const extras = q.extras.length > 0 ? `[${q.extras.join(',')}]` : '';
    let head = `${q.name}${extras}${q.exact}${q.version}`;
    if (q.marker !== null) head += ` ; ${q.marker}`;
    const hashes = q.hashes.map((h) => `--hash=sha256:${q.upper ? h.toUpperCase() : h}`);
    const comment = q.trailingComment ? '  # pinned by hand' : '';
    if (q.continuation) {
      out.push(`${head} \\`);
      hashes.forEach((h, j) => out.push(`    ${h}${j < hashes.length - 1 ? ' \\' : comment}`));
    } else out.push(`${head} ${hashes.join(' ')}${comment}`);
    if (q.via) out.push('    # via', '    #   something-else');
  });
  out.push(...m.fillers.slice(m.reqs.length));
  return { text: out.join(m.eol) + m.eol, lines };
}

function expected(m: FileModel, path: string): LockedFile[] {
  const { lines } = render(m);
  const normalized = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');
  return m.reqs.flatMap((q, i) =>
    q.hashes.map((h) => {
      const f: LockedFile = { name: normalized(q.name), version: q.version, hashes: { sha256: h }, source: { path, line: lines[i] } };
      if (q.marker !== null) f.marker = q.marker;
      return f;
    }),
  );
}

function dedupe(files: LockedFile[]): LockedFile[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    const k = JSON.stringify([f.name, f.version, f.hashes]);
    return !seen.has(k) && (seen.add(k), true);
  });
}

test('property: generated requirements files read back into the files they pin', () => {
  fc.assert(
    fc.property(fileArb, (m) => {
      const { text } = render(m);
      const r = parseLock('requirements', text, 'gen.txt');
      assertWellFormed(r);
      assert.deepEqual(r.warnings, []);
      const norm = (fs: LockedFile[]) => fs.map((f) => ({ ...f, hashes: { ...f.hashes } }));
      assert.deepEqual(norm(r.files), norm(dedupe(expected(m, 'gen.txt'))));
    }),
    { numRuns: 300 },
  );
});

const GENERATED = fc.sample(fileArb, { numRuns: 40, seed: 751 }).map((m, i) => ({ m, path: forPip(`gen/gen${i}.txt`, render(m).text) }));

test('property: pip reads generated requirements files the same way (names, versions, markers, hashes, lines)', () => {
  for (const { m, path } of GENERATED) {
    const res = pipRead(path);
    assert.ok('ok' in res, JSON.stringify(res));
    const want = sortPins(res.ok.flatMap((q) => Object.entries(q.hashes).flatMap(([alg, ds]) => ds.map((d): Pin => [q.name!, q.version, null, alg, d.toLowerCase()]))));
    const got = parseRequirementsFile(render(m).text, path).files;
    assert.deepEqual(pins(got), want);
    const pipByLine = new Map(res.ok.map((q) => [q.line, q]));
    for (const f of got) {
      const q = pipByLine.get(f.source.line!);
      assert.ok(q, `pip has no requirement on line ${f.source.line}`);
      assert.equal(f.name, q.name);
      assert.equal(f.marker ?? null, q.marker);
    }
  }
});

const oddPieceArb = fc.constantFrom(
  'pkg==1.0 \\',
  '    # via x \\',
  `    --hash=sha256:${H('a')} \\`,
  `    --hash=sha256:${H('b')}`,
  '\\',
  '#',
  '  ',
  `other==2.0 --hash=sha256:${H('c')}`,
  `third==3.0 --hash=sha256:${H('d')} #comment`,
  '--pre',
);
const ODD = fc
  .sample(fc.tuple(fc.array(oddPieceArb, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r')), { numRuns: 40, seed: 508 })
  .map(([pieces, eol], i) => {
    const text = pieces.join(eol);
    return { text, path: forPip(`odd/odd${i}.txt`, text) };
  });

test('property: odd line structure (comments inside continuations, stray backslashes) matches pip', () => {
  for (const { text, path } of ODD) {
    const res = pipRead(path);
    let mine;
    try {
      mine = parseRequirementsFile(text, path).files;
    } catch (err) {
      assert.ok(err instanceof InputError);
      assert.ok('error' in res, `pip accepted what distsum refused: ${JSON.stringify(text)}: ${(err as Error).message}`);
      continue;
    }
    assert.ok('ok' in res, `pip refused what distsum accepted: ${JSON.stringify(text)}: ${JSON.stringify(res)}`);
    const want = sortPins(res.ok.flatMap((q) => Object.entries(q.hashes).flatMap(([alg, ds]) => ds.map((d): Pin => [q.name!, q.version, null, alg, d]))));
    assert.deepEqual(pins(mine), want, JSON.stringify(text));
  }
});

test('property: random text never crashes the requirements reader', () => {
  const alphabet = fc.constantFrom(...'ab=-#;\\ \t\n\r[]@:/."\'-'.split(''), '--hash=sha256:', '==', '-r ', '-e ', 'git+https://x/y', 'x.whl');
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(alphabet, { maxLength: 60 }).map((a) => a.join(''))), (text) => {
      valueOrInputError(() => parseRequirements(text, 'rand.txt'));
    }),
    { numRuns: 1000 },
  );
});

test('a large requirements file through readLockFile (no call-stack-sized spreads)', async () => {
  const n = 150_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`p${i}==1 --hash=sha256:${i.toString(16).padStart(64, '0')}`);
  const r = await readLockFile('/virtual/big.txt', { readFile: async () => lines.join('\n') });
  assert.equal(r.files.length, n);
  assert.deepEqual(r.files[n - 1], { name: `p${n - 1}`, version: '1', hashes: { sha256: (n - 1).toString(16).padStart(64, '0') }, source: { path: '/virtual/big.txt', line: n } });
});
