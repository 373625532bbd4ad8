import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSimpleIndex, parseSimpleProject, simpleFormat, type SimpleFile } from '../../src/index/simple.ts';
import { IndexFormatError } from '../../src/index/errors.ts';
import { fixture } from './fixtures.ts';

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const HTML = 'text/html';
const PH = 'https://files.pythonhosted.org/packages';
const enc = (s: string) => new TextEncoder().encode(s);

// ---- the real pages ----

test('black.html: files, sha256, requires-python, the yank reason and the serial', () => {
  const p = parseSimpleProject(fixture('simple-html/black.html'), 'text/html; charset=utf-8', 'https://pypi.org/simple/black/');
  assert.equal(p.name, 'black');
  assert.equal(p.normalizedName, 'black');
  assert.equal(p.format, 'html');
  assert.deepEqual(p.meta, { apiVersion: '1.0', lastSerial: 6044498 });
  assert.deepEqual(p.files, [
    {
      filename: 'black-19.10b0-py36-none-any.whl',
      url: `${PH}/fd/bb/ad34bbc93d1bea3de086d7c59e528d4a503ac8fe318bd1fa48605584c3d2/black-19.10b0-py36-none-any.whl`,
      hashes: { sha256: '1b30e59be925fafc1ee4565e5e08abef6b03fe455102883820fe5ee2e4734e0b' },
      yanked: false,
      requiresPython: '>=3.6',
    },
    {
      filename: 'black-21.11b0-py3-none-any.whl',
      url: `${PH}/3d/ad/1cf514e7f9ee4c3d8df7c839d7977f7605ad76557f3fca741ec67f76dba6/black-21.11b0-py3-none-any.whl`,
      hashes: { sha256: '0b1f66cbfadcd332ceeaeecf6373d9991d451868d2e2219ad0ac1213fb701117' },
      yanked: 'Broken regex dependency. Use 21.11b1 instead.',
      requiresPython: '>=3.6.2',
    },
  ]);
});

test('futures-partial-yank.html: a bare data-yanked is yanked without reason; entities in requires-python are decoded', () => {
  const p = parseSimpleProject(fixture('simple-html/futures-partial-yank.html'), HTML, 'https://pypi.org/simple/futures/');
  assert.deepEqual(p.meta, { apiVersion: '1.0', lastSerial: 3865286 });
  assert.deepEqual(p.files, [
    {
      filename: 'futures-3.2.0-py2-none-any.whl',
      url: `${PH}/2d/99/b2c4e9d5a30f6471e410a146232b4118e697fa3ffc06d6a65efde84debd0/futures-3.2.0-py2-none-any.whl`,
      hashes: { sha256: 'ec0a6cb848cc212002b9828c3e34c675e0c9ff6741dc445cab6fdd4e1085d1f1' },
      yanked: true,
      requiresPython: '>=2.6, <3',
    },
    {
      filename: 'futures-3.2.0.tar.gz',
      url: `${PH}/1f/9e/7b2ff7e965fc654592269f2906ade1c7d705f1bf25b7d469fa153f7d19eb/futures-3.2.0.tar.gz`,
      hashes: { sha256: '9ec02aa7d674acb8618afb127e27fde7fc68994c0437ad759fa094a574adb265' },
      yanked: false,
      requiresPython: '>=2.6, <3',
    },
  ]);
});

test('ipython.html: md5 fragments are kept as md5, sha256 as sha256', () => {
  const p = parseSimpleProject(fixture('simple-html/ipython.html'), HTML, 'https://pypi.org/simple/ipython/');
  assert.equal(p.meta.lastSerial, 4837213);
  assert.deepEqual(
    p.files.map((f) => [f.filename, f.hashes, f.requiresPython ?? null, f.yanked]),
    [
      ['ipython-5.7.0-py2-none-any.whl', { md5: 'a10a802ef98da741cd6f4f6289d47ba7' }, null, false],
      ['ipython-5.7.0-py3-none-any.whl', { sha256: 'fc0464e68f9c65cd8c453474b4175432cc29ecb6c83775baedf6dbfcee9275ab' }, null, false],
      ['ipython-5.7.0.tar.gz', { sha256: '8db43a7fb7619037c98626613ff08d03dda9d5d12c84814a4504c78c0da8323c' }, null, false],
      ['ipython-7.5.0-py3-none-any.whl', { md5: 'a10a802ef98da741cd6f4f6289d47ba8' }, '>=3.5', false],
      ['ipython-7.5.0.tar.gz', { sha256: 'e840810029224b56cd0d9e7719dc3b39cf84d577f8ac686547c8ba7a06eeab26' }, '>=3.5', false],
    ],
  );
  assert.equal(p.files[2].url, `${PH}/3c/fd/559fead731a29eaa55cc235c8029807b2520976a937c30e9ee603f3bb566/ipython-5.7.0.tar.gz`);
});

test('isort.html and pytest.html (an anchor right after </h1>)', () => {
  const isort = parseSimpleProject(fixture('simple-html/isort.html'), HTML, 'https://pypi.org/simple/isort/');
  assert.equal(isort.meta.lastSerial, 3575149);
  assert.deepEqual(
    isort.files.map((f) => [f.filename, f.hashes.sha256]),
    [
      ['isort-4.3.4-py2-none-any.whl', 'ec9ef8f4a9bc6f71eec99e1806bfa2de401650d996c59330782b89a5555c1497'],
      ['isort-4.3.4-py3-none-any.whl', '1153601da39a25b14ddc54955dbbacbb6b2d19135386699e2ad58517953b34af'],
      ['isort-4.3.4.tar.gz', 'b9c40e9750f3d77e6e4d441d8b0266cf555e7cdabdcff33c4fd06366ca761ef8'],
    ],
  );
  const pytest = parseSimpleProject(fixture('simple-html/pytest.html'), HTML, 'https://pypi.org/simple/pytest/');
  assert.equal(pytest.meta.lastSerial, 7198641);
  const rp = '>=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*';
  assert.deepEqual(
    pytest.files.map((f) => [f.filename, f.hashes.sha256, f.requiresPython]),
    [
      ['pytest-3.5.0-py2.py3-none-any.whl', '6266f87ab64692112e5477eba395cfedda53b1933ccd29478e671e73b420c19c', rp],
      ['pytest-3.5.0.tar.gz', 'fae491d1874f199537fd5872b5e1f0e74a009b979df9d53d1553fd03da1703e1', rp],
    ],
  );
});

test('wheel.v1.1.json (PEP 691 + PEP 700): every field', () => {
  const p = parseSimpleProject(fixture('simple-json/wheel.v1.1.json'), JSON_V1, 'https://pypi.org/simple/wheel/');
  assert.deepEqual(p, {
    name: 'wheel',
    normalizedName: 'wheel',
    format: 'json',
    meta: { apiVersion: '1.1', lastSerial: 17289142 },
    versions: ['0.40.0'],
    files: [
      {
        filename: 'wheel-0.40.0-py3-none-any.whl',
        url: `${PH}/61/86/cc8d1ff2ca31a312a25a708c891cf9facbad4eae493b3872638db6785eb5/wheel-0.40.0-py3-none-any.whl`,
        hashes: { sha256: 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247' },
        yanked: false,
        size: 64545,
        uploadTime: '2023-03-14T15:10:00.828550Z',
        requiresPython: '>=3.7',
      },
      {
        filename: 'wheel-0.40.0.tar.gz',
        url: `${PH}/fc/ef/0335f7217dd1e8096a9e8383e1d472aa14717878ffe07c4772e68b6e8735/wheel-0.40.0.tar.gz`,
        hashes: { sha256: 'cd1196f3faee2b31968d626e1731c94f99cbdb67cf5a46e4f5656cbee7738873' },
        yanked: false,
        size: 96226,
        uploadTime: '2023-03-14T15:10:02.873691Z',
        requiresPython: '>=3.7',
      },
    ],
  });
});

test('wheel.v1.4-stubbed-sdist.json (API 1.4): md5 too, core-metadata digests, serial 0', () => {
  const p = parseSimpleProject(fixture('simple-json/wheel.v1.4-stubbed-sdist.json'), 'application/vnd.pypi.simple.latest+json', 'https://pypi.org/simple/wheel/');
  assert.deepEqual(p.meta, { apiVersion: '1.4', lastSerial: 0 });
  const [whl, sdist] = p.files;
  assert.deepEqual(whl.hashes, { md5: '517d39f133bd7b1ff17caf09784b7543', sha256: 'd236b20e7cb522daf2390fa84c55eea81c5c30190f90f29ae2ca1ad8355bf247' });
  assert.deepEqual(whl.coreMetadata, { sha256: 'bf7a632f73a2d57bb54d06bbb2a46c162e6dfbe7565b0746e588ce6f080e49f7' });
  assert.equal(sdist.filename, 'wheel-0.40.0.tar.gz');
  // The placeholder poetry substituted (fixtures README), not PyPI's cd1196f3...: we report what the page says.
  assert.deepEqual(sdist.hashes, { md5: '5f175a8d693f74878964d4fd29729ab7', sha256: '5cb7e75751aa82e1b7db3fd52f5a9d59e7b06905630bed135793295931528740' });
  assert.equal(sdist.coreMetadata, undefined);
  assert.equal(sdist.size, 96226);
});

test('poetry-core.v1.x-stubbed.json: four files across two versions', () => {
  const p = parseSimpleProject(fixture('simple-json/poetry-core.v1.x-stubbed.json'), JSON_V1, 'https://pypi.org/simple/poetry-core/');
  assert.equal(p.name, 'poetry-core');
  assert.deepEqual(p.versions, ['1.5.0', '2.1.3']);
  assert.deepEqual(
    p.files.map((f) => [f.filename, f.hashes.sha256, f.hashes.md5, f.size, f.uploadTime, f.requiresPython, f.coreMetadata ?? null]),
    [
      ['poetry_core-1.5.0-py3-none-any.whl', 'e216b70f013c47b82a72540d34347632c5bfe59fd54f5fe5d51f6a68b19aaf84', 'be7589b4902793e66d7d979bd8581591', 464992, '2023-01-28T10:52:52.445537Z', '>=3.7,<4.0', { sha256: '7901e9c07999287d28be06df377c9e8529ec602c583dc7e2f22c1211d5f747e3' }],
      ['poetry_core-1.5.0.tar.gz', '0ae8d28caf5c12ec1714b16d2e7157ddd52397ea6bfdeba5a9432e449a0184da', '3f9b36a7a94cd235bfd5f05794828445', 448812, '2023-01-28T10:52:53.916268Z', '>=3.7,<4.0', null],
      ['poetry_core-2.1.3-py3-none-any.whl', '2c704f05016698a54ca1d327f46ce2426d72eaca6ff614132c8477c292266771', 'edbd124754fbb14141470a75d415be48', 332607, '2025-05-04T12:43:09.814666Z', '<4.0,>=3.9', { sha256: '143631e35bbd4f4292a0806a3c6ec707e0dbc317e3e7ad3a631c58c41d20ec9d' }],
      ['poetry_core-2.1.3.tar.gz', '0610f27f3e8b688fc7d7bdd2a5d197a755248a85cf4c77e5279b3e6bcfde0677', 'e57da2d8bd726c565a04d9183a8c36ed', 365027, '2025-05-04T12:43:11.596621Z', '<4.0,>=3.9', null],
    ],
  );
  assert.ok(p.files.every((f) => f.yanked === false));
});

test('the same page parsed as JSON and as HTML agrees on names, URLs and sha256', () => {
  const json = parseSimpleProject(fixture('simple-json/wheel.v1.1.json'), JSON_V1, 'https://pypi.org/simple/wheel/');
  const html = `<!DOCTYPE html><html><body>${json.files.map((f) => `<a href="${f.url}#sha256=${f.hashes.sha256}" data-requires-python="&gt;=3.7">${f.filename}</a><br/>`).join('\n')}</body></html>`;
  const fromHtml = parseSimpleProject(enc(html), 'application/vnd.pypi.simple.v1+html', 'https://pypi.org/simple/wheel/');
  assert.deepEqual(
    fromHtml.files,
    json.files.map((f) => ({ filename: f.filename, url: f.url, hashes: f.hashes, yanked: false, requiresPython: '>=3.7' })),
  );
});

// ---- the project list ----

test('project list, JSON: names, normalized names, per-project _last-serial', () => {
  const body = enc(JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': 30000000 }, projects: [{ name: 'Django', '_last-serial': 29999999 }, { name: 'zope.interface', '_last-serial': 12 }, { name: 'a_b' }] }));
  const idx = parseSimpleIndex(body, JSON_V1, 'https://pypi.org/simple/');
  assert.deepEqual(idx, {
    format: 'json',
    meta: { apiVersion: '1.1', lastSerial: 30000000 },
    projects: [
      { name: 'Django', normalizedName: 'django', lastSerial: 29999999 },
      { name: 'zope.interface', normalizedName: 'zope-interface', lastSerial: 12 },
      { name: 'a_b', normalizedName: 'a-b' },
    ],
  });
});

test('project list, HTML: anchors, repository-version meta tag, SERIAL comment', () => {
  const html = `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n    <a href="/simple/django/">Django</a>\n    <a href="/simple/zope-interface/">zope.interface</a>\n  </body>\n</html>\n<!--SERIAL 4242-->`;
  const idx = parseSimpleIndex(enc(html), 'text/html', 'https://pypi.org/simple/');
  assert.deepEqual(idx, {
    format: 'html',
    meta: { apiVersion: '1.1', lastSerial: 4242 },
    projects: [
      { name: 'Django', normalizedName: 'django' },
      { name: 'zope.interface', normalizedName: 'zope-interface' },
    ],
  });
});

test('project lists with a name listed twice (after normalization) are refused', () => {
  assert.throws(() => parseSimpleIndex(enc('<a href="/simple/a/">Foo.Bar</a><a href="/simple/b/">foo_bar</a>'), HTML, 'https://x.test/simple/'), IndexFormatError);
  assert.throws(() => parseSimpleIndex(enc(JSON.stringify({ meta: { 'api-version': '1.0' }, projects: [{ name: 'a' }, { name: 'A' }] })), JSON_V1, 'https://x.test/simple/'), /listed twice/);
});

// ---- content types ----

test('the format comes from the Content-Type only', () => {
  assert.equal(simpleFormat('application/vnd.pypi.simple.v1+json', 'u'), 'json');
  assert.equal(simpleFormat('Application/Vnd.Pypi.Simple.Latest+JSON; charset=UTF-8', 'u'), 'json');
  assert.equal(simpleFormat('text/html; charset="utf-8"', 'u'), 'html');
  assert.equal(simpleFormat('application/vnd.pypi.simple.v1+html', 'u'), 'html');
  for (const bad of ['application/json', 'text/plain', '', 'text/html; charset=latin-1', 'application/vnd.pypi.simple.v2+json', 'text/htmlx']) {
    assert.throws(() => simpleFormat(bad, 'https://x.test/simple/a/'), IndexFormatError, bad);
  }
  // A JSON body served as text/html is read as HTML: it has no anchors, so no files.
  const asHtml = parseSimpleProject(fixture('simple-json/wheel.v1.1.json'), HTML, 'https://pypi.org/simple/wheel/');
  assert.deepEqual(asHtml.files, []);
  assert.throws(() => parseSimpleProject(fixture('simple-html/black.html'), JSON_V1, 'https://pypi.org/simple/black/'), /malformed JSON/);
});

// ---- hostile and malformed pages ----

const page = (files: unknown[], extra: Record<string, unknown> = {}) => enc(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'a', files, ...extra }));
const good = { filename: 'a-1.0.tar.gz', url: 'https://x.test/a-1.0.tar.gz', hashes: { sha256: 'ab'.repeat(32) } };

test('JSON pages that break a rule are refused with IndexFormatError naming the page', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['not JSON', enc('{"meta":'), /malformed JSON/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ['array document', enc('[]'), /not an object/],
    ['no meta', enc(JSON.stringify({ name: 'a', files: [] })), /"meta" is missing/],
    ['API 2.0', enc(JSON.stringify({ meta: { 'api-version': '2.0' }, name: 'a', files: [] })), /unsupported API version 2.0/],
    ['API not a number', enc(JSON.stringify({ meta: { 'api-version': 'v1' }, name: 'a', files: [] })), /not MAJOR.MINOR/],
    ['files not a list', page({} as unknown as unknown[]), /"files" is not a list/],
    ['non-hex sha256', page([{ ...good, hashes: { sha256: 'zz'.repeat(32) } }]), /is not hex/],
    ['short sha256', page([{ ...good, hashes: { sha256: 'ab' } }]), /has 2 hex digits/],
    ['hash name with markup', page([{ ...good, hashes: { '<script>': 'ab' } }]), /not a hash algorithm name/],
    ['path traversal', page([{ ...good, filename: '../../etc/passwd.tar.gz' }]), /cannot have/],
    ['slash in name', page([{ ...good, filename: 'a/b-1.0.tar.gz' }]), /cannot have/],
    ['HTML injection', page([{ ...good, filename: '<img src=x onerror=alert(1)>.whl' }]), /cannot have/],
    ['control character', page([{ ...good, filename: 'a-1.0\n.tar.gz' }]), /cannot have/],
    ['not a distribution', page([{ ...good, filename: 'setup.py' }]), /not a distribution file/],
    ['javascript: URL', page([{ ...good, url: 'javascript:alert(1)' }]), /scheme "javascript:"/],
    ['file: URL', page([{ ...good, url: 'file:///etc/passwd' }]), /scheme "file:"/],
    ['credentials in URL', page([{ ...good, url: 'https://u:p@x.test/a-1.0.tar.gz' }]), /credentials/],
    ['negative size', page([{ ...good, size: -1 }]), /"size" is not a non-negative integer/],
    ['fractional size', page([{ ...good, size: 1.5 }]), /"size" is not a non-negative integer/],
    ['bad upload-time', page([{ ...good, 'upload-time': 'yesterday' }]), /not an ISO 8601 time/],
    ['yanked number', page([{ ...good, yanked: 1 }]), /"yanked" is neither/],
    ['duplicate file', page([good, good]), /listed twice/],
    ['bad project name', enc(JSON.stringify({ meta: { 'api-version': '1.0' }, name: '../admin', files: [] })), /not a project name/],
    ['versions with spaces', page([], { versions: ['1 .0'] }), /not a version string/],
    ['requires-python with newline', page([{ ...good, 'requires-python': '>=3\n<b>' }]), /control characters/],
  ];
  for (const [why, body, message] of cases) {
    assert.throws(
      () => parseSimpleProject(body, JSON_V1, 'https://x.test/simple/a/'),
      (e: unknown) => e instanceof IndexFormatError && e.message.startsWith('https://x.test/simple/a/') && !e.message.includes('\n') && message.test(e.message),
      why,
    );
  }
});

test('HTML pages that break a rule are refused', () => {
  const base = 'https://x.test/simple/a/';
  const cases: Array<[string, string, RegExp]> = [
    ['text is not the URL file name', '<a href="https://x.test/a-1.0.tar.gz#sha256=' + 'ab'.repeat(32) + '">a-2.0.tar.gz</a>', /not the file name of its URL/],
    ['non-hex fragment', '<a href="https://x.test/a-1.0.tar.gz#sha256=xyz">a-1.0.tar.gz</a>', /not hex/],
    ['traversal in text', '<a href="https://x.test/..%2F..%2Fa-1.0.tar.gz">../../a-1.0.tar.gz</a>', /cannot have/],
    ['markup via entities', '<a href="https://x.test/x">&lt;script&gt;a-1.0.tar.gz</a>', /cannot have/],
    ['javascript href', '<a href="javascript:alert(1)">a-1.0.tar.gz</a>', /scheme/],
    ['data href', '<a href="data:text/html,hi">a-1.0.tar.gz</a>', /scheme/],
    ['bad percent escape', '<a href="https://x.test/%E0%A4%A">a-1.0.tar.gz</a>', /malformed %-escape/],
    ['two serials', '<!--SERIAL 1--><!--SERIAL 2-->', /more than one SERIAL/],
    ['API 2.x', '<meta name="pypi:repository-version" content="2.0">', /unsupported API version/],
    ['duplicate file', '<a href="https://x.test/a-1.0.tar.gz">a-1.0.tar.gz</a><a href="https://x.test/b/a-1.0.tar.gz">a-1.0.tar.gz</a>', /listed twice/],
    ['empty href', '<a href="">a-1.0.tar.gz</a>', /not the file name of its URL/],
    ['metadata digest not hex', '<a href="https://x.test/a-1.0.tar.gz" data-core-metadata="sha256=nothex">a-1.0.tar.gz</a>', /data-core-metadata: .*not hex/],
  ];
  for (const [why, html, message] of cases) {
    assert.throws(() => parseSimpleProject(enc(html), HTML, base), (e: unknown) => e instanceof IndexFormatError && message.test(e.message), why);
  }
});

test('HTML: relative links resolve against the page URL; markup in comments and scripts is not a link', () => {
  const html = [
    '<!-- <a href="evil-1.0.tar.gz">evil-1.0.tar.gz</a> -->',
    '<script>document.write("<a href=\'evil-2.0.tar.gz\'>evil-2.0.tar.gz</a>")</script>',
    '<A HREF="../../files/a-1.0.tar.gz#SHA256=00&sha256=' + 'AB'.repeat(32) + '" DATA-YANKED="">  a-1.0.tar.gz\n</A>',
    '<a href=a-1.1-py3-none-any.whl data-core-metadata=true data-requires-python="&gt;=3.8">a-1.1-py3-none-any.whl</a>',
    '<a name="anchor-without-href">not a file</a>',
  ].join('\n');
  const p = parseSimpleProject(enc(html), HTML, 'https://x.test/simple/a/');
  assert.deepEqual(p.files, [
    // `SHA256=` is not a hash name pip knows (case-sensitive): ignored; the sha256 part is lowercased.
    { filename: 'a-1.0.tar.gz', url: 'https://x.test/files/a-1.0.tar.gz', hashes: { sha256: 'ab'.repeat(32) }, yanked: true },
    { filename: 'a-1.1-py3-none-any.whl', url: 'https://x.test/simple/a/a-1.1-py3-none-any.whl', hashes: {}, yanked: false, requiresPython: '>=3.8', coreMetadata: true },
  ]);
});

test('yank reasons may span lines (free text); other fields may not', () => {
  const json = parseSimpleProject(page([{ ...good, yanked: 'broken build\nuse 1.1' }]), JSON_V1, 'https://x.test/simple/a/');
  assert.equal(json.files[0].yanked, 'broken build\nuse 1.1');
  const html = parseSimpleProject(enc('<a href="https://x.test/a-1.0.tar.gz" data-yanked="broken&#10;use 1.1">a-1.0.tar.gz</a>'), HTML, 'https://x.test/simple/a/');
  assert.equal(html.files[0].yanked, 'broken\nuse 1.1');
  assert.throws(() => parseSimpleProject(page([{ ...good, yanked: 'a\u0000b' }]), JSON_V1, 'https://x.test/simple/a/'), /control characters/);
});

test('HTML page name comes from the page URL and must be a project name', () => {
  assert.equal(parseSimpleProject(enc(''), HTML, 'https://x.test/simple/Foo_Bar/').normalizedName, 'foo-bar');
  assert.throws(() => parseSimpleProject(enc(''), HTML, 'https://x.test/simple/%3Cb%3E/'), IndexFormatError);
});

test('limits: too many files, too many links, over-long strings', () => {
  const limits = { maxFiles: 2, maxProjects: 2, maxVersions: 2, maxStringLength: 100 };
  const three = [1, 2, 3].map((i) => ({ filename: `a-${i}.tar.gz`, url: `https://x.test/a-${i}.tar.gz`, hashes: {} }));
  assert.throws(() => parseSimpleProject(page(three), JSON_V1, 'https://x.test/simple/a/', limits), /more than 2 files/);
  const links = three.map((f) => `<a href="${f.url}">${f.filename}</a>`).join('');
  assert.throws(() => parseSimpleProject(enc(links), HTML, 'https://x.test/simple/a/', limits), /more than 2 links/);
  assert.throws(() => parseSimpleIndex(enc('<a href=1>a</a><a href=2>b</a><a href=3>c</a>'), HTML, 'https://x.test/simple/', limits), /more than 2 links/);
  assert.throws(() => parseSimpleProject(page([{ ...good, yanked: 'x'.repeat(101) }]), JSON_V1, 'https://x.test/simple/a/', limits), /longer than 100/);
  assert.throws(() => parseSimpleProject(enc(`<a href="x">${' '.repeat(200)}</a>`), HTML, 'https://x.test/simple/a/', limits), /longer than 100/);
  assert.throws(() => parseSimpleProject(page([], { versions: ['1', '2', '3'] }), JSON_V1, 'https://x.test/simple/a/', limits), /more than 2 versions/);
});

test('a 16 MiB hostile HTML page (one unterminated anchor full of spaces) is parsed or refused quickly', () => {
  const t0 = Date.now();
  const huge = `<a href="https://x.test/a-1.0.tar.gz">${' '.repeat(16 << 20)}a-1.0.tar.gz</a>`;
  assert.throws(() => parseSimpleProject(enc(huge), HTML, 'https://x.test/simple/a/'), /longer than/);
  const comments = '<!--'.repeat(4 << 20);
  assert.deepEqual(parseSimpleProject(enc(comments), HTML, 'https://x.test/simple/a/').files, []);
  // Each `"` closes the previous value, so this is one tag with a million attributes: refused at 64.
  const quotes = '<a href="'.repeat(2 << 20);
  assert.throws(() => parseSimpleProject(enc(quotes), HTML, 'https://x.test/simple/a/'), /more than 64 attributes/);
  const unclosed = `<a href="${'x'.repeat(16 << 20)}`;
  assert.deepEqual(parseSimpleProject(enc(unclosed), HTML, 'https://x.test/simple/a/').files, []);
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
});

// ---- properties ----

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const fileName = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_]{0,15}$/), fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$/), fc.constantFrom('.tar.gz', '-py3-none-any.whl', '.zip'))
  .map(([n, v, e]) => `${n}-${v}${e}`);
const reason = fc.string({ maxLength: 30 }).filter((s) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s));
const simpleFile = fc.record(
  {
    filename: fileName,
    sha256: hex(64),
    md5: fc.option(hex(32), { nil: undefined }),
    size: fc.option(fc.nat(), { nil: undefined }),
    yanked: fc.oneof(fc.constant(false as const), fc.constant(true as const), reason.filter((s) => s !== '')),
    requiresPython: fc.option(reason.filter((s) => s !== '' && s.trim() === s), { nil: undefined }),
  },
  { requiredKeys: ['filename', 'sha256', 'yanked'] },
);
const uniqueFiles = fc.uniqueArray(simpleFile, { selector: (f) => f.filename, maxLength: 8 });

interface GenFile {
  filename: string;
  sha256: string;
  md5?: string;
  size?: number;
  yanked: false | true | string;
  requiresPython?: string;
}

function expected(f: GenFile, html: boolean): SimpleFile {
  const out: SimpleFile = { filename: f.filename, url: `https://files.test/p/${f.filename}`, hashes: { sha256: f.sha256 }, yanked: f.yanked };
  if (!html && f.md5 !== undefined) out.hashes.md5 = f.md5;
  if (!html && f.size !== undefined) out.size = f.size;
  if (f.requiresPython !== undefined) out.requiresPython = f.requiresPython;
  return out;
}

// Escapes text for an HTML attribute value or text (our own writer, independent of the parser).
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

test('property: JSON pages round-trip', () => {
  fc.assert(
    fc.property(uniqueFiles, (files) => {
      const body = JSON.stringify({
        meta: { 'api-version': '1.1' },
        name: 'p',
        files: files.map((f) => ({ filename: f.filename, url: `https://files.test/p/${f.filename}`, hashes: f.md5 === undefined ? { sha256: f.sha256 } : { sha256: f.sha256, md5: f.md5 }, size: f.size, yanked: f.yanked, 'requires-python': f.requiresPython ?? null })),
      });
      const p = parseSimpleProject(enc(body), JSON_V1, 'https://x.test/simple/p/');
      assert.deepEqual(p.files, files.map((f) => expected(f, false)));
    }),
  );
});

test('property: HTML pages round-trip through entity escaping', () => {
  fc.assert(
    fc.property(uniqueFiles, fc.boolean(), (files, quoteStyle) => {
      const q = quoteStyle ? '"' : "'";
      const body = files
        .map((f) => {
          const attrs = [`href=${q}https://files.test/p/${f.filename}#sha256=${f.sha256}${q}`];
          if (f.requiresPython !== undefined) attrs.push(`data-requires-python=${q}${esc(f.requiresPython).replace(/'/g, '&#39;')}${q}`);
          if (f.yanked === true) attrs.push('data-yanked');
          else if (f.yanked !== false) attrs.push(`data-yanked=${q}${esc(f.yanked).replace(/'/g, '&#x27;')}${q}`);
          return `<a ${attrs.join(' ')}>${f.filename}</a><br/>`;
        })
        .join('\n');
      const p = parseSimpleProject(enc(`<html><body>${body}</body></html>`), HTML, 'https://x.test/simple/p/');
      assert.deepEqual(p.files, files.map((f) => expected(f, true)));
    }),
  );
});

test('property: random bytes and random JSON never crash the parsers (typed error or a value)', () => {
  const typed = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof IndexFormatError)) throw e;
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(JSON_V1, HTML), (b, ct) => {
      typed(() => parseSimpleProject(b, ct, 'https://x.test/simple/p/'));
      typed(() => parseSimpleIndex(b, ct, 'https://x.test/simple/'));
    }),
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      typed(() => parseSimpleProject(enc(JSON.stringify(v)), JSON_V1, 'https://x.test/simple/p/'));
      typed(() => parseSimpleProject(enc(JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'p', files: [v] })), JSON_V1, 'https://x.test/simple/p/'));
      typed(() => parseSimpleIndex(enc(JSON.stringify({ meta: { 'api-version': '1.0' }, projects: [v] })), JSON_V1, 'https://x.test/simple/'));
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('<a', ' href=', '"x.tar.gz"', "'", '>', '</a>', '<!--', '-->', 'a-1.tar.gz', '&amp;', '#sha256=', 'ab', '<script>', '</script>', ' data-yanked', '='), { maxLength: 40 }), (parts) => {
      typed(() => parseSimpleProject(enc(parts.join('')), HTML, 'https://x.test/simple/p/'));
    }),
  );
});
